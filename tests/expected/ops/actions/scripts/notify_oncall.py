#!/usr/bin/env python3
"""Page or notify the on-call engineer from a script or cron job.

Critical messages go to the pager service, everything else to chat.  The
message text is rendered from a small template so alerts look the same no
matter which job sent them.  Simulated: prints the payload it would post.
"""
import argparse
import hashlib
import json
import os
import sys

SEVERITIES = ("critical", "warning", "info")
ONE_HOUR = 60 * 60
DEFAULT_CHANNELS = ("#ops", "#ops-alerts")
# Chat template (rendered by the chat bot, not here).
DEFAULT_TEMPLATE = "{% if severity == 'critical' %}:rotating_light: {% endif %}[{{ severity }}] {{ text }}"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Send a page or chat notification to on-call.")
    parser.add_argument("message", nargs="+", help="message text (words are joined)")
    parser.add_argument("--severity", choices=SEVERITIES, default="warning",
                        help="one of %(choices)s (default: %(default)s)")
    parser.add_argument("--api-key", type=str, default=os.environ.get("PAGER_API_KEY", ""),
                        help="pager service API key (env PAGER_API_KEY)")
    parser.add_argument("--channels", nargs="*", default=DEFAULT_CHANNELS,
                        help="chat channels (default: %(default)s)")
    parser.add_argument("--dedup-window", type=int, default=ONE_HOUR,
                        help="suppress identical messages for this many seconds")
    parser.add_argument("--retry-delay", type=float, default="0.5",
                        help="seconds between delivery retries (default: %(default)s)")
    parser.add_argument("--urgent", dest="priority", action="store_const", const=1, default=3,
                        help="send with priority 1 instead of 3")
    parser.add_argument("--template", default=DEFAULT_TEMPLATE, help="chat message template")
    parser.add_argument("--dry-run", action="store_true", help="print the payload only")
    return parser.parse_args(argv)


def dedup_key(text, severity):
    return hashlib.sha1(("%s|%s" % (severity, text)).encode()).hexdigest()[:12]


def main(argv=None):
    args = parse_args(argv)
    text = " ".join(args.message)
    if args.severity == "critical" and not args.api_key and not args.dry_run:
        print("notify_oncall: critical pages need --api-key or PAGER_API_KEY", file=sys.stderr)
        return 1
    payload = {
        "route": "pager" if args.severity == "critical" else "chat",
        "channels": list(args.channels),
        "severity": args.severity,
        "priority": args.priority,
        "text": text,
        "template": args.template,
        "dedup_key": dedup_key(text, args.severity),
        "dedup_window": args.dedup_window,
        "sent": False,
        "dry_run": args.dry_run,
    }
    print(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
