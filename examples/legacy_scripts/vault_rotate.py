#!/usr/bin/env python3
"""Rotate, list and revoke secrets in a (simulated) Vault KV store.

Usage:
  vault_rotate.py rotate <path>... [--length=<n>] [--dry-run] [-q]
  vault_rotate.py list [<prefix>] [--format=<fmt>]
  vault_rotate.py revoke <key> <lease-id> [--reason=<text>]
  vault_rotate.py (-h | --help | --version)

Options:
  -h --help          Show this screen.
  --version          Show the version.
  --length=<n>       Length of the generated secret  [default: 32]
  --dry-run          Show what would be rotated, change nothing.
  -q                 Quiet: print only the count.
  --format=<fmt>     Output format, json or text  [default: json]
  --reason=<text>    Why the lease is revoked (kept in the audit log).
"""
import hashlib
import json

from docopt import docopt

STORE = {
    "db/orders": "v3",
    "db/users": "v7",
    "api/payments": "v2",
}


def fake_secret(path, length):
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:length]


def main():
    args = docopt(__doc__, version="vault_rotate 1.4")
    if args["rotate"]:
        length = int(args["--length"])
        rotated = [
            {"path": p, "secret_sha": fake_secret(p, length), "dry_run": args["--dry-run"]}
            for p in args["<path>"]
        ]
        print(len(rotated) if args["-q"] else json.dumps(rotated, sort_keys=True))
    elif args["list"]:
        prefix = args["<prefix>"] or ""
        found = sorted(p for p in STORE if p.startswith(prefix))
        if args["--format"] == "text":
            print("\n".join(found))
        else:
            print(json.dumps(found))
    elif args["revoke"]:
        print(json.dumps({"path": args["<key>"], "lease": args["<lease-id>"],
                          "reason": args["--reason"] or "unspecified"}, sort_keys=True))


if __name__ == "__main__":
    main()
