#!/usr/bin/env python
"""Plan a chaos experiment against one service (prints the plan, injects nothing)."""
import argparse
import enum
import json

SCENARIOS = {"latency": "add 200 ms", "errors": "fail 5% of requests", "kill": "stop one pod"}


class Level(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    add = parser.add_argument
    add("--target", required=True, help="service to disturb")
    add("--scenario", choices=list(SCENARIOS.keys()), default="latency",
        help="what to inject")
    add("--level", choices=[lvl.value for lvl in Level], default="low",
        help="how hard")
    add("--minutes", type=int, default=5, help="how long")
    return parser


if __name__ == "__main__":
    args = build_parser().parse_args()
    print(json.dumps({"target": args.target, "scenario": SCENARIOS[args.scenario],
                      "level": args.level, "minutes": args.minutes}, sort_keys=True))
