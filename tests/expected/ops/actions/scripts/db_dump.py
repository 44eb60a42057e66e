#!/usr/bin/env python3
"""Dump a PostgreSQL database (or some of its tables) for a hand-off.

Used when someone needs "a copy of prod from this morning" for debugging.
Builds the pg_dump command, picks the compressor and the output file name,
and prints the plan as JSON.  Nothing is dumped or written by this copy.
"""
import argparse
import datetime
import getpass
import json
import logging
import pathlib
import sys
import tempfile

DEFAULT_PORT = 5432
COMPRESSORS = {"gzip": ".gz", "bzip2": ".bz2", "none": ""}

log = logging.getLogger("db_dump")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Plan a pg_dump of one database.")
    parser.add_argument("--database", "-d", required=True, help="database name")
    parser.add_argument("--host", default="localhost", help="database host (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="(default: %(default)s)")
    # Defaults to whoever runs the script, like psql does.
    parser.add_argument("--user", "-U", default=getpass.getuser(), help="role to connect as")
    parser.add_argument(
        "--password",
        help="password for --user; prefer ~/.pgpass, this ends up in shell history",
    )
    parser.add_argument(
        "--compress", choices=sorted(COMPRESSORS), default="gzip",
        help="compression for the dump file (default: %(default)s)",
    )
    parser.add_argument(
        "--output", "-o", type=pathlib.Path,
        help="output file; default is a timestamped file in the temp dir",
    )
    parser.add_argument(
        "--tables", "-t", action="extend", nargs="+", metavar="TABLE",
        help="only dump these tables; may be given several times",
    )
    parser.add_argument("--schema-only", action="store_true", help="no data, DDL only")
    return parser.parse_args(argv)


def default_output(database, compress):
    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    name = "%s-%s.sql%s" % (database, stamp, COMPRESSORS[compress])
    return pathlib.Path(tempfile.gettempdir()) / name


def pg_dump_command(args):
    cmd = ["pg_dump", "-h", args.host, "-p", str(args.port), "-U", args.user,
           "--no-owner", args.database]
    for table in args.tables or []:
        cmd += ["-t", table]
    if args.schema_only:
        cmd.append("--schema-only")
    return cmd


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    output = args.output or default_output(args.database, args.compress)
    pipeline = [" ".join(pg_dump_command(args))]
    if args.compress != "none":
        pipeline.append(args.compress + " -c")
    if args.password:
        log.info("using password from the command line (PGPASSWORD)")
    print(json.dumps({
        "database": args.database,
        "pipeline": " | ".join(pipeline),
        "output": str(output),
        "tables": args.tables or "all",
        "password_set": bool(args.password),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
