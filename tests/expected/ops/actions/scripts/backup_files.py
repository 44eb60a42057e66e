#!/usr/bin/env python3
"""Nightly file backup for the app servers.

Collects the configured paths into one archive named after the host and the
date, optionally encrypts it, and ships it to the backup host.  Shipping was
moved to the backup host's pull job years ago, so this copy only checks the
sources and prints the plan.
"""
import argparse
import datetime
import getpass
import os
import socket
import sys

from opslib import BACKUP_ROOT, DEFAULT_RETENTION_DAYS, emit, human_size, setup_logging

# (flag, help) for the options that take paths and may repeat.
PATH_OPTIONS = [
    ("--source", "file or directory to include; repeatable"),
    ("--exclude", "glob pattern to leave out; repeatable"),
]

# (flag, dest, help) for the switches that turn a default-on behaviour off.
OFF_SWITCHES = [
    ("--no-compress", "compress", "store the archive uncompressed"),
    ("--no-checksum", "checksum", "skip writing a .sha256 file next to the archive"),
    ("--no-prune", "prune", "keep archives older than the retention period"),
]


def build_parser():
    parser = argparse.ArgumentParser(description="Back up local files to the backup host.")
    for flag, help_text in PATH_OPTIONS:
        parser.add_argument(flag, action="append", help=help_text)
    for flag, dest, help_text in OFF_SWITCHES:
        parser.add_argument(flag, dest=dest, action="store_false", help=help_text)
    parser.add_argument("--dest", help="directory on the backup host (default: %(default)s)")
    parser.add_argument("--retention-days", type=int, help="days to keep (default: %(default)s)")
    parser.add_argument("--encrypt", action="store_true", help="encrypt with a passphrase")
    parser.add_argument("--passphrase", help="encryption passphrase; prompted for if omitted")
    parser.add_argument("--dry-run", action="store_true", help="only print the plan")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    # NB: --source *adds* to the default sources below (argparse appends to a
    # list default); jobs that want fewer paths use a separate host profile.
    parser.set_defaults(dest=BACKUP_ROOT, retention_days=DEFAULT_RETENTION_DAYS,
                        source=["/etc/app", "/var/lib/app/uploads"])
    return parser


def describe_source(path):
    if not os.path.exists(path):
        return {"path": path, "exists": False}
    if os.path.isdir(path):
        return {"path": path, "exists": True, "kind": "dir"}
    return {"path": path, "exists": True, "kind": "file",
            "size": human_size(os.path.getsize(path))}


def main():
    args = build_parser().parse_args()
    log = setup_logging(args.verbose, "backup_files")

    if args.encrypt and not args.passphrase and not args.dry_run:
        args.passphrase = getpass.getpass("Backup passphrase: ")

    stamp = datetime.date.today().isoformat()
    archive = "%s-%s.tar%s" % (socket.gethostname().split(".")[0], stamp,
                               ".gz" if args.compress else "")
    if args.encrypt:
        archive += ".gpg"
    sources = [describe_source(p) for p in args.source]
    for src in sources:
        if not src["exists"]:
            log.warning("source %s does not exist, skipping", src["path"])

    emit({
        "archive": os.path.join(args.dest, archive),
        "sources": sources,
        "exclude": args.exclude or [],
        "checksum": args.checksum,
        "prune_older_than_days": args.retention_days if args.prune else None,
        "encrypted": args.encrypt,
        "dry_run": args.dry_run,
        "written": False,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
