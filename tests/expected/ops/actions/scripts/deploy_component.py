#!/usr/bin/env python3
"""Deploy a versioned build of one component to an environment.

This replaced the "deploy checklist" wiki page in 2016.  It resolves the
artifact, swaps the ``current`` symlink on every app host and then runs the
component's health check.  Today it only prints the plan; the real work is
done by the release pipeline, which calls this with the same arguments.

Exit codes: 0 ok, 1 refused (policy), 3 bad version string.
"""
import argparse
import json
import logging
import re
import sys

DEFAULT_TIMEOUT = 300
ENVIRONMENTS = ("dev", "staging", "prod")
ARTIFACT_URL = "https://artifacts.example.internal/{component}/{component}-{version}.tar.gz"
HOSTS_PER_ENV = {"dev": 1, "staging": 2, "prod": 6}

VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")

log = logging.getLogger("deploy_component")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Deploy a versioned component build to one environment."
    )
    parser.add_argument("component", help="component to deploy, e.g. billing-api")
    parser.add_argument("version", help="release version (semver), e.g. 2.14.0")
    parser.add_argument(
        "-e", "--env",
        choices=ENVIRONMENTS,
        default="staging",
        help="target environment (default: %(default)s)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan and change nothing"
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip the post-deploy health check (not allowed in prod)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for the rollout to settle (default: %(default)s)",
    )
    parser.add_argument(
        "--tag",
        action="append",
        metavar="KEY=VALUE",
        help="extra tag recorded with the deployment; repeatable",
    )
    # -v and -q share a dest on purpose: -q wins if it comes last.
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)"
    )
    parser.add_argument(
        "-q", "--quiet", dest="verbose", action="store_const", const=0,
        help="only log errors",
    )
    return parser.parse_args(argv)


def parse_tags(raw_tags):
    tags = {}
    for item in raw_tags or []:
        key, sep, value = item.partition("=")
        if not sep:
            log.warning("ignoring tag without '=': %s", item)
            continue
        tags[key.strip()] = value.strip()
    return tags


def build_plan(args):
    hosts = ["%s-%s-%02d" % (args.component, args.env, n + 1)
             for n in range(HOSTS_PER_ENV[args.env])]
    return {
        "component": args.component,
        "version": args.version,
        "environment": args.env,
        "artifact": ARTIFACT_URL.format(component=args.component, version=args.version),
        "hosts": hosts,
        "verify": args.verify,
        "rollout_timeout": args.timeout,
        "tags": parse_tags(args.tag),
        "dry_run": args.dry_run,
    }


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(message)s",
    )

    if not VERSION_RE.match(args.version):
        log.error("version %r is not semver (x.y.z[-pre])", args.version)
        return 3
    if args.env == "prod" and not args.verify:
        log.error("refusing to deploy to prod with --no-verify")
        return 1

    plan = build_plan(args)
    for host in plan["hosts"]:
        log.info("%s %s -> %s", "would deploy" if args.dry_run else "deploying",
                 args.version, host)
    plan["status"] = "planned" if args.dry_run else "deployed"
    print(json.dumps(plan, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
