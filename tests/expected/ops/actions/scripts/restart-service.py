#!/usr/bin/env python3
"""Restart a systemd service on this host, the careful way.

Only services on the allow list can be restarted from chatops; anything else
needs a human with sudo.  A graceful restart sends a reload first and waits;
a hard restart is stop+start.  Simulated: prints what systemctl would be run.
"""
import argparse
import logging
import sys
import time

ALLOWED_SERVICES = ("nginx", "haproxy", "php-fpm", "celery-worker", "rsyslog")
# Services that are critical enough that a hard restart needs --force.
NEEDS_FORCE_FOR_HARD = ("haproxy",)
MAX_REAL_WAIT = 0.1  # never actually block chatops for long

logging.basicConfig(level=logging.INFO, format="restart-service: %(message)s")
log = logging.getLogger(__name__)

parser = argparse.ArgumentParser(
    description="Restart an allow-listed systemd service (graceful or hard)."
)
parser.add_argument("service", help="unit name without .service")
parser.add_argument(
    "--wait", type=float, default=2.5,
    help="seconds to wait between reload and status check (default: %(default)s)",
)
parser.add_argument(
    "--force", action="store_true", help="allow a hard restart of critical services"
)
mode = parser.add_mutually_exclusive_group(required=True)
mode.add_argument(
    "--graceful", dest="mode", action="store_const", const="graceful",
    help="reload, then restart only if reload fails",
)
mode.add_argument(
    "--hard", dest="mode", action="store_const", const="hard",
    help="stop and start the unit",
)


def commands_for(service, how):
    unit = service + ".service"
    if how == "graceful":
        return [["systemctl", "reload-or-restart", unit]]
    return [["systemctl", "stop", unit], ["systemctl", "start", unit]]


def main():
    args = parser.parse_args()

    if args.service not in ALLOWED_SERVICES:
        log.error("%s is not in the allowed list: %s",
                  args.service, ", ".join(ALLOWED_SERVICES))
        return 1
    if args.mode == "hard" and args.service in NEEDS_FORCE_FOR_HARD and not args.force:
        log.error("hard restart of %s needs --force", args.service)
        return 1

    for cmd in commands_for(args.service, args.mode):
        print("would run: " + " ".join(cmd))
    # Keep the pause so the output ordering looks like the real thing.
    time.sleep(min(args.wait, MAX_REAL_WAIT))
    print("%s: %s restart ok (waited %.1fs)" % (args.service, args.mode, args.wait))
    return 0


if __name__ == "__main__":
    sys.exit(main())
