#!/usr/bin/env python2
# -*- coding: utf-8 -*-
"""List the hosts of an INI inventory (one section per group), for pssh or fabric.

Written for Python 2.6/2.7 in 2012 and never ported: print statements, ``except X, e``,
``dict.has_key``. Reads the inventory only; never connects anywhere.
"""
import ConfigParser
import argparse
import re
import sys

#: hosts in a group are comma separated, with any spaces around the commas
SEPARATOR = re.compile(ur'\s*,\s*')
DEFAULT_INVENTORY = '/etc/ops/hosts.ini'
FORMATS = ('plain', 'pssh', 'csv')


def load(path):
    parser = ConfigParser.RawConfigParser()
    try:
        found = parser.read(path)
    except ConfigParser.Error, e:
        print >>sys.stderr, "host_inventory: cannot parse %s: %s" % (path, e)
        sys.exit(2)
    if not found:
        print >>sys.stderr, "host_inventory: no inventory at %s" % path
        sys.exit(2)
    groups = {}
    for section in parser.sections():
        hosts = parser.get(section, 'hosts')
        groups[section] = [h for h in SEPARATOR.split(hosts.strip()) if h]
    return groups


def main():
    parser = argparse.ArgumentParser(
        description="List the hosts of one or more inventory groups.")
    parser.add_argument('groups', nargs='*', metavar='GROUP',
                        help="groups to list (default: all of them)")
    parser.add_argument('-i', '--inventory', default=DEFAULT_INVENTORY,
                        help="INI inventory file (default: %(default)s)")
    parser.add_argument('-x', '--exclude', action='append', default=[],
                        help="leave this host out (repeatable)")
    parser.add_argument('-f', '--format', choices=FORMATS, default='plain',
                        help="output format (default: %(default)s)")
    parser.add_argument('--user', default='root', help="ssh user for the pssh format")
    parser.add_argument('-v', '--verbose', action='count', default=0)
    args = parser.parse_args()

    groups = load(args.inventory)
    wanted = args.groups or sorted(groups.keys())
    hosts = []
    for name in wanted:
        if not groups.has_key(name):
            print >>sys.stderr, "host_inventory: unknown group %s" % `name`
            sys.exit(1)
        for host in groups[name]:
            if host not in args.exclude and host not in hosts:
                hosts.append(host)
    if args.verbose:
        for name, members in sorted(groups.iteritems()):
            print >>sys.stderr, "%s: %d host(s)" % (name, len(members))
    if args.format == 'csv':
        print ",".join(hosts)
    elif args.format == 'pssh':
        for host in hosts:
            print "%s@%s" % (args.user, host)
    else:
        for host in hosts:
            print host
    return 0


if __name__ == '__main__':
    sys.exit(main())
