#!/usr/bin/env python
"""OpenStack operator helper: list, show or evacuate hypervisors (simulated cloud).

The cloud is chosen with OS_CLOUD; OS_REGION_NAME and OS_INTERFACE refine it.
"""
import argparse
import json
import os

HYPERVISORS = {"cmp1": {"vms": 12, "state": "up"}, "cmp2": {"vms": 0, "state": "down"}}


class NovaOps(object):
    def __init__(self):
        self.cloud = os.environ.get("OS_CLOUD", "lab")
        self.region = os.environ.get("OS_REGION_NAME", "RegionOne")
        self.interface = os.getenv("OS_INTERFACE", "public")

    def do_list(self, args):
        print(json.dumps(sorted(HYPERVISORS)))

    def do_show(self, args):
        print(json.dumps(HYPERVISORS.get(args.hypervisor or "", {}), sort_keys=True))

    def do_evacuate(self, args):
        print("would evacuate %s in %s/%s" % (args.hypervisor, self.cloud, self.region))


def main():
    parser = argparse.ArgumentParser(description="OpenStack hypervisor operations")
    parser.add_argument("command", help="what to do")
    parser.add_argument("--hypervisor", help="hypervisor host name")
    args = parser.parse_args()
    getattr(NovaOps(), "do_" + args.command.replace("-", "_"))(args)


if __name__ == "__main__":
    main()
