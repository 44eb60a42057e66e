#!/usr/bin/env python3
"""Report disk usage of a directory tree, largest entries first.

Run as: disk_report.py PATH [TOP] [MIN_KB]
"""
import json
import os
import sys


def main(path: str, top: int = 5, min_kb: float = 0.0, include_hidden=False):
    """Summarize the disk usage under a directory.

    Args:
        path: Directory to scan.
        top: How many of the largest files to list.
        min_kb: Ignore files smaller than this many KiB.
        include_hidden: Also count files and folders whose name starts with a dot.
    """
    sizes = []
    for folder, dirs, files in os.walk(path):
        if not include_hidden:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files = [f for f in files if not f.startswith(".")]
        for name in sorted(files):
            full = os.path.join(folder, name)
            try:
                size = os.path.getsize(full)
            except OSError:
                continue
            if size >= float(min_kb) * 1024:
                sizes.append((size, os.path.relpath(full, path)))
    sizes.sort(key=lambda item: (-item[0], item[1]))
    report = {
        "path": path,
        "files": len(sizes),
        "bytes": sum(size for size, _ in sizes),
        "largest": [{"file": name, "bytes": size} for size, name in sizes[: int(top)]],
    }
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
