"""What the last ingest learned from each script, so unchanged scripts are never re-parsed.

Kept in the pack at ``.voodoo/cache.json`` (JSON, never pickle: a pack is shared through
git, and loading it must not run code)::

    {"format": 1, "voodoo": "0.1.0", "fingerprint": "<sha256 of pack ref, root, config>",
     "clean": true,
     "scripts": {"deploy.py": {"size": 120, "mtime_ns": 1700000000000000000,
                               "sha256": "...", "script": {...}, "local": {...},
                               "third_party": ["requests"], "notes": [], "actions": {...}}}}

A script is fresh when its size and mtime are unchanged, or else its sha256 is; the same
for the local modules it imports (``local``: relpath -> [size, mtime_ns, sha256]). The
whole cache is dropped when voodoo's version or the format changes. ``clean`` is false when
the last run left a conflict, so ``check`` never trusts the fast path over one.

No libcst, jsonschema or rich here: ``voodoo check`` decides "in sync" with this alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voodoo import __version__, model
from voodoo._paths import STATE_DIR, check_relpath
from voodoo.errors import PackError

if TYPE_CHECKING:
    from voodoo.config import Config, Settings

CACHE_PATH = f"{STATE_DIR}/cache.json"
FORMAT = 1
_ACTION_NAME = re.compile(r"[A-Za-z0-9_]+")

_DATACLASSES: dict[str, type[Any]] = {
    c.__name__: c for c in (model.Script, model.Command, model.Param, model.Emit,
                            model.Diagnostic)
}
_ENUMS: dict[str, type[enum.Enum]] = {
    c.__name__: c for c in (model.Severity, model.ParamType, model.ArgKind, model.Joiner)
}


def encode(value: object) -> Any:
    """A model value as JSON data, tagged so ``decode`` rebuilds exactly the same value."""
    if isinstance(value, enum.Enum):
        return {"~e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"~d": type(value).__name__,
                **{f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, model.FrozenObject):
        return {"~o": [[k, encode(v)] for k, v in value]}
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache {value!r}")


def decode(data: Any) -> Any:
    """The inverse of ``encode``; only model classes can come out (ValueError otherwise)."""
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if isinstance(data, dict):
        if "~e" in data:
            return _ENUMS[data["~e"]](data["v"])
        if "~o" in data:
            return model.FrozenObject((k, decode(v)) for k, v in data["~o"])
        if "~d" in data:
            cls = _DATACLASSES[data["~d"]]
            return cls(**{k: decode(v) for k, v in data.items() if k != "~d"})
        raise ValueError("untagged object in cache")
    return data


Stat = tuple[int, int, str]  #: size, mtime_ns, sha256


@dataclass(frozen=True, slots=True)
class ScriptEntry:
    """One script as the last run saw it."""

    stat: Stat
    script: model.Script
    local: Mapping[str, Stat] = field(default_factory=dict)  #: local modules it imports
    third_party: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: sub-command path (words joined by " ") -> the action name it got
    actions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cache:
    fingerprint: str = ""
    clean: bool = False
    scripts: Mapping[str, ScriptEntry] = field(default_factory=dict)

    def by_hash(self) -> dict[str, str]:
        """sha256 -> relpath, to recognise a renamed or moved script."""
        return {e.stat[2]: rel for rel, e in sorted(self.scripts.items())}


def file_stat(path: Path, previous: Stat | None = None) -> Stat | None:
    """(size, mtime_ns, sha256) of ``path``; the hash is reused when size and mtime match.

    None when the file cannot be read.
    """
    try:
        st = path.stat()
        if previous is not None and (st.st_size, st.st_mtime_ns) == previous[:2]:
            return previous
        data = path.read_bytes()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def is_fresh(entry: ScriptEntry, path: Path, source_root: Path) -> bool:
    """True when the script and every local module it imports have the same content."""
    now = file_stat(path, entry.stat)
    if now is None or now[2] != entry.stat[2]:
        return False
    for rel, old in entry.local.items():
        cur = file_stat(source_root / rel, old)
        if cur is None or cur[2] != old[2]:
            return False
    return True


def load(pack_dir: Path, *, full: bool = True) -> Cache:
    """The pack's cache; an empty one when missing, unreadable or from another voodoo.

    With ``full=False`` each script keeps only its path, hash and diagnostics: enough for
    ``check``, which would otherwise spend most of its time decoding every analysis.
    """
    read = decode if full else _summary
    try:
        data = json.loads((pack_dir / CACHE_PATH).read_bytes())
        if data.get("format") != FORMAT or data.get("voodoo") != __version__:
            return Cache()
        scripts = {rel: ScriptEntry(
            stat=_stat(e["stat"]), script=read(e["script"]),
            local={k: _stat(v) for k, v in e["local"].items()},
            third_party=tuple(e["third_party"]), notes=tuple(e["notes"]),
            actions=dict(e["actions"])) for rel, e in data["scripts"].items()}
        # The cache lives in the pack, which anyone may edit: an entry that names a path
        # outside the source tree or an action outside actions/ is dropped, not trusted.
        scripts = {rel: e for rel, e in scripts.items() if _trusted(rel, e)}
        return Cache(str(data["fingerprint"]), bool(data["clean"]), scripts)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return Cache()


def _summary(data: Any) -> model.Script:
    """Path and hash; the diagnostics only of a script that failed (``Script.ok``)."""
    diagnostics = data["diagnostics"]
    failed = any(d["severity"]["v"] == model.Severity.ERROR.value for d in diagnostics)
    return model.Script(path=str(data["path"]), framework=None,
                        diagnostics=decode(diagnostics) if failed else (),
                        source_hash=str(data["source_hash"]))


def _trusted(rel: str, entry: ScriptEntry) -> bool:
    script = entry.script
    if not isinstance(script, model.Script) or not all(
            isinstance(c, model.Command) for c in script.commands):
        return False
    names = [c.name for c in script.commands] + list(entry.actions.values())
    try:
        for path in (rel, *entry.local):
            check_relpath(path)
    except PackError:
        return False
    return all(isinstance(n, str) and _ACTION_NAME.fullmatch(n) for n in names)


def _stat(v: Iterable[Any]) -> Stat:
    size, mtime, sha = v
    return (int(size), int(mtime), str(sha))


def dumps(cache: Cache) -> bytes:
    scripts = {rel: {"stat": list(e.stat), "script": encode(e.script),
                     "local": {k: list(v) for k, v in sorted(e.local.items())},
                     "third_party": list(e.third_party), "notes": list(e.notes),
                     "actions": dict(sorted(e.actions.items()))}
               for rel, e in sorted(cache.scripts.items())}
    doc = {"format": FORMAT, "voodoo": __version__, "fingerprint": cache.fingerprint,
           "clean": cache.clean, "scripts": scripts}
    return (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode()


def save(pack_dir: Path, cache: Cache) -> None:
    """Write the cache atomically. Call it under the pack lock, after ``apply``."""
    root = pack_dir.resolve()
    target = root / CACHE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(root):
        raise PackError(f"{STATE_DIR} leads outside the pack", path=CACHE_PATH)
    # mkstemp: a new file, never one planted there (a symlink would be followed out).
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".cache.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(dumps(cache))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join((__version__, *parts)).encode()).hexdigest()


def settings_fingerprint(ref: str, root: Path, config: Config | None, name: str | None,
                         settings: Settings) -> str:
    """What, besides the scripts, the rendered pack depends on (ingest and check agree)."""
    return fingerprint(ref, str(root), config.fingerprint() if config else "", name or "",
                       settings.key())


__all__ = ["CACHE_PATH", "Cache", "ScriptEntry", "decode", "encode", "file_stat", "is_fresh",
           "load", "save"]
