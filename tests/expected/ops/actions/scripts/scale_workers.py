#!/usr/bin/env python3
"""Scale a worker pool and optionally run a command on the new workers.

    scale_workers.py --workers 8 queue-workers
    scale_workers.py --workers 4 --resize 1920 1080 render-farm ./warmup.sh --fast

Options go BEFORE the pool name: everything after the pool name is passed
through untouched to the command run on each new worker.  The pool is never scaled outside its
--min/--max bounds (exit 1).  Simulated: prints the plan as JSON.
"""
import argparse
import json
import logging
import sys

MAX_WORKERS = 16
POOLS = {"queue-workers": 4, "render-farm": 2, "thumbnailer": 1}  # current sizes

log = logging.getLogger("scale_workers")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Resize a worker pool within its bounds.")
    parser.add_argument("pool", help="pool name, one of: " + ", ".join(sorted(POOLS)))
    parser.add_argument(
        "--workers", "-n", type=int, choices=range(1, MAX_WORKERS + 1), required=True,
        help="desired number of workers (1-%d)" % MAX_WORKERS,
    )
    parser.add_argument("--min", type=int, default=1, help="lower bound (default: %(default)s)")
    parser.add_argument("--max", type=int, default=12, help="upper bound (default: %(default)s)")
    parser.add_argument(
        "--resize", nargs=2, type=int, metavar=("WIDTH", "HEIGHT"),
        help="render resolution for render-farm workers",
    )
    # Historical: this was type=bool, so "--autoscale False" is still True.
    # Nobody dared to change it because cron passes "--autoscale 1".
    parser.add_argument("--autoscale", type=bool, default=False,
                        help="leave the autoscaler enabled after resizing")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="command (and its arguments) to run on each new worker")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

    if args.pool not in POOLS:
        log.error("unknown pool %s", args.pool)
        return 1
    if not args.min <= args.workers <= args.max:
        log.error("refusing: %d workers is outside [%d, %d] for %s",
                  args.workers, args.min, args.max, args.pool)
        return 1

    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    current = POOLS[args.pool]
    print(json.dumps({
        "pool": args.pool,
        "from": current,
        "to": args.workers,
        "delta": args.workers - current,
        "resize": args.resize,
        "autoscale": args.autoscale,
        "run_on_new_workers": command,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
