#!/usr/bin/env python
"""Plan the perf buffer size of a BPF tracing tool (bcc style; prints the plan only)."""
import argparse
import json


def positive_int(val):
    try:
        ival = int(val)
    except ValueError:
        raise argparse.ArgumentTypeError("must be an integer")
    if ival < 0:
        raise argparse.ArgumentTypeError("must be positive")
    return ival


def positive_nonzero_int(val):
    ival = positive_int(val)
    if ival == 0:
        raise argparse.ArgumentTypeError("must be nonzero")
    return ival


parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("-b", "--buffer-pages", type=positive_int, default=16384,
                    help="perf buffer size in pages, a power of two (default %(default)s)")
parser.add_argument("-d", "--duration", type=positive_nonzero_int, default=10,
                    help="seconds to trace")
parser.add_argument("--set", dest="set_password", action="store_true",
                    help="store the tracing password in the keyring first (simulated)")
parser.add_argument("--timestamp", action="store_true", default=True,
                    help="always print timestamps")
parser.add_argument("--kernel-stacks", action="store_true", default=True,
                    help="always collect kernel stacks")
args = parser.parse_args()
print(json.dumps({"buffer_pages": args.buffer_pages, "duration": args.duration,
                  "set_password": args.set_password}, sort_keys=True))
