#!/usr/bin/env python3
"""Inspect or change one message-broker queue.

Simulated: queue depths come from a table in this file, nothing is contacted.
Exits 3 for an unknown queue and 1 when purging a queue that has consumers.
"""
import json
import sys

import click

QUEUES = {"orders": (120, 2), "emails": (0, 0), "audit": (5, 0)}  # depth, consumers


@click.command()
@click.argument("queue")
@click.option("--purge", "action", flag_value="purge", help="Drop every message.")
@click.option("--pause", "action", flag_value="pause", help="Stop delivering messages.")
@click.option("--resume", "action", flag_value="resume", help="Start delivering again.")
@click.option("--window", nargs=2, type=int, help="Only messages with ids in START END.")
@click.option("--host", envvar="QUEUE_HOST", default="localhost", help="Broker host.")
@click.option("--token", envvar="QUEUE_TOKEN", prompt=True, hide_input=True,
              help="Broker API token.")
@click.option("-n", "--limit", type=int, default=10, help="Show at most this many messages.")
@click.option("--dry-run", is_flag=True, help="Only say what would happen.")
def main(queue, action, window, host, token, limit, dry_run):
    """Show a queue's state, or purge/pause/resume it."""
    if queue not in QUEUES:
        click.echo(f"no such queue: {queue}", err=True)
        sys.exit(3)
    depth, consumers = QUEUES[queue]
    if action == "purge" and consumers and not dry_run:
        click.echo(f"{queue} has {consumers} consumers; pause it first", err=True)
        sys.exit(1)
    print(json.dumps({"queue": queue, "action": action or "status", "host": host,
                      "window": list(window) if window else None, "depth": depth,
                      "shown": min(depth, limit), "dry_run": dry_run,
                      "authenticated": bool(token)}, sort_keys=True))


if __name__ == "__main__":
    main()
