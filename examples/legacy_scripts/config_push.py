#!/usr/bin/env python3
"""Push configuration lines to a network device (simulated): print the session plan.

Settings are read first from a JSON file given with --config (keys: site, port,
timeout, commit), then from the command line, which wins.  The enable password comes
from --enable-pw, else from a prompt when run at a terminal; an API token for the
change log comes from the CONFIG_PUSH_TOKEN environment variable.

Exits 1 when --commit is asked without an enable password, 3 when the device name is
not a valid host name.
"""

import argparse
import getpass
import json
import os
import re
import sys

DEFAULTS = {"site": "dc1", "port": 22, "timeout": 30.0, "commit": False}
HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9-]+)*$")


def load_config(path):
    """The known settings of a JSON config file; {} (with a warning) when unusable."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as err:
        print("config_push: ignoring config file %r: %s" % (path, err), file=sys.stderr)
        return {}
    if not isinstance(data, dict):
        print("config_push: %r is not a JSON object; ignored" % path, file=sys.stderr)
        return {}
    return {key: value for key, value in data.items() if key in DEFAULTS}


def main():
    # A pre-parser reads only --config, so the file can supply the main parser's defaults.
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("-c", "--config", metavar="FILE", help="JSON file with default settings")
    known, _ = pre.parse_known_args()

    parser = argparse.ArgumentParser(
        description="Push configuration lines to a network device (simulated).",
        parents=[pre],
    )
    parser.add_argument("device", help="device host name")
    parser.add_argument("--site", choices=["dc1", "dc2", "lab"], default=DEFAULTS["site"],
                        help="site of the device (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULTS["port"], help="SSH port")
    parser.add_argument("--timeout", type=float, default=DEFAULTS["timeout"],
                        help="session timeout in seconds")
    parser.add_argument("-l", "--line", action="append", dest="lines", default=None,
                        help="a configuration line (repeatable)")
    parser.add_argument("--commit", action="store_true", help="commit instead of a dry run")
    parser.add_argument("--enable-pw", help="enable password (prompted for when omitted)")
    parser.set_defaults(**load_config(known.config))
    args = parser.parse_args()

    if not HOSTNAME.match(args.device):
        print("invalid device name %r" % args.device, file=sys.stderr)
        return 3
    enable_pw = args.enable_pw or (getpass.getpass("Enable password: ")
                                   if sys.stdin.isatty() else None)
    if args.commit and not enable_pw:
        print("--commit needs an enable password", file=sys.stderr)
        return 1
    token = os.environ.get("CONFIG_PUSH_TOKEN")
    plan = {
        "device": args.device,
        "site": args.site,
        "port": args.port,
        "timeout": args.timeout,
        "lines": args.lines or [],
        "mode": "commit" if args.commit else "dry-run",
        "change_log": "authenticated" if token else "anonymous",
    }
    print(json.dumps(plan, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
