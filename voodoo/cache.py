"""What the last ingest learned from each script, so unchanged scripts are never re-parsed
nor re-rendered.

Kept in the pack under ``.voodoo/cache/`` (JSON, never pickle: a pack is shared through
git, and loading it must not run code), in three layers, each read only by who needs it:

``index.json``, all ``voodoo check`` reads (milliseconds at 1,000 scripts)::

    {"format": 2, "voodoo": "0.1.0", "fingerprint": "<sha256 of pack ref, root, config>",
     "clean": true, "pack_files": ["README.md", ...], "manifest": "<its sha256>",
     "scripts": {"deploy.py": {"stat": [120, 1700000000000000000, "<sha256>"],
                               "local": {"lib/util.py": [size, mtime_ns, sha256]},
                               "failures": [...]}}}

``scripts.json``, what ingest needs to carry an unchanged script over without parsing or
rendering it: a summary of its analysis (commands without parameters), its dependencies,
the action names it got, and what the last render made of it (``render``: its pack files,
README sections and notes).

``analyses/<key>.json``, one per script: its whole analysis, read only when an unchanged
script must be rendered again (a clash renamed its action, one of its files is gone).

A script is fresh when its size and mtime are unchanged, or else its sha256 is; the same
for the local modules it imports. The whole cache is dropped when voodoo's version or the
format changes (a format 1 ``.voodoo/cache.json`` is ignored and removed: the next ingest
parses everything once). ``clean`` is false when the last run left a conflict, so
``check`` never trusts the fast path over one.

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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voodoo import _writer, model
from voodoo._paths import STATE_DIR, check_relpath, file_version, read_regular
from voodoo._version import __version__
from voodoo.errors import PackError
from voodoo.manifest import MANIFEST_PATH

if TYPE_CHECKING:
    from voodoo.config import Config, Settings

CACHE_DIR = f"{STATE_DIR}/cache"
INDEX_PATH = f"{CACHE_DIR}/index.json"
SCRIPTS_PATH = f"{CACHE_DIR}/scripts.json"
ANALYSES_DIR = f"{CACHE_DIR}/analyses"
#: format 1: everything in this one file; removed once a format 2 cache is written
OLD_CACHE_PATH = f"{STATE_DIR}/cache.json"
FORMAT = 3  # 3: Param.env_fallback; wrappers name the script's parser
_ACTION_NAME = re.compile(r"[A-Za-z0-9_]+")

_DATACLASSES: dict[str, type[Any]] = {
    c.__name__: c for c in (model.Script, model.Command, model.Param, model.Emit, model.Diagnostic)
}
_ENUMS: dict[str, type[enum.Enum]] = {
    c.__name__: c for c in (model.Severity, model.ParamType, model.ArgKind, model.Joiner)
}


#: each model class's fields, in order (``encode`` meets some 300 values per script)
_FIELDS: dict[type[Any], tuple[str, ...]] = {
    c: tuple(f.name for f in dataclasses.fields(c)) for c in _DATACLASSES.values()
}
_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode(value: object) -> Any:
    """A model value as JSON data, tagged so ``decode`` rebuilds exactly the same value."""
    # the common kinds by exact type first (an enum is a str or int subclass: not here)
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return [encode(v) for v in value]  # type: ignore[attr-defined]
    names = _FIELDS.get(kind)
    if names is not None:
        return {"~d": kind.__name__, **{n: encode(getattr(value, n)) for n in names}}
    if isinstance(value, enum.Enum):
        return {"~e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "~d": type(value).__name__,
            **{f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, model.FrozenObject):
        return {"~o": [[k, encode(v)] for k, v in value]}
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache {value!r}")


def decode(data: Any) -> Any:
    """The inverse of ``encode``; only model classes can come out (ValueError otherwise)."""
    # type() rather than isinstance, lists rather than generators: a one-change ingest
    # decodes some 40,000 values at 1,000 scripts, and JSON has no subclasses to allow for
    kind = type(data)
    if kind is list:
        return tuple([decode(v) for v in data])
    if kind is dict:
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
class RenderRecord:
    """What rendering one script made, so an unchanged script can be carried over."""

    files: tuple[str, ...] = ()  #: its pack files (actions, wrappers, copies)
    readme: tuple[tuple[str, str], ...] = ()  #: (action name, README section)
    notes: tuple[model.Diagnostic, ...] = ()  #: what rendering said about it


@dataclass(frozen=True, slots=True)
class ScriptEntry:
    """One script as the last run saw it."""

    stat: Stat
    #: its analysis; loaded from ``scripts.json`` a summary: commands keep only their name,
    #: path and line (``full`` is False), the whole analysis is in ``analyses/``
    script: model.Script
    local: Mapping[str, Stat] = field(default_factory=dict)  #: local modules it imports
    third_party: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: imports whose distribution is unknown: ``(import name, "file:line")``
    unknown: tuple[tuple[str, str], ...] = ()
    #: sub-command path (words joined by " ") -> the action name it got
    actions: Mapping[str, str] = field(default_factory=dict)
    render: RenderRecord | None = None  #: None: not rendered (yet) from this analysis
    full: bool = True  #: ``script`` is the whole analysis
    #: the summary of ``script`` as ``scripts.json`` holds it, when loaded from there
    encoded: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Cache:
    fingerprint: str = ""
    clean: bool = False
    scripts: Mapping[str, ScriptEntry] = field(default_factory=dict)
    #: each entry's line of ``scripts.json`` as loaded or saved, with the entry it holds:
    #: ``save`` writes it again as it is while that very entry object is to be saved
    lines: Mapping[str, tuple[ScriptEntry, str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def by_hash(self) -> dict[str, str]:
        """sha256 -> relpath, to recognise a renamed or moved script."""
        return {e.stat[2]: rel for rel, e in sorted(self.scripts.items())}


@dataclass(frozen=True, slots=True)
class Index:
    """What ``check`` needs: each script's stats and failures, and the pack's files."""

    fingerprint: str = ""
    clean: bool = False
    pack_files: tuple[str, ...] = ()
    manifest: str | None = None  #: the manifest's sha256 then
    stats: Mapping[str, tuple[Stat, Mapping[str, Stat]]] = field(default_factory=dict)
    failures: Mapping[str, tuple[model.Diagnostic, ...]] = field(default_factory=dict)


def file_stat(path: Path, previous: Stat | None = None) -> Stat | None:
    """(size, mtime_ns, sha256) of ``path``; the hash is reused when size and mtime match.

    None when the file cannot be read.
    """
    try:
        st = path.stat()
        if previous is not None and (st.st_size, st.st_mtime_ns) == previous[:2]:
            return previous
        data = read_regular(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def is_fresh(stat: Stat, local: Mapping[str, Stat], path: Path, source_root: Path) -> bool:
    """True when the script and every local module it imports have the same content."""
    now = file_stat(path, stat)
    if now is None or now[2] != stat[2]:
        return False
    for rel, old in local.items():
        cur = file_stat(source_root / rel, old)
        if cur is None or cur[2] != old[2]:
            return False
    return True


def _read_json(pack_dir: Path, relpath: str) -> Any:
    return _checked(json.loads(read_regular(pack_dir / relpath)))


def _checked(data: Any) -> Any:
    if data.get("format") != FORMAT or data.get("voodoo") != __version__:
        raise ValueError("another cache format or voodoo version")
    return data


_BAD_CACHE = (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, PackError)


def load_index(pack_dir: Path) -> Index:
    """The pack's index; an empty one when missing, unreadable or from another voodoo."""
    try:
        data = _read_json(pack_dir, INDEX_PATH)
        scripts = data["scripts"]
        index = Index(
            str(data["fingerprint"]),
            bool(data["clean"]),
            tuple(check_relpath(p) for p in data["pack_files"]),
            None if data["manifest"] is None else str(data["manifest"]),
            {
                rel: (_stat(e["stat"]), {check_relpath(k): _stat(v) for k, v in e["local"].items()})
                for rel, e in scripts.items()
            },
            {rel: decode(e["failures"]) for rel, e in scripts.items() if e.get("failures")},
        )
        if not all(isinstance(d, model.Diagnostic) for ds in index.failures.values() for d in ds):
            return Index()
        return index
    except _BAD_CACHE:
        return Index()


