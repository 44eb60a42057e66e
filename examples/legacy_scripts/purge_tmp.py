#!/usr/bin/env python3
"""Report (and optionally purge) stale temporary files under a temp directory.

Safe by design: refuses any directory outside the system temp dir (exit 2), never
deletes in --dry-run mode (the default), and only looks one level deep.
"""
import fnmatch
import json
import os
import sys
import tempfile
import time
from typing import Optional

import typer


def main(
    directory: str = typer.Argument(..., help="Directory under the system temp dir."),
    older_than: int = typer.Option(7, help="Age in days."),
    pattern: str = "*.tmp",
    dry_run: bool = True,
    keep: Optional[int] = typer.Option(None, help="Always keep this many newest files."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True),
):
    """Purge stale temporary files."""
    root = os.path.realpath(tempfile.gettempdir())
    target = os.path.realpath(directory)
    if os.path.commonpath([root, target]) != root or not os.path.isdir(target):
        typer.echo(f"refusing {directory!r}: not a directory under {root}", err=True)
        sys.exit(2)
    cutoff = time.time() - older_than * 86400
    entries = sorted((e for e in os.scandir(target) if e.is_file()),
                     key=lambda e: e.stat().st_mtime, reverse=True)
    stale = [e for e in entries[keep or 0:]
             if fnmatch.fnmatch(e.name, pattern) and e.stat().st_mtime < cutoff]
    for entry in stale:
        if not dry_run:
            os.remove(entry.path)
    print(json.dumps({"directory": target, "stale": [e.name for e in stale], "dry_run": dry_run,
                      "verbose": verbose}))


if __name__ == "__main__":
    typer.run(main)
