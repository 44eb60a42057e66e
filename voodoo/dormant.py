"""Actions whose script is gone for now: disabled, never deleted, restored when it is back.

A branch switch (under ``watch`` or the pre-commit hook) removes a script and brings it
back. While it is gone, its action, edited by hand, is written with ``enabled: false`` and
is no longer voodoo's (``reconcile``). What voodoo generated for it last (the base of a
three-way merge) is kept here, in ``.voodoo/dormant.json``::

    {"version": 1, "actions": {"actions/tool.yaml":
        {"base": "<text>", "enable": true, "source": "tool.py"}}}

``enable``: voodoo disabled it (the person had not): it is enabled again once its script
(``source``) is back; no other script takes its name meanwhile. A record is dropped
once its action is restored, or its file is gone or voodoo's
again (``--theirs``, or deleted by hand and generated anew).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from voodoo import _writer
from voodoo._paths import STATE_DIR, read_regular

DORMANT_PATH = f"{STATE_DIR}/dormant.json"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class Dormant:
    """One disabled action whose script may come back."""

    base: str  #: what voodoo last generated for it
    enable: bool  #: voodoo disabled it: enable it again when its script is back
    source: str  #: the script (relative to the source root) it was generated from


def load(pack_dir: Path) -> dict[str, Dormant]:
    """The pack's dormant actions (none when the file is missing or cannot be trusted:
    then a script that comes back meets its disabled action as a conflict, as before)."""
    try:
        data = json.loads(read_regular(pack_dir / DORMANT_PATH))
    except (OSError, ValueError):
        return {}
    actions = data.get("actions") if isinstance(data, dict) else None
    if data.get("version") != _VERSION or not isinstance(actions, dict):
        return {}
    return {
        path: Dormant(r["base"], r["enable"], r["source"])
        for path, r in actions.items()
        if isinstance(path, str)
        and isinstance(r, dict)
        and isinstance(r.get("base"), str)
        and isinstance(r.get("enable"), bool)
        and isinstance(r.get("source"), str)
    }


def save(pack_dir: Path, records: Mapping[str, Dormant], *, was: Mapping[str, Dormant]) -> None:
    """Write ``records`` (atomically) when they differ from ``was``; none: no file."""
    if dict(records) == dict(was):
        return
    root = pack_dir.resolve()
    if not records:
        with contextlib.suppress(FileNotFoundError):
            _writer.inside(root, DORMANT_PATH).unlink()
        return
    actions = {
        path: {"base": d.base, "enable": d.enable, "source": d.source}
        for path, d in sorted(records.items())
    }
    text = (
        json.dumps(
            {"version": _VERSION, "actions": actions}, indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
    )
    _writer.replace(root, DORMANT_PATH, text.encode())


__all__ = ["DORMANT_PATH", "Dormant", "load", "save"]