@dataclass(eq=False)
class Memo:
    """The cache last loaded or saved, by what identifies its file's version, kept for the
    next ingest in the same process (a ``session.Session`` holds one): ``watch`` syncs
    again and again, and decoding 1,000 summaries each time was a third of a sync."""

    last: tuple[tuple[object, ...], Cache] | None = None


def load(pack_dir: Path, memo: Memo | None = None) -> Cache:
    """The pack's cache of summaries; empty when missing, unreadable or from another voodoo.

    Each entry's ``script`` is a summary (``full`` False): see ``analysis``. With ``memo``,
    a file unchanged since the memo last loaded or saved it is not decoded again.
    """
    key = _version_of(pack_dir)
    if key is None:
        return Cache()
    if memo is not None and memo.last is not None and memo.last[0] == key:
        return memo.last[1]
    loaded = _load(pack_dir)
    if memo is not None:
        memo.last = (key, loaded)
    return loaded


def _version_of(pack_dir: Path) -> tuple[object, ...] | None:
    version = file_version(pack_dir.resolve() / SCRIPTS_PATH)
    return None if version is None else (*version, __version__)


def _load(pack_dir: Path) -> Cache:
    try:
        text = (pack_dir / SCRIPTS_PATH).read_text(encoding="utf-8")
        data = _checked(json.loads(text))
        scripts = {
            rel: ScriptEntry(
                stat=_stat(e["stat"]),
                script=decode(e["script"]),
                local={k: _stat(v) for k, v in e["local"].items()},
                third_party=tuple(e["third_party"]),
                notes=tuple(e["notes"]),
                unknown=tuple((str(n), str(w)) for n, w in e["unknown"]),
                actions=dict(e["actions"]),
                render=_render(e["render"]),
                full=False,
                encoded=e["script"],
            )
            for rel, e in data["scripts"].items()
        }
        # The cache lives in the pack, which anyone may edit: an entry that names a path
        # outside the source tree or an action outside actions/ is dropped, not trusted.
        scripts = {rel: e for rel, e in scripts.items() if _trusted(rel, e)}
        lines = {
            rel: (scripts[rel], line)
            for rel, line in _lines(text, list(data["scripts"]))
            if rel in scripts
        }
        return Cache(str(data["fingerprint"]), bool(data["clean"]), scripts, lines)
    except _BAD_CACHE:
        return Cache()


