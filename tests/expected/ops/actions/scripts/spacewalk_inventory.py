#!/usr/bin/env python
"""
Spacewalk external inventory script
===================================

Ansible inventory from a (simulated) Spacewalk server: groups are system groups.
"""
import argparse
import json

CACHE_DIR = "/var/cache/spacewalk-inventory"
CACHE_TTL = 300
GROUPS = {"web": ["web1", "web2"], "db": ["db1"]}

parser = argparse.ArgumentParser(
    description="Produce an Ansible inventory from Spacewalk system groups", add_help=False)
parser.add_argument("-h", "--help", action="store_true", help=argparse.SUPPRESS)
mode = parser.add_mutually_exclusive_group(required=True)
mode.add_argument("--list", action="store_true", help="list every group and its hosts")
mode.add_argument("--host", help="show the variables of one host")
parser.add_argument("--cache-dir", default=CACHE_DIR,
                    help="where to keep the cache. Defaults to %s" % CACHE_DIR)
parser.add_argument("--cache-ttl", type=int, default=CACHE_TTL,
                    help="seconds a cached answer stays valid (default {ttl})".format(
                        ttl=CACHE_TTL))
parser.add_argument("--pretty", action="store_true",
                    help="indent the JSON output         "
                         "for people")
args = parser.parse_args()
if args.help:
    parser.print_help()
    raise SystemExit(0)
indent = 2 if args.pretty else None
if args.list:
    print(json.dumps({g: {"hosts": h} for g, h in sorted(GROUPS.items())}, indent=indent))
else:
    found = [g for g, hosts in sorted(GROUPS.items()) if args.host in hosts]
    print(json.dumps({"spacewalk_groups": found}, indent=indent))
