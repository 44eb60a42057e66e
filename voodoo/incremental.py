"""Incremental bookkeeping: which scripts must be rendered again, what the next run's cache
holds, which actions were renamed, which names are reserved and which actions stay
dormant. Everything here compares this run with what the cache, the manifest and the pack
say about the last one; nothing here reads a script or writes a file.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from voodoo import cache, dormant
from voodoo._paths import read_regular
from voodoo.config import Settings
from voodoo.manifest import Manifest, sha256
from voodoo.model import Command
from voodoo.pack import Plan
from voodoo.reconcile import Change, ChangeKind, action_of
from voodoo.workers import Analyzed


def to_render(
    analyzed: Sequence[Analyzed],
    commands: dict[str, list[Command]],
    manifest: Manifest,
    on_disk: Collection[str],
    settings: Settings,
) -> set[str]:
    """The scripts to render; the others render exactly what they did last time.

    A script is carried over when its cached analysis was reused, its actions keep their
    names (a clash elsewhere can rename them), and each file it rendered is still in the
    manifest and ``on_disk``. Config keys are shared by all scripts: with them, all render.
    """
    redo = set()
    for a in analyzed:
        rel, e = a.source.relpath, a.entry
        if not a.script.ok:
            continue  # renders nothing; plan keeps its last good files
        cmds = commands.get(rel, [])
        if (
            settings.config_schema
            or e is None
            or e.full
            or dict(e.actions) != {words(c): c.name for c in cmds}
            or (cmds and not _in_place(e.render, manifest, on_disk, _hashes(rel, e)))
        ):
            redo.add(rel)
    return redo


def _in_place(
    record: cache.RenderRecord | None,
    manifest: Manifest,
    on_disk: Collection[str],
    hashes: Mapping[str, str],
) -> bool:
    """Every file ``record`` lists is still voodoo's (in the manifest), on disk, and was
    generated from the sources as they are now (``hashes``: source relpath -> sha256).

    The last check catches a manifest newer than the cache: a run interrupted after it
    replaced files (their entries recovered from the pending ones) or after it wrote the
    manifest, followed by the script going back to what the cache saw (a revert, a branch
    switch). Its files say what the interrupted run rendered, not what the script does."""
    if record is None:
        return False
    for f in record.files:
        entry = manifest.files.get(f)
        if (
            entry is None
            or f not in on_disk
            or (
                entry.source is not None
                and entry.source_hash is not None
                and hashes.get(entry.source, entry.source_hash) != entry.source_hash
            )
        ):
            return False
    return True


def _hashes(rel: str, entry: cache.ScriptEntry) -> dict[str, str]:
    """The sha256 of a script and of each local module it imports, as its cache entry
    (checked fresh) says: what its carried files must have been generated from."""
    return {rel: entry.stat[2], **{m: st[2] for m, st in entry.local.items()}}


def existing(pack: Path, relpaths: Iterable[str]) -> set[str]:
    """Which of ``relpaths`` exist in the pack: one listing per folder (a pack holds
    thousands of files in a few folders), not a stat per file."""
    listed: dict[str, set[str]] = {}
    out = set()
    for relpath in relpaths:
        folder, _, name = relpath.rpartition("/")
        if folder not in listed:
            listed[folder] = names_in(pack / folder)
        if name in listed[folder]:
            out.add(relpath)
    return out


def names_in(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            # a symlink counts when what it leads to exists, as os.path.exists says
            return {e.name for e in entries if not e.is_symlink() or os.path.exists(e.path)}
    except OSError:
        return set()


def words(c: Command) -> str:
    return " ".join(c.path)


def new_cache(
    analyzed: Sequence[Analyzed],
    commands: dict[str, list[Command]],
    old: cache.Cache,
    the_plan: Plan,
    fp: str,
    records: dict[str, cache.RenderRecord],
    held: Collection[str] = (),
) -> cache.Cache:
    scripts: dict[str, cache.ScriptEntry] = {}
    conflicted = {c.path for c in the_plan.conflicts} | set(held)
    for a in analyzed:
        if a.entry is None:
            # A broken (or changing) file: keep the last good entry, for renames only.
            prev = old.scripts.get(a.source.relpath)
            if prev is not None and not a.script.ok:
                scripts[a.source.relpath] = dataclasses.replace(prev, stat=(-1, -1, prev.stat[2]))
            continue
        names = {words(c): c.name for c in commands.get(a.source.relpath, [])}
        if not a.script.ok:  # a broken file keeps its last good actions, for renames
            prev = old.scripts.get(a.source.relpath)
            names = dict(prev.actions) if prev is not None else {}
        record = records.get(a.source.relpath)
        if record is not None and conflicted & set(record.files):
            record = None  # rendered again next time: a conflict is reported until resolved
        if names == a.entry.actions and record == a.entry.render:
            scripts[a.source.relpath] = a.entry  # the same object: saved as it was loaded
        else:
            scripts[a.source.relpath] = dataclasses.replace(a.entry, actions=names, render=record)
    clean = not the_plan.conflicts and not conflicted and all(a.entry is not None for a in analyzed)
    return cache.Cache(fp, clean, scripts, old.lines)


def renames(
    old: cache.Cache, analyzed: Sequence[Analyzed], commands: dict[str, list[Command]]
) -> dict[str, str]:
    """Old action name -> new one, for scripts renamed or moved (same content), and for
    actions a new clash renamed (the script stayed where it was): hand edits follow."""
    present = {a.source.relpath for a in analyzed}
    by_hash = {e.stat[2]: rel for rel, e in sorted(old.scripts.items()) if rel not in present}
    out: dict[str, str] = {}
    for a in analyzed:
        if a.entry is None:
            continue
        was = a.source.relpath if a.source.relpath in old.scripts else by_hash.get(a.entry.stat[2])
        if was is None:
            continue
        before = old.scripts[was].actions
        for c in commands.get(a.source.relpath, []):
            prev = before.get(words(c))
            if prev is not None and prev != c.name:
                out[prev] = c.name
    return out


def kept_names(
    manifest: Manifest, pack: Path, present: Collection[str], asleep: Mapping[str, dormant.Dormant]
) -> set[str]:
    """Action names no other script may take: those of scripts gone (for now, maybe)
    whose action a person edited (this run disables it) or that are dormant already.
    Taken by another script, the name would hand it the person's edits of this one. And
    the names of actions a person wrote in the pack (files in ``actions/`` the manifest
    does not list): a script never takes one, it is renamed instead. (Not when the
    manifest is empty: every file of a pack whose manifest is lost would look so.)"""
    out = {
        name
        for path, d in asleep.items()
        if d.source not in present
        and (name := action_of(path)) is not None
        and (pack / path).is_file()
    }
    for path, entry in manifest.files.items():
        if entry.source is None or entry.source in present:
            continue  # (first: a set lookup, for the thousands of files of present scripts)
        name = action_of(path)
        if name is None:
            continue
        try:
            edited = sha256(read_regular(pack / path)) != entry.hash
        except OSError:
            continue
        if edited:
            out.add(name)
    if manifest.files:
        for name in names_in(pack / "actions"):
            stem, dot, suffix = name.rpartition(".")
            path = f"actions/{name}"
            # (a dormant action is voodoo's: it is restored, not avoided)
            ours = path in manifest.files or path in asleep
            if dot and suffix in ("yaml", "yml", "py") and not ours:
                out.add(stem)
    return out


def dormant_after(
    asleep: Mapping[str, dormant.Dormant],
    changes: Iterable[Change],
    manifest: Manifest,
    the_plan: Plan,
    pack: Path,
) -> dict[str, dormant.Dormant]:
    """The dormant actions after this run: those it disabled join, those it restored
    leave, and so does one whose file is gone or voodoo's again."""
    records = dict(asleep)
    for ch in changes:
        entry = manifest.get(ch.path)
        if ch.kind is ChangeKind.RESTORED:
            records.pop(ch.path, None)
        elif (
            ch.kind is ChangeKind.DISABLED
            and entry is not None
            and entry.content is not None
            and entry.source is not None
        ):
            enable = any(f.field == "enabled" for f in ch.fields)
            records[ch.path] = dormant.Dormant(entry.content, enable, entry.source)
    return {
        path: d
        for path, d in records.items()
        if path not in the_plan.manifest.files and (pack / path).is_file()
    }
