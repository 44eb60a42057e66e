#!/usr/bin/env python3
"""Report NTP clock drift against a reference server (simulated offsets).

usage: ntp_drift.py [-j] [-s SERVER] [-t MILLISECONDS] [--samples=N] [HOST]

Options may follow the host name (GNU style).  Exits 2 when the host drifts more than
the threshold, 1 on a usage error.
"""

import getopt
import json
import sys
import zlib

SERVER = "pool.ntp.org"


def offset_ms(host, server, samples):
    """A stable pseudo offset for the host: no network."""
    seed = zlib.crc32(("%s|%s" % (host, server)).encode("utf-8"))
    return round(((seed % 2001) - 1000) / 10.0 / max(samples, 1) ** 0.5, 2)


def main(argv):
    server = SERVER
    threshold = 50.0
    samples = 4
    as_json = False
    try:
        opts, args = getopt.gnu_getopt(argv, "hjs:t:", ["help", "json", "server=",
                                                         "threshold=", "samples="])
    except getopt.GetoptError as err:
        print("ntp_drift: %s" % err, file=sys.stderr)
        return 1
    for opt, val in opts:
        if opt in ("-h", "--help"):
            print(__doc__)
            return 0
        if opt in ("-j", "--json"):
            as_json = True
        elif opt in ("-s", "--server"):
            server = val
        elif opt in ("-t", "--threshold"):
            threshold = float(val)
        elif opt == "--samples":
            samples = int(val)
    hosts = [args[0] if len(args) > 0 else "localhost"]
    report = {host: offset_ms(host, server, samples) for host in hosts}
    drifting = sorted(h for h, off in report.items() if abs(off) > threshold)
    if as_json:
        print(json.dumps({"server": server, "offsets_ms": report, "drifting": drifting},
                         sort_keys=True))
    else:
        for host in hosts:
            print("%-30s %+8.2f ms" % (host, report[host]))
    return 2 if drifting else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