def _lines(text: str, relpaths: list[str]) -> Iterable[tuple[str, str]]:
    """Each entry's line, in a ``scripts.json`` laid out as ``save`` writes it: a first
    line, one line per entry (in the order of ``relpaths``), a last line. Nothing for any
    other layout (the file is still read: only its entries are written again in full)."""
    lines = text.split("\n")[1:-2]
    if len(lines) != len(relpaths):
        return []
    lines = [line.removesuffix(",") for line in lines]
    pairs = list(zip(relpaths, lines, strict=True))
    if not all(line.startswith(f"{json.dumps(rel)}:") for rel, line in pairs):
        return []
    return pairs


def analysis(pack_dir: Path, relpath: str, entry: ScriptEntry) -> model.Script | None:
    """The whole analysis behind ``entry``; None when it is missing or does not match."""
    try:
        data = _read_json(pack_dir, _analysis_path(relpath))
        script = decode(data["script"])
    except _BAD_CACHE:
        return None
    if (
        not isinstance(script, model.Script)
        or script.source_hash != entry.stat[2]
        or not _trusted(relpath, dataclasses.replace(entry, script=script))
    ):
        return None
    return script


def _analysis_path(relpath: str) -> str:
    return f"{ANALYSES_DIR}/{hashlib.sha256(relpath.encode()).hexdigest()[:32]}.json"


