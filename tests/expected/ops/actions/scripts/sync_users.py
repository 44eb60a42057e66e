#!/usr/bin/env python3
"""Sync local unix accounts from the LDAP directory.

Settings come from the built-in DEFAULTS below and are overridden only by the
options actually given on the command line (hence argument_default=SUPPRESS:
an option that is not given does not appear in the namespace at all).

Simulated: the directory and the local passwd file are small in-memory
lists; the script prints the useradd/usermod/userdel calls it would make.
"""
import argparse
import json
import logging
import sys

DEFAULTS = {
    "ldap_url": "ldaps://ldap.example.internal:636",
    "base_dn": "ou=people,dc=example,dc=internal",
    "bind_dn": "cn=sync,ou=services,dc=example,dc=internal",
    "bind_password": None,
    "min_uid": 2000,
    "groups": [],
    "dry_run": False,
    "allow_passwordless": False,
    "debug_dump": False,
}

# Stand-ins for the LDAP search result and /etc/passwd.
DIRECTORY = {"alice": 2001, "bob": 2002, "carol": 2005}
LOCAL_ACCOUNTS = {"bob": 2002, "dave": 2003}

log = logging.getLogger("sync_users")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Create, update and lock local accounts to match LDAP.",
        argument_default=argparse.SUPPRESS,
    )
    parser.add_argument("--ldap-url", help="directory URL")
    parser.add_argument("--base-dn", help="search base for people")
    parser.add_argument("--bind-dn", help="DN to bind as")
    parser.add_argument("--bind-password", help="password for --bind-dn")
    parser.add_argument("--min-uid", type=int, help="ignore directory entries below this uid")
    parser.add_argument("--add-group-admins", dest="groups", action="append_const", const="admins",
                        help="also add synced users to the admins group")
    parser.add_argument("--add-group-ops", dest="groups", action="append_const", const="ops",
                        help="also add synced users to the ops group")
    parser.add_argument("--dry-run", action="store_true", help="print the changes only")
    parser.add_argument("--allow-passwordless", action="store_true",
                        help="do not lock accounts that have no password hash in LDAP")
    # Only for debugging the sync itself; not shown in --help on purpose.
    parser.add_argument("--debug-dump", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def effective_settings(args):
    settings = dict(DEFAULTS)
    settings.update(vars(args))
    return settings


def plan_changes(settings):
    changes = []
    for user, uid in sorted(DIRECTORY.items()):
        if uid < settings["min_uid"]:
            continue
        if user not in LOCAL_ACCOUNTS:
            changes.append(["useradd", "-u", str(uid), user])
        for group in settings["groups"]:
            changes.append(["usermod", "-aG", group, user])
    for user in sorted(set(LOCAL_ACCOUNTS) - set(DIRECTORY)):
        changes.append(["usermod", "--lock", user])
    return changes


def main(argv=None):
    settings = effective_settings(parse_args(argv))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="sync_users: %(message)s")
    if not settings["bind_password"] and not settings["dry_run"]:
        log.error("no --bind-password given; refusing to sync (use --dry-run to preview)")
        return 1
    changes = plan_changes(settings)
    if settings["debug_dump"]:
        shown = {k: ("***" if k == "bind_password" and v else v) for k, v in settings.items()}
        log.info("settings: %s", json.dumps(shown, sort_keys=True))
    print(json.dumps({"ldap_url": settings["ldap_url"], "dry_run": settings["dry_run"],
                      "changes": [" ".join(c) for c in changes]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
