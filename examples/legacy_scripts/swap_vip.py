#!/usr/bin/env python3
"""Move a virtual IP to another load-balancer node (simulated).

usage: swap_vip.py VIP NEW_HOST

Exits 2 on a usage error, 1 when VIP is not an IPv4 address or the host is unknown.
"""

import ipaddress
import json
import sys

NODES = {"lb-a": "10.0.0.11", "lb-b": "10.0.0.12", "lb-c": "10.0.0.13"}

try:
    _, vip, new_host = sys.argv
except ValueError:
    print(__doc__.strip().splitlines()[2], file=sys.stderr)
    sys.exit(2)

try:
    address = ipaddress.IPv4Address(vip)
except ValueError:
    print("not an IPv4 address: %r" % vip, file=sys.stderr)
    sys.exit(1)
if new_host not in NODES:
    print("unknown node %r (known: %s)" % (new_host, ", ".join(sorted(NODES))),
          file=sys.stderr)
    sys.exit(1)
print(json.dumps({"vip": str(address), "from": "current owner", "to": new_host,
                  "commands": ["ip addr add %s/32 dev eth0" % address,
                               "arping -c 3 -U %s" % address]}))
