#!/usr/bin/env python3
"""Delete or close time-based Elasticsearch indices older than N days.

Curator was too much for the logging cluster back then, so this is the
cron job that keeps the disks from filling up.  It works out which daily
indices (``<prefix><date>``) fall outside the retention window and prints the
calls it would make.  No request is ever sent from this copy.
"""
import argparse
import datetime
import json
import logging
import os
import sys

log = logging.getLogger("rotate_indices")

DEFAULT_HOST = "http://localhost:9200"
# How many days of fake indices to "discover" when --indices is not given.
DISCOVERY_WINDOW = 45


def parse_args():
    parser = argparse.ArgumentParser(
        description="Rotate daily Elasticsearch indices past their retention."
    )
    parser.add_argument(
        "operation", nargs="?", default="delete", choices=["delete", "close"],
        help="what to do with expired indices (default: %(default)s)",
    )
    # Old cron lines pass this as a string; argparse converts it.
    parser.add_argument(
        "--keep-days", type=int, default="30",
        help="keep this many days of indices (default: %(default)s)",
    )
    parser.add_argument(
        "--prefix", default=os.environ.get("ES_PREFIX", "logstash-"),
        help="index name prefix; $ES_PREFIX overrides the built-in default",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="cluster URL")
    parser.add_argument(
        "--indices", nargs="+", metavar="INDEX",
        help="explicit index names to consider instead of listing the cluster",
    )
    parser.add_argument(
        "--pattern", default="%Y.%m.%d",
        help="strftime format of the date suffix (default: %(default)s)",
    )
    parser.add_argument(
        "--as-of", type=datetime.date.fromisoformat, default=None,
        help="pretend today is this date (YYYY-MM-DD); useful for testing",
    )
    parser.add_argument("--dry-run", action="store_true", help="only print")
    return parser.parse_args()


def discover(prefix, pattern, today):
    """Stand-in for GET /_cat/indices: one index per day."""
    return [prefix + (today - datetime.timedelta(days=n)).strftime(pattern)
            for n in range(DISCOVERY_WINDOW)]


def index_date(name, prefix, pattern):
    if not name.startswith(prefix):
        return None
    try:
        return datetime.datetime.strptime(name[len(prefix):], pattern).date()
    except ValueError:
        return None


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    today = args.as_of or datetime.date.today()
    cutoff = today - datetime.timedelta(days=args.keep_days)

    names = args.indices or discover(args.prefix, args.pattern, today)
    expired, skipped = [], []
    for name in sorted(names):
        day = index_date(name, args.prefix, args.pattern)
        if day is None:
            log.warning("skipping %s: does not match %s%s", name, args.prefix, args.pattern)
            skipped.append(name)
        elif day < cutoff:
            expired.append(name)

    calls = []
    for name in expired:
        if args.operation == "delete":
            calls.append("DELETE %s/%s" % (args.host, name))
        else:
            calls.append("POST %s/%s/_close" % (args.host, name))

    print(json.dumps({
        "cutoff": cutoff.isoformat(),
        "operation": args.operation,
        "expired": expired,
        "skipped": skipped,
        "calls": calls,
        "executed": False,  # this copy never talks to the cluster
        "dry_run": args.dry_run,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
