#!/usr/bin/env python3
"""Purge paths from the CDN / Varnish caches.

A flag starting with "+" turns something ON that is off by default
(``+w`` / ``++warm`` re-requests the purged URLs so the first visitor does
not pay for the miss), the same convention our old Perl tools used.
Simulated: prints the purge requests instead of sending them.
"""
import argparse as ap
import json
import logging
import sys
from argparse import ArgumentParser as P

CDNS = ("fastly", "cloudfront", "varnish")
MAX_PATHS_PER_CALL = 30

# Shared by all our cache tools (this is the only one left).
common = P(add_help=False)
common.add_argument("--verbose", action="store_true", help="log every request")
common.add_argument("--dry-run", action="store_true", help="do not send anything")


def parse_args(argv=None):
    parser = P(
        description="Purge URL paths from a cache layer.",
        parents=[common],
        prefix_chars="-+",
        formatter_class=ap.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("paths", nargs=ap.ONE_OR_MORE, metavar="PATH", help="URL path(s), e.g. /static/app.css")
    parser.add_argument("--cdn", choices=CDNS, default="varnish", help="cache layer")
    parser.add_argument("--service-id", help="CDN service / distribution id")
    parser.add_argument("+w", "++warm", action="store_true", help="re-fetch each path after purging")
    parser.add_argument("-s", "--soft", action="store_true", help="mark stale instead of evicting")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", dest="fmt", action="store_const", const="json", help="JSON output")
    out.add_argument("--csv", dest="fmt", action="store_const", const="csv", help="CSV output")
    parser.set_defaults(fmt="text")
    return parser.parse_args(argv)


def chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def requests_for(args):
    reqs = []
    for batch in chunks(args.paths, MAX_PATHS_PER_CALL):
        for path in batch:
            if not path.startswith("/"):
                path = "/" + path
            if args.cdn == "varnish":
                reqs.append({"method": "PURGE" if not args.soft else "BAN", "path": path})
            else:
                reqs.append({"method": "POST", "path": path, "service": args.service_id,
                             "soft": args.soft})
            if args.warm:
                reqs.append({"method": "GET", "path": path})
    return reqs


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr)
    if args.cdn != "varnish" and not args.service_id:
        logging.error("--service-id is required for %s", args.cdn)
        return 2
    reqs = requests_for(args)
    if args.fmt == "json":
        print(json.dumps({"cdn": args.cdn, "dry_run": args.dry_run, "requests": reqs}))
    elif args.fmt == "csv":
        print("method,path")
        for r in reqs:
            print("%s,%s" % (r["method"], r["path"]))
    else:
        for r in reqs:
            print("%s %s %s" % ("would send" if args.dry_run else "sent (simulated)",
                                r["method"], r["path"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
