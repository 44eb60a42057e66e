#!/usr/bin/env python2
"""Nagios plugin: warn when file systems fill up.

Exit codes follow the Nagios plugin API: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
Python 2 only (2012): optparse, print statements, ``except OSError, e``, long literals.
Reads file system statistics; changes nothing.
"""
import os
import sys
from optparse import OptionParser

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: 'OK', WARNING: 'WARNING', CRITICAL: 'CRITICAL', UNKNOWN: 'UNKNOWN'}
MEGABYTE = 1024L * 1024L


def usage_of(path):
    st = os.statvfs(path)
    total = st.f_blocks * st.f_frsize
    free = st.f_bavail * st.f_frsize
    if total == 0:
        return 0, 0L
    used = total - free
    return int(round(100.0 * used / total)), free / MEGABYTE


def main():
    parser = OptionParser(usage="%prog [options]",
                          description="Check how full file systems are.")
    parser.add_option('-w', '--warning', type='int', default=80, metavar='PCT',
                      help="warn at this percentage used [default: %default]")
    parser.add_option('-c', '--critical', type='int', default=90, metavar='PCT',
                      help="critical at this percentage used [default: %default]")
    parser.add_option('-p', '--path', action='append', dest='paths', default=[],
                      help="mount point to check (repeatable; default: /)")
    parser.add_option('--perfdata', action='store_true', default=False,
                      help="append Nagios performance data")
    (options, args) = parser.parse_args()
    if options.warning > options.critical:
        print "UNKNOWN - warning (%d) is above critical (%d)" % (options.warning,
                                                               options.critical)
        return UNKNOWN

    status, lines, perf = OK, [], []
    for path in options.paths or ['/']:
        try:
            pct, free_mb = usage_of(path)
        except OSError, e:
            print "UNKNOWN - %s: %s" % (path, e.strerror)
            return UNKNOWN
        if pct >= options.critical:
            state = CRITICAL
        elif pct >= options.warning:
            state = WARNING
        else:
            state = OK
        status = max(status, state)
        lines.append("%s %d%% used" % (path, pct))
        perf.append("'%s'=%d%%;%d;%d" % (path, pct, options.warning, options.critical))
    out = "%s - %s" % (NAMES[status], ", ".join(lines))
    if options.perfdata:
        out += " | " + " ".join(perf)
    print out
    return status


if __name__ == '__main__':
    sys.exit(main())
