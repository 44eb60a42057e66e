#!/usr/bin/env python3
"""Change the weight of HAProxy backend servers (simulated stats socket).

Prints the "set weight" commands it would send to the admin socket as JSON.
Exits 1 when a server is unknown, 2 when draining the last active server.
"""

import json
import sys
from optparse import OptionGroup, OptionParser

BACKENDS = {
    "web": ["web01", "web02", "web03"],
    "api": ["api01", "api02"],
    "static": ["cdn-origin01"],
}
DEFAULT_SOCKET = "/var/run/haproxy/admin.sock"


def drain_callback(option, opt_str, value, parser):
    # old habit from the 1.3 days: remember which flag asked for the drain
    parser.values.drain = True
    parser.values.drain_flag = opt_str


def main():
    parser = OptionParser(
        usage="%prog [options] SERVER [SERVER...]",
        description="Set the weight of servers in an HAProxy backend.",
        version="%prog 1.4",
    )
    parser.add_option("-b", "--backend", type="choice", choices=sorted(BACKENDS),
                      default="web", help="backend to change [default: %default]")
    parser.add_option("-w", "--weight", type="int", default=100,
                      help="new weight, 0-256 (default %default)")
    parser.add_option("--drain", action="callback", callback=drain_callback,
                      help="set weight 0 (drain the server)")
    parser.add_option("-x", "--exclude", action="append", dest="excludes", metavar="SERVER",
                      help="server to leave alone (repeatable)")
    parser.add_option("-v", "--verbose", action="count", dest="verbosity",
                      help="more output (repeat for more)")

    sock = OptionGroup(parser, "Socket options")
    sock.add_option("-s", "--socket", default=DEFAULT_SOCKET, help="admin socket path")
    sock.add_option("--timeout", type="float", default=2.5, help="socket timeout in seconds")
    sock.add_option("-n", "--dry-run", action="store_true", dest="dry_run",
                    help="only print the commands")
    parser.add_option_group(sock)

    options, args = parser.parse_args()
    if not args:
        parser.error("give at least one server")
    server = args[0]

    known = BACKENDS[options.backend]
    if server not in known:
        print("unknown server %s in backend %s" % (server, options.backend), file=sys.stderr)
        return 1
    excludes = options.excludes or []
    targets = [s for s in known if s == server and s not in excludes]
    if options.drain and len(known) == 1:
        print("refusing to drain the last server of %s" % options.backend, file=sys.stderr)
        return 2
    weight = 0 if options.drain else options.weight
    commands = ["set weight %s/%s %d" % (options.backend, s, weight) for s in targets]
    print(json.dumps({
        "socket": options.socket,
        "timeout": options.timeout,
        "dry_run": bool(options.dry_run),
        "verbosity": options.verbosity or 0,
        "commands": commands,
    }, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
