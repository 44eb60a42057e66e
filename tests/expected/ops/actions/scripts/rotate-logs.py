#!/usr/bin/env python3
"""Rotate application logs when they get too big.

logrotate's daily schedule was not enough for the chatty services, so this
runs every 10 minutes from cron.  A log is rotated when it is larger than
--max-size, or when the log partition is fuller than --disk-threshold.
This copy only reads file sizes and prints what it would rotate.
"""
import argparse
import glob
import json
import logging
import os
import sys

MiB = 1024 * 1024
DEFAULT_MAX_SIZE = 10 * MiB
DEFAULT_KEEP = 5
DEFAULT_LOG_DIR = "/var/log/app"

log = logging.getLogger("rotate-logs")


def build_parser():
    parser = argparse.ArgumentParser(description="Size-based log rotation for app logs.")
    parser.add_argument("--log-dir", default=DEFAULT_LOG_DIR,
                        help="directory holding *.log files (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print only (always true here)")

    limits = parser.add_argument_group("limits", "when a log counts as too big")
    limits.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE,
                        help="rotate above this many bytes (default: %(default)s)")
    limits.add_argument("--disk-threshold", type=float, default=90.0,
                        help="rotate everything when the disk is over %(default)s%% full")
    limits.add_argument("--keep", type=int, default=DEFAULT_KEEP,
                        help="rotated copies to keep (default: %(default)s)")

    comp = parser.add_argument_group("compression")
    comp.add_argument("--compress-level", type=int, default=6, choices=range(1, 10),
                      metavar="1-9", help="gzip level, 1=fast 9=small (default: %(default)s)")
    comp.add_argument("--no-compress", dest="compress", action="store_false",
                      help="leave rotated files uncompressed")
    comp.add_argument("--log-level", default="INFO",
                      choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                      help="this script's own log level")
    return parser


def disk_usage_percent(path):
    try:
        st = os.statvfs(path)
    except OSError:
        return 0.0
    if not st.f_blocks:
        return 0.0
    return 100.0 * (st.f_blocks - st.f_bavail) / st.f_blocks


def plan_rotation(args):
    files = sorted(glob.glob(os.path.join(args.log_dir, "*.log")))
    usage = disk_usage_percent(args.log_dir) if os.path.isdir(args.log_dir) else 0.0
    force_all = usage > args.disk_threshold
    plan = []
    for path in files:
        try:
            size = os.path.getsize(path)
        except OSError:
            continue
        if force_all or size > args.max_size:
            target = path + ".1" + (".gz" if args.compress else "")
            plan.append({"file": path, "size": size, "rotate_to": target})
    return {"log_dir": args.log_dir, "disk_usage_percent": round(usage, 1),
            "scanned": len(files), "rotate": plan, "keep": args.keep,
            "compress_level": args.compress_level if args.compress else None}


def main():
    args = build_parser().parse_args()
    logging.basicConfig(level=getattr(logging, args.log_level), stream=sys.stderr)
    if not os.path.isdir(args.log_dir):
        log.warning("%s does not exist; nothing to do", args.log_dir)
    result = plan_rotation(args)
    result["executed"] = False  # read-only copy; rotation is done by logrotate now
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
