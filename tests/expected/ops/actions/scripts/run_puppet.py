#!/usr/bin/env python3
"""Run the puppet agent once, with our usual flags.

Everyone kept typing a different incantation, so this pins it down.  By
default the run is a no-op (report only); pass --no-noop to apply.
Simulated: prints the agent command line and a fake summary.
"""
import argparse
import json
import logging
import shlex
import sys

__version__ = "1.7.2"

PUPPET_BIN = "/opt/puppetlabs/bin/puppet"
LOG_LEVELS = ["err", "warning", "notice", "info", "debug"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="run_puppet.py",
        description="%(prog)s runs one puppet agent pass in a predictable way.",
        epilog="Example: %(prog)s --no-noop --tags nginx ssh",
    )
    parser.add_argument(
        "--noop", action=argparse.BooleanOptionalAction, default=True,
        help="report changes without applying them (default: %(default)s)",
    )
    parser.add_argument(
        "--tags", nargs="*", default=[],
        help="only apply resources with these tags",
    )
    parser.add_argument(
        "--environment", default="production",
        help="puppet environment / code branch (default: %(default)s)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="pass --debug to the agent"
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, default="notice",
        help="agent log level, one of %(choices)s (default: %(default)s)",
    )
    parser.add_argument(
        "--version", action="version", version="%(prog)s " + __version__
    )
    return parser


def agent_command(args):
    cmd = [PUPPET_BIN, "agent", "--onetime", "--no-daemonize", "--detailed-exitcodes",
           "--environment", args.environment, "--log_level", args.log_level]
    cmd.append("--noop" if args.noop else "--no-noop")
    if args.tags:
        cmd += ["--tags", ",".join(args.tags)]
    if args.debug:
        cmd.append("--debug")
    return cmd


def main():
    args = build_parser().parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        stream=sys.stderr, format="run_puppet: %(message)s")
    cmd = agent_command(args)
    logging.info("would run: %s", " ".join(shlex.quote(c) for c in cmd))
    print(json.dumps({
        "command": cmd,
        "environment": args.environment,
        "noop": args.noop,
        "tags": args.tags,
        "changed_resources": 0,
        "failed_resources": 0,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
