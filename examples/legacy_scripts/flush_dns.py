#!/usr/bin/env python3
"""Flush a DNS resolver cache for one zone (simulated).

usage: flush_dns.py ZONE [RESOLVER]
Exits 1 when the zone is not a valid DNS name.
"""

import json
import sys

if len(sys.argv) < 2:
    print("usage: flush_dns.py ZONE [RESOLVER]")
    sys.exit(2)

zone = sys.argv[1]
resolver = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"

if not zone or " " in zone:
    print("invalid zone %r" % zone, file=sys.stderr)
    sys.exit(1)
print(json.dumps({"resolver": resolver, "command": "rndc flushname %s" % zone}))
