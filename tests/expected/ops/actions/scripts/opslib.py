"""Shared helpers for the ops scripts in this folder.

Nothing here has a command line of its own: the scripts import what they
need (``from opslib import ...``) so logging, JSON output and the usual
constants look the same everywhere.  Keep it dependency-free; it gets copied
onto boxes that only have the system Python.
"""
import json
import logging
import os
import sys
import tempfile

# Retention used by backup_files.py unless a job overrides it.
DEFAULT_RETENTION_DAYS = 14

# Where backups land on the backup host.  Scripts only ever *print* paths under
# here; nothing in this repo writes to it directly any more.
BACKUP_ROOT = "/srv/backups"

# Hosts we are allowed to talk to from the bastion.  Kept here so the scripts
# agree on what "known" means.
KNOWN_DATACENTERS = ("ams1", "fra2", "iad3")

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def setup_logging(verbosity=0, name=None):
    """Configure stderr logging; stdout is reserved for results."""
    level = logging.WARNING
    if verbosity == 1:
        level = logging.INFO
    elif verbosity >= 2:
        level = logging.DEBUG
    logging.basicConfig(stream=sys.stderr, level=level, format=LOG_FORMAT)
    return logging.getLogger(name or os.path.basename(sys.argv[0]))


def emit(result):
    """Print a result as one JSON document (what the chatops bot expects)."""
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def human_size(num_bytes):
    """1536 -> '1.5 KiB'."""
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return "%.1f %s" % (size, unit) if unit != "B" else "%d B" % size
        size /= 1024
    return "%d B" % num_bytes  # not reached


def scratch_dir(prefix="ops-"):
    """A private temp dir for anything a script needs to stage locally."""
    return tempfile.mkdtemp(prefix=prefix)
