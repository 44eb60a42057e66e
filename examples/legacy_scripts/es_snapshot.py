#!/usr/bin/env python3
"""Plan Elasticsearch snapshots for a set of indices (prints the API calls, sends none).

Prints one JSON document describing the requests it would make.
"""
import json
import sys

import docopt

USAGE = """
Usage:
  es_snapshot.py create <repository> <index>... [options]
  es_snapshot.py prune <repository> [--keep=<n>] [-v...]
  es_snapshot.py --version

Options:
  -H HOST, --host HOST      Elasticsearch URL  [default: http://localhost:9200]
  -n NAME, --name NAME      Snapshot name (default: index names and a date stamp).
  -w, --wait                Wait for completion.
  --keep=<n>                How many snapshots to keep  [default: 14]
  -v                        More output (repeat for more).
  --version                 Print the version and exit.
"""


def main(argv=None):
    args = docopt.docopt(USAGE, argv=argv, version="es_snapshot 2.0")
    if args["create"]:
        name = args["--name"] or "snap-" + "-".join(args["<index>"])
        plan = {
            "method": "PUT",
            "url": f"{args['--host']}/_snapshot/{args['<repository>']}/{name}",
            "query": {"wait_for_completion": args["--wait"]},
            "body": {"indices": ",".join(args["<index>"])},
        }
    else:
        plan = {"method": "DELETE", "repository": args["<repository>"],
                "keep": int(args["--keep"]), "verbosity": args["-v"]}
    json.dump(plan, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