def _render(data: Any) -> RenderRecord | None:
    if data is None:
        return None
    return RenderRecord(
        tuple(str(f) for f in data["files"]),
        tuple((str(n), str(t)) for n, t in data["readme"]),
        decode(data["notes"]),
    )


def manifest_hash(pack_dir: Path) -> str | None:
    """The manifest's sha256: the index is trusted only while the manifest is unchanged.
    (Its hash, not its mtime: a fresh clone of the pack has new mtimes. Hashing 2 MB takes
    milliseconds; decoding it as JSON was most of check's time. Read in blocks: a cold
    ingest hashes it at its peak of memory, and at 5,000 scripts it is 15 MB.)"""
    try:
        with (pack_dir / MANIFEST_PATH).open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _trusted(rel: str, entry: ScriptEntry) -> bool:
    script = entry.script
    if not isinstance(script, model.Script) or not all(
        isinstance(c, model.Command) for c in script.commands
    ):
        return False
    names = [c.name for c in script.commands] + list(entry.actions.values())
    render = entry.render or RenderRecord()
    names += [name for name, _ in render.readme]
    if not all(isinstance(d, model.Diagnostic) for d in render.notes):
        return False
    try:
        for path in (rel, *entry.local, *render.files):
            check_relpath(path)
    except PackError:
        return False
    return all(isinstance(n, str) and _ACTION_NAME.fullmatch(n) for n in names)


def _stat(v: Iterable[Any]) -> Stat:
    size, mtime, sha = v
    return (int(size), int(mtime), str(sha))


def summary(script: model.Script) -> model.Script:
    """``script`` without what only rendering needs (parameters, descriptions)."""
    return dataclasses.replace(
        script, commands=tuple(model.Command(c.name, c.path, line=c.line) for c in script.commands)
    )


def _dumps(doc: dict[str, Any]) -> bytes:
    return (json.dumps(_stamped(doc), sort_keys=True, separators=(",", ":")) + "\n").encode()


