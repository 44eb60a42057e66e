#!/usr/bin/env python
"""Ansible dynamic inventory of the lab hosts (static data, no network).

Run with --list for every group, or --host NAME for one host's variables.
"""
import json
import sys

HOSTS = {
    "web1": {"ansible_host": "10.0.0.11", "role": "web"},
    "web2": {"ansible_host": "10.0.0.12", "role": "web"},
    "db1": {"ansible_host": "10.0.0.21", "role": "db"},
}


def groups():
    out = {}
    for name, hostvars in sorted(HOSTS.items()):
        out.setdefault(hostvars["role"], {"hosts": []})["hosts"].append(name)
    return out


if len(sys.argv) == 2 and sys.argv[1] == "--list":
    print(json.dumps(groups(), sort_keys=True))
elif len(sys.argv) == 3 and sys.argv[1] == "--host":
    print(json.dumps(HOSTS.get(sys.argv[2], {}), sort_keys=True))
else:
    sys.stderr.write("usage: inventory_hosts.py --list | --host NAME\n")
    sys.exit(1)
