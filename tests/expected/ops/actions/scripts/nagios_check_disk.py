#!/usr/bin/env python
"""Nagios plugin: check how full a file system is (simulated usage).

Prints one status line (with performance data when asked) and exits with the Nagios
code: 0 OK, 1 WARNING (used >= --warning), 2 CRITICAL (used >= --critical),
3 UNKNOWN (bad thresholds).
"""

import optparse
import sys

STATES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")


def main():
    parser = optparse.OptionParser(usage="%prog [options]", version="%prog 1.4")
    parser.add_option("-w", "--warning", type="int", default=80, metavar="PCT",
                      help="warning threshold in percent used [default: %default]")
    parser.add_option("-c", "--critical", type="int", default=90, metavar="PCT",
                      help="critical threshold in percent used [default: %default]")
    parser.add_option("-m", "--mount", default="/", help="mount point [default: %default]")
    parser.add_option("-u", "--simulate-used", type="float", dest="used", default=42.0,
                      help="percent used to report (stands in for statvfs)")
    parser.add_option("--units", type="choice", choices=["GB", "MB"], default="GB",
                      help="units of the performance data [default: %default]")
    parser.add_option("-p", "--perfdata", action="store_true", default=False,
                      help="append Nagios performance data")
    parser.add_option("-v", "--verbose", action="count", dest="verbosity",
                      help="more detail (repeatable)")
    opts, _ = parser.parse_args()

    if not 0 < opts.warning < opts.critical <= 100:
        print("DISK UNKNOWN - thresholds must satisfy 0 < warning < critical <= 100")
        return 3
    state = 2 if opts.used >= opts.critical else 1 if opts.used >= opts.warning else 0
    line = "DISK %s - %s %.1f%% used" % (STATES[state], opts.mount, opts.used)
    if opts.verbosity:
        line += " (warning %d%%, critical %d%%)" % (opts.warning, opts.critical)
    if opts.perfdata:
        line += " | used=%.1f%%;%d;%d;0;100 unit=%s" % (opts.used, opts.warning,
                                                         opts.critical, opts.units)
    print(line)
    return state


if __name__ == "__main__":
    sys.exit(main())
