"""What the analyses mean once the configuration and the rest of the repository are known:
per-script overrides (names, descriptions, secrets), helper modules other scripts import
(not actions of their own), and each command's unique action name (``naming``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from pathlib import PurePosixPath

from voodoo import naming
from voodoo.config import Config
from voodoo.model import ENTRY_KEY, MOUNTED_KEY, Command, Diagnostic, Script, Severity
from voodoo.workers import Analyzed


def override(analyzed: list[Analyzed], config: Config | None) -> list[Analyzed]:
    """Apply per-script overrides from the configuration (names, descriptions, secrets)."""
    if config is None or not config.scripts:
        return analyzed
    out = []
    for a in analyzed:
        o = config.scripts.get(a.source.relpath)
        if o is None:
            out.append(a)
            continue
        cmds = []
        for c in a.script.commands:
            params = tuple(
                dataclasses.replace(p, secret=True) if p.name in o.secret else p for p in c.params
            )
            c = dataclasses.replace(c, params=params, description=o.description or c.description)
            if o.action and len(a.script.commands) == 1:
                c = dataclasses.replace(c, name=naming.action_name(o.action))
            cmds.append(c)
        # (the actions rendered in the worker are for the old names and descriptions; a
        # Python 2 script's converted copy still holds)
        script = dataclasses.replace(a.script, commands=tuple(cmds))
        out.append(dataclasses.replace(a, script=script, actions=()))
    return out


def drop_imported_helpers(analyzed: list[Analyzed]) -> list[Analyzed]:
    """A file with no ``__main__`` block that only does its work at the top level, or
    whose click/typer commands nothing calls, is a helper module when another script
    imports it: not an action (its top-level code is set-up that runs on import; its
    commands are the importer's sub-commands)."""
    imported: set[str] = set()
    names: set[str] = set()
    mounted: set[str] = set()
    for a in analyzed:
        if a.entry is not None:
            imported.update(a.entry.local)
        names.update(a.script.imports)
        mounted.update(v for k, v in a.script.extra if k == MOUNTED_KEY)
    files = {a.source.relpath for a in analyzed}
    out = []
    for a in analyzed:
        s = a.script
        if not _runs_nothing_itself(s, a.source.relpath in mounted) or (
            a.source.relpath not in imported
            and not {PurePosixPath(a.source.relpath).stem, _top_package(a.source.relpath, files)}
            & names
        ):
            out.append(a)
            continue
        note = Diagnostic(
            s.path,
            0,
            Severity.INFO,
            "no-cli",
            "a helper module other scripts import (no __main__ block); skipped",
        )
        kept = tuple(d for d in s.diagnostics if d.code not in ("no-args", "no-entry-point"))
        script = dataclasses.replace(
            s, framework=None, commands=(), extra=(), diagnostics=(*kept, note)
        )
        out.append(dataclasses.replace(a, script=script, actions=()))
    return out


def _runs_nothing_itself(script: Script, mounted: bool) -> bool:
    """No ``__main__`` block: work at the top level only (``noargs``), or typer commands
    that no entry point calls in a module another script mounts as its sub-app."""
    return dict(script.extra).get(ENTRY_KEY) == "toplevel" or (
        mounted and any(d.code == "no-entry-point" for d in script.diagnostics)
    )


def _top_package(relpath: str, files: set[str]) -> str:
    """The outermost package holding ``relpath`` (folders with ``__init__.py``), or ""."""
    top = ""
    folder = PurePosixPath(relpath).parent
    while folder.name and f"{folder.as_posix()}/__init__.py" in files:
        top, folder = folder.name, folder.parent
    return top


_Interpreted = tuple[list[Analyzed], dict[str, list[Command]], list[Diagnostic]]


def interpret(
    found: list[Analyzed], config: Config | None, reserved: Collection[str]
) -> _Interpreted:
    """What the analyses mean in this repository and configuration: overrides applied,
    helper modules other scripts import dropped, and every command's unique action name."""
    analyzed = drop_imported_helpers(override(found, config))
    commands, notes = naming.name_commands(
        ((a.source.relpath, a.script.commands) for a in analyzed), reserved
    )
    return analyzed, commands, notes


def complete(
    analyzed: list[Analyzed],
    commands: dict[str, list[Command]],
    notes: list[Diagnostic],
    redo: Collection[str],
    found: Sequence[Analyzed],
    config: Config | None,
    reserved: Collection[str],
    whole_of: Callable[[Analyzed], Analyzed],
) -> _Interpreted:
    """The scripts to render with their whole analyses (``whole_of``: ``workers.complete``
    for this pack and settings), where the cache gave a summary.

    A summary keeps what interpreting reads (command names and words, imports,
    diagnostics) and leaves out what rendering needs (parameters, descriptions): the names
    found from summaries stand, and each completed script's commands take them in order.
    Only when a whole analysis has other commands than its summary (it was lost, and the
    file parsed again) is everything interpreted again."""
    todo = {
        a.source.relpath
        for a in analyzed
        if a.entry is not None
        and not a.entry.full
        and a.source.relpath in redo
        and commands.get(a.source.relpath)
    }
    if not todo:
        return analyzed, commands, notes
    whole = {a.source.relpath: whole_of(a) for a in found if a.source.relpath in todo}
    completed = {a.source.relpath: a for a in override(list(whole.values()), config)}
    named = dict(commands)
    for rel, a in completed.items():
        full, before = a.script.commands, commands[rel]
        if [(c.path, c.line) for c in full] != [(c.path, c.line) for c in before]:
            return interpret([whole.get(f.source.relpath, f) for f in found], config, reserved)
        named[rel] = [
            c if c.name == n.name else dataclasses.replace(c, name=n.name)
            for c, n in zip(full, before, strict=True)
        ]
    return [completed.get(a.source.relpath, a) for a in analyzed], named, notes
