#!/usr/bin/env python3
"""Flush a memcached pool (simulated): print the flush_all commands it would send.

Exits 1 when the pool is unknown.
"""

import getopt
import json
import sys

POOLS = {"sessions": ["mc01", "mc02"], "pages": ["mc03"], "default": ["mc01"]}


def usage():
    print("usage: memcache_flush.py [-h] [-v] [-p PORT] [--delay=SECONDS] [POOL]")


def main(argv):
    port = 11211
    delay = 0
    verbose = False
    try:
        opts, args = getopt.getopt(argv, "hvp:", ["help", "verbose", "port=", "delay="])
    except getopt.GetoptError as err:
        print(str(err), file=sys.stderr)
        usage()
        return 2
    for o, a in opts:
        if o in ("-h", "--help"):
            usage()
            return 0
        elif o in ("-v", "--verbose"):
            verbose = True
        elif o in ("-p", "--port"):
            port = int(a)
        elif o == "--delay":
            delay = int(a)
    pool = args[0] if len(args) > 0 else "default"
    if pool not in POOLS:
        print("unknown pool %s" % pool, file=sys.stderr)
        return 1
    commands = ["%s:%d flush_all %d" % (host, port, delay) for host in POOLS[pool]]
    print(json.dumps({"pool": pool, "verbose": verbose, "commands": commands}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
