#!/usr/bin/env python3
"""Nagios-style HTTP check for one endpoint.

Prints one JSON document and exits with the Nagios convention:
0 OK, 1 WARNING (slow), 2 CRITICAL (wrong status / down), 3 UNKNOWN.

This copy does not make requests: the response is simulated from
--simulate-status / --simulate-latency so the check can be exercised anywhere.
"""
import argparse
import json
import sys
from urllib.parse import urlparse

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
ACCEPTED_STATUSES = [200, 201, 204, 301, 302]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Check that an HTTP endpoint answers as expected.")
    parser.add_argument("url", help="full URL, e.g. https://api.example.com/healthz")
    parser.add_argument(
        "--expect-status", type=int, choices=ACCEPTED_STATUSES, default=200,
        help="status code that counts as healthy; one of %(choices)s (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0,
        help="request timeout in seconds (%(type)s, default: %(default)s)",
    )
    parser.add_argument(
        "--warn-latency", type=float, default=1.5,
        help="WARNING above this many seconds (%(type)s, default: %(default)s)",
    )
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates"
    )
    parser.add_argument(
        "--simulate-status", type=int, default=200,
        help="status code the fake request returns (default: %(default)s)",
    )
    parser.add_argument(
        "--simulate-latency", type=float, default=0.05,
        help="latency the fake request reports, in seconds",
    )
    return parser.parse_args(argv)


def evaluate(args):
    if args.simulate_latency >= args.timeout:
        return CRITICAL, "timed out after %.1fs" % args.timeout
    if args.simulate_status != args.expect_status:
        return CRITICAL, "got HTTP %d, expected %d" % (args.simulate_status, args.expect_status)
    if args.simulate_latency > args.warn_latency:
        return WARNING, "slow: %.2fs > %.2fs" % (args.simulate_latency, args.warn_latency)
    return OK, "HTTP %d in %.2fs" % (args.simulate_status, args.simulate_latency)


def main(argv=None):
    args = parse_args(argv)
    parsed = urlparse(args.url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        print(json.dumps({"state": "UNKNOWN", "message": "not an http(s) URL: %s" % args.url}))
        return UNKNOWN

    state, message = evaluate(args)
    print(json.dumps({
        "url": args.url,
        "state": STATE_NAMES[state],
        "message": message,
        "status": args.simulate_status,
        "latency": args.simulate_latency,
        "tls_verified": parsed.scheme == "https" and not args.insecure,
    }, sort_keys=True))
    return state


if __name__ == "__main__":
    sys.exit(main())