def _stamped(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with what ``_checked`` requires of every cache file."""
    return {"format": FORMAT, "voodoo": __version__, **doc}


def _render_data(r: RenderRecord | None) -> Any:
    if r is None:
        return None
    return {"files": list(r.files), "readme": [list(x) for x in r.readme], "notes": encode(r.notes)}


def save(
    pack_dir: Path, cache: Cache, pack_files: Iterable[str], memo: Memo | None = None
) -> Cache:
    """Write the cache atomically, each analysis only when it is new. Call it under the
    pack lock, after ``apply``; ``pack_files`` are the files the manifest now lists.
    Returns the cache as ``load`` now reads it (through ``memo``: the same object, until
    the file changes)."""
    pack_dir = pack_dir.resolve()
    # Refused before anything is created: a symlink on the way would have mkdir create
    # folders wherever it leads.
    analyses = _writer.folder(pack_dir, ANALYSES_DIR)
    items = sorted(cache.scripts.items())
    wanted = set()
    # Each folder fsynced once, at the end: every layer checks what it reads (format,
    # version, hashes), so a power cut that keeps some new names and not others costs a
    # parse, never a wrong answer.
    written = _writer.Folders()
    full = []
    for rel, e in items:
        path = _analysis_path(rel)
        wanted.add(path.rsplit("/", 1)[1])
        if e.full:
            full.append((path, e.script))
    _writer.replace_all(
        pack_dir,
        ((path, _dumps({"script": encode(script)})) for path, script in full),
        folders=written,
    )
    for old in os.listdir(analyses):
        if old not in wanted:
            with contextlib.suppress(OSError):
                os.unlink(analyses / old)
    saved = {rel: (e if not e.full else dataclasses.replace(e, full=False)) for rel, e in items}
    lines = {rel: (saved[rel], _line(rel, e, cache.lines.get(rel))) for rel, e in items}
    scripts = _scripts_json(cache, [line for _, line in lines.values()])
    _writer.replace(pack_dir, SCRIPTS_PATH, scripts, folders=written)
    # The index last: check trusts nothing it does not list.
    _writer.replace(
        pack_dir,
        INDEX_PATH,
        _dumps(
            {
                "fingerprint": cache.fingerprint,
                "clean": cache.clean,
                "pack_files": sorted(pack_files),
                "manifest": manifest_hash(pack_dir),
                "scripts": {
                    rel: {
                        "stat": list(e.stat),
                        "local": {k: list(v) for k, v in sorted(e.local.items())},
                        "failures": None if e.script.ok else encode(e.script.diagnostics),
                    }
                    for rel, e in items
                },
            }
        ),
        folders=written,
    )
    written.sync()
    with contextlib.suppress(OSError):
        (pack_dir / OLD_CACHE_PATH).unlink()
    now = Cache(cache.fingerprint, cache.clean, saved, lines)  # (analyses are on disk)
    key = _version_of(pack_dir)
    if memo is not None:
        memo.last = None if key is None else (key, now)
    return now


def _line(rel: str, e: ScriptEntry, known: tuple[ScriptEntry, str] | None) -> str:
    """``e``'s line of ``scripts.json``: the one it was loaded or last saved with, else new."""
    if known is not None and known[0] is e:
        return known[1]
    data = {
        "stat": list(e.stat),
        "script": encode(summary(e.script)) if e.encoded is None else e.encoded,
        "local": {k: list(v) for k, v in sorted(e.local.items())},
        "third_party": list(e.third_party),
        "notes": list(e.notes),
        "unknown": [list(u) for u in e.unknown],
        "actions": dict(sorted(e.actions.items())),
        "render": _render_data(e.render),
    }
    return f"{json.dumps(rel)}:{json.dumps(data, sort_keys=True, separators=(',', ':'))}"


def _scripts_json(cache: Cache, lines: list[str]) -> Iterator[bytes]:
    """``scripts.json``, in pieces (written a line at a time, never held whole): the JSON
    of ``_stamped`` fingerprint and clean, then ``scripts`` with one entry a line
    (``lines``, each ``"<relpath>":{...}``, from ``_line``)::

        {"clean":true,"fingerprint":"...","format":3,"voodoo":"0.1.0","scripts":{
        "a.py":{...},
        "b.py":{...}
        }}

    so that the next save writes an unchanged entry's line as it is (serializing 1,000
    entries again was most of saving after one change), and ``_lines`` finds each one."""
    head = _stamped({"fingerprint": cache.fingerprint, "clean": cache.clean})
    fields = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in sorted(head.items()))
    yield f'{{{fields}"scripts":{{\n'.encode()
    for i, line in enumerate(lines):
        yield f",\n{line}".encode() if i else line.encode()
    yield b"\n}}\n"


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join((__version__, *parts)).encode()).hexdigest()


def settings_fingerprint(
    ref: str, root: Path, config: Config | None, name: str | None, settings: Settings
) -> str:
    """What, besides the scripts, the rendered pack depends on (ingest and check agree)."""
    return fingerprint(
        ref, str(root), config.fingerprint() if config else "", name or "", settings.key()
    )


__all__ = [
    "CACHE_DIR",
    "Cache",
    "Index",
    "Memo",
    "RenderRecord",
    "ScriptEntry",
    "analysis",
    "decode",
    "encode",
    "file_stat",
    "is_fresh",
    "load",
    "load_index",
    "save",
    "summary",
]
