#!/usr/bin/env python3
"""Report TLS certificates that expire soon.

Reads the host list from the YAML inventory (``hosts:`` entries with a
``name`` and, when known, the certificate's ``not_after`` date) and/or from
--hosts.  Hosts without a known date get a deterministic made-up expiry so
the report can be tried out without touching the network.

Exit codes follow the monitoring convention: 0 all fine, 1 something expires
within --warn-days, 2 something expires within --crit-days.
"""
import argparse
import datetime
import json
import sys
import zlib

import yaml

WARN_DAYS = 30
CRIT_DAYS = 7
# Chat message format; rendered by our own tiny {{ var }} substitution.
MESSAGE_TEMPLATE = "{{ host }}: certificate expires in {{ days }} days"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--inventory", help="YAML inventory file with a 'hosts' list")
    parser.add_argument("--hosts", action="append", default=[], metavar="HOST",
                        help="extra host to check; repeatable")
    parser.add_argument("--warn-days", type=int, default=WARN_DAYS,
                        help="warn below this many days (default: %(default)s)")
    parser.add_argument("--crit-days", type=int, default=CRIT_DAYS,
                        help="critical below this many days (default: %(default)s)")
    parser.add_argument("--port", type=int, default=443, help="TLS port (default: %(default)s)")
    parser.add_argument("--message-template", default=MESSAGE_TEMPLATE,
                        help="chat message for each expiring cert")
    parser.add_argument("--today", type=datetime.date.fromisoformat,
                        help="reference date YYYY-MM-DD (default: today)")
    return parser.parse_args(argv)


def load_inventory(path):
    with open(path) as fh:
        data = yaml.safe_load(fh) or {}
    return data.get("hosts", [])


def fake_not_after(host, today):
    # Stable per host name, spread over the next year.
    return today + datetime.timedelta(days=zlib.crc32(host.encode()) % 365)


def render(template, **values):
    for key, value in values.items():
        template = template.replace("{{ %s }}" % key, str(value))
    return template


def main(argv=None):
    args = parse_args(argv)
    today = args.today or datetime.date.today()

    entries = load_inventory(args.inventory) if args.inventory else []
    entries += [{"name": h} for h in args.hosts]
    if not entries:
        print("cert_expiry: no hosts given (use --inventory or --hosts)", file=sys.stderr)
        return 3

    results, worst = [], 0
    for entry in entries:
        not_after = entry.get("not_after") or fake_not_after(entry["name"], today)
        if isinstance(not_after, str):
            not_after = datetime.date.fromisoformat(not_after)
        days = (not_after - today).days
        state = 0
        if days <= args.crit_days:
            state = 2
        elif days <= args.warn_days:
            state = 1
        worst = max(worst, state)
        item = {"host": "%s:%d" % (entry["name"], args.port), "not_after": not_after.isoformat(),
                "days_left": days, "state": ["OK", "WARNING", "CRITICAL"][state]}
        if state:
            item["message"] = render(args.message_template, host=entry["name"], days=days)
        results.append(item)

    print(json.dumps({"checked": len(results), "results": results}, indent=2))
    return worst


if __name__ == "__main__":
    sys.exit(main())
