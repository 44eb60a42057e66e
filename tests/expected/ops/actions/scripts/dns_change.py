#!/usr/bin/env python3
"""Add, delete or list records in one of our DNS zones.

Talks to the provider's REST API in production; this copy works against an
in-memory copy of the zone so it can be run anywhere.  The apex and the
name-server records are protected and can never be deleted from here.

Usage examples:
    dns_change.py --zone example.internal add www A 10.0.0.10
    dns_change.py rm old-host
    dns_change.py list --type CNAME
"""
import argparse
import json
import logging
import os
import sys

DEFAULT_ZONE = "example.internal"
DEFAULT_TTL = 300
RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT", "MX"]
PROTECTED = {"@", "ns1", "ns2"}

# Pretend zone contents (name, type, value, ttl).
FAKE_ZONE = [
    ("@", "A", "10.0.0.2", 3600),
    ("ns1", "A", "10.0.0.53", 3600),
    ("ns2", "A", "10.0.1.53", 3600),
    ("www", "CNAME", "lb.example.internal.", 300),
    ("old-host", "A", "10.0.3.17", 300),
    ("lb", "A", "10.0.0.10", 60),
]

log = logging.getLogger("dns_change")


def build_parser():
    parser = argparse.ArgumentParser(description="Manage records in a DNS zone.")
    parser.add_argument("--zone", default=DEFAULT_ZONE, help="zone to edit (default: %(default)s)")
    parser.add_argument(
        "--api-token", default=os.getenv("DNS_API_TOKEN"),
        help="provider API token (or set DNS_API_TOKEN)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show the change only")

    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="create or replace a record")
    add.add_argument("name", help="record name relative to the zone")
    add.add_argument("type", choices=RECORD_TYPES, help="record type")
    add.add_argument("value", help="record value")
    add.add_argument("--ttl", type=int, default=DEFAULT_TTL, help="TTL in seconds (default: %(default)s)")

    delete = sub.add_parser("delete", aliases=["rm"], help="delete all records with a name")
    delete.add_argument("name", help="record name relative to the zone")

    lst = sub.add_parser("list", aliases=["ls"], help="list records in the zone")
    lst.add_argument("--type", choices=RECORD_TYPES, help="only this record type")
    return parser


def do_add(args, zone):
    if args.type == "CNAME" and not args.value.endswith("."):
        args.value += "."
    return {"change": "UPSERT", "record": [args.name, args.type, args.value, args.ttl]}


def do_delete(args, zone):
    if args.name in PROTECTED:
        raise SystemExit("dns_change: refusing to delete protected record %r" % args.name)
    matches = [r for r in zone if r[0] == args.name]
    if not matches:
        raise SystemExit("dns_change: no record named %r in %s" % (args.name, args.zone))
    return {"change": "DELETE", "records": matches}


def do_list(args, zone):
    return {"records": [r for r in zone if args.type in (None, r[1])]}


HANDLERS = {"add": do_add, "delete": do_delete, "rm": do_delete, "list": do_list, "ls": do_list}


def main():
    args = build_parser().parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    if args.action != "list" and not args.api_token and not args.dry_run:
        log.warning("no API token given; running as --dry-run")
        args.dry_run = True
    result = HANDLERS[args.action](args, list(FAKE_ZONE))
    result.update({"zone": args.zone, "dry_run": args.dry_run})
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
