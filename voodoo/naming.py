"""Naming rules shared by every analyzer (mapping.md, "Actions" and "Parameters").

Pure functions: the orchestrator applies them to whatever an analyzer produced.

Runner-setting rename rule: a parameter whose name is a python-script runner setting
(``debug``, ``content_version``, ``env``, ``timeout``, ``log_level``) gets ``script_``
prepended, repeatedly, until the name is neither a runner setting nor already taken in the
command (``timeout`` -> ``script_timeout``; if that exists too -> ``script_script_timeout``).
``Param.dest`` keeps the script's own name, so the wrapper maps it back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import keyword
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from pathlib import PurePosixPath

from voodoo.model import Command, Diagnostic, Severity

__all__ = [
    "RENDER_CONTEXT",
    "RUNNER_PARAMETERS",
    "SECRET_WORDS",
    "action_name",
    "is_secret_name",
    "name_commands",
    "normalize",
    "param_name",
    "reserved_reason",
    "resolve_clashes",
    "runner_rename",
    "unique_names",
]

#: python-script runner parameters (stackstorm/runners.json): an action parameter with
#: one of these names would be taken by the runner, never reaching the script.
RUNNER_PARAMETERS = frozenset({"debug", "content_version", "env", "timeout", "log_level"})
#: whole ``_``-separated word sequences that mark a parameter as secret
SECRET_WORDS: tuple[tuple[str, ...], ...] = (
    ("password",),
    ("passwd",),
    ("secret",),
    ("token",),
    ("api", "key"),
    ("apikey",),
    ("private", "key"),
    ("credentials",),
)
RUNNER_PREFIX = "script_"
#: names StackStorm's Jinja parameter rendering binds (st2kv, action_context,
#: config_context): a parameter called so, left at its default, fails every run
RENDER_CONTEXT = frozenset({"st2kv", "action_context", "config_context"})

#: Longest action name: ``<name>.yaml``, ``<name>.py`` and their temporary files must fit
#: in a file name (255 bytes); a longer one keeps its start and gets a hash of the rest.
MAX_ACTION_NAME = 150
_SHORTENED = re.compile(r"_[0-9a-f]{8}")

_NOT_NAME = re.compile(r"[^a-z0-9]+")
_NOT_PARAM = re.compile(r"[^A-Za-z0-9_]")


def normalize(text: str) -> str:
    """Lower-case; each run of characters outside ``[a-z0-9]`` -> one ``_``; strip ``_``."""
    return _NOT_NAME.sub("_", text.lower()).strip("_")


def action_name(stem: str, path_words: Iterable[str] = ()) -> str:
    """``cluster-ctl`` + ``("node", "drain")`` -> ``cluster_ctl_node_drain``."""
    parts = [normalize(stem) or "script"]
    parts.extend(word for word in map(normalize, path_words) if word)
    return _capped("_".join(parts))


def _capped(name: str) -> str:
    if len(name) <= MAX_ACTION_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_ACTION_NAME - 9].rstrip('_')}_{digest}"


def is_shortened(name: str) -> bool:
    """True when ``name`` is one ``action_name`` shortened (it ends in a hash)."""
    return (
        len(name) > MAX_ACTION_NAME - 20 and _SHORTENED.fullmatch(name, len(name) - 9) is not None
    )


def param_name(dest: str) -> tuple[str, bool]:
    """The action parameter name for ``dest`` and whether characters other than ``-`` were
    replaced (which the caller should report)."""
    dashed = dest.replace("-", "_")
    name = _NOT_PARAM.sub("_", dashed) or "_"
    return name, name != dashed


def reserved_reason(name: str, *, python_action: bool = True) -> str | None:
    """Why StackStorm (or a python-script action's ``run(self, **parameters)``) cannot take a
    parameter called ``name``; None when it can. ``python_action``: also the rules of
    keyword arguments (``self``, Python keywords, names that are not identifiers)."""
    if name in RENDER_CONTEXT:
        return (
            f"{name!r} is a name of StackStorm's parameter rendering: every run that leaves"
            " it at its default fails"
        )
    if not python_action:
        return None
    if name == "self":
        return (
            "'self' cannot be a keyword argument of the python-script action's"
            " run(self, **parameters) (TypeError before the action starts)"
        )
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword, not a usable keyword argument of run()"
    if not name.isidentifier():
        return f"{name!r} is not a valid Python keyword argument of run()"
    return None


def runner_rename(name: str, taken: Iterable[str] = ()) -> str:
    """``name`` itself, or prefixed with ``script_`` until it is no runner setting, no
    reserved name (``reserved_reason``) and not in ``taken`` (the command's other parameter
    names): ``timeout`` -> ``script_timeout``, ``self`` -> ``script_self``,
    ``class`` -> ``script_class``, ``1st`` -> ``script_1st``."""
    if name not in RUNNER_PARAMETERS and reserved_reason(name) is None:
        return name
    used = set(taken)
    candidate = RUNNER_PREFIX + name
    while candidate in RUNNER_PARAMETERS or candidate in used:
        candidate = RUNNER_PREFIX + candidate
    return candidate


def is_secret_name(name: str) -> bool:
    """Whether ``name`` contains a secret word as whole ``_``-separated words
    (``db_password``, ``api_key``; not ``tokenizer`` or ``secretary``)."""
    words = [word for word in name.lower().split("_") if word]
    for secret in SECRET_WORDS:
        size = len(secret)
        if any(tuple(words[i : i + size]) == secret for i in range(len(words) - size + 1)):
            return True
    return False


def resolve_clashes(
    items: Sequence[tuple[str, Command]],
) -> tuple[dict[tuple[str, str], str], list[Diagnostic]]:
    """``unique_names`` as ``{(relpath, old name): new name}`` for the commands renamed
    (two commands of one script with one name cannot both be keys: use ``unique_names``)."""
    names, diagnostics = unique_names(items)
    renames = {
        (relpath, command.name): new
        for (relpath, command), new in zip(items, names, strict=True)
        if new != command.name
    }
    return renames, diagnostics


def unique_names(
    items: Sequence[tuple[str, Command]], reserved: Collection[str] = ()
) -> tuple[list[str], list[Diagnostic]]:
    """One action name per command, unique across ``items`` and ``reserved`` by
    construction, deterministic for the same ``items``.

    ``items`` are ``(relative path of the script, command)``, in a stable order (the path
    order). A name that no other command has is kept. The commands of different scripts
    that share a name are all prefixed with their script's parent folder name
    (normalized), then with more folders while that tells more of them apart; scripts in
    one folder, and commands of one script, that still share a name get ``_2``, ``_3``...
    in order. Names left alone are never changed to make room for a renamed one. Returns
    the names, in the order of ``items``, and one INFO diagnostic per script renamed.
    """
    by_name: dict[str, list[int]] = defaultdict(list)
    for index, (_, command) in enumerate(items):
        by_name[command.name].append(index)
    taken = set(by_name) | set(reserved)
    proposed = [command.name for _, command in items]
    clashes: dict[int, list[str]] = {}  # index -> the scripts it shares its name with
    for name, indexes in by_name.items():
        scripts = list(dict.fromkeys(items[i][0] for i in indexes))
        if len(indexes) < 2 and name not in reserved:
            continue
        prefixed = _prefixed(name, scripts, taken - {name})
        for i in indexes:
            proposed[i] = prefixed[items[i][0]]
            clashes[i] = scripts
    used = set(reserved)
    final = [""] * len(items)
    # Names left as they are first: a renamed command never takes a name from one.
    order = sorted(range(len(items)), key=lambda i: proposed[i] != items[i][1].name)
    for i in order:
        name, count = proposed[i], 1
        while name in used:
            count += 1
            name = _capped(f"{proposed[i]}_{count}")
        used.add(name)
        final[i] = name
    return final, _rename_notes(items, final, clashes)


def _rename_notes(
    items: Sequence[tuple[str, Command]], final: list[str], clashes: dict[int, list[str]]
) -> list[Diagnostic]:
    """One note per script whose actions were renamed, naming at most 3 other scripts."""
    per_script: dict[str, list[int]] = defaultdict(list)
    for i, (relpath, command) in enumerate(items):
        if final[i] != command.name:
            per_script[relpath].append(i)
    notes = []
    for relpath, indexes in per_script.items():
        renamed = "; ".join(f"action {items[i][1].name!r} renamed to {final[i]!r}" for i in indexes)
        others = sorted({s for i in indexes for s in clashes.get(i, [])} - {relpath})
        if not others:
            why = "another command of this script has the same action name"
        else:
            shown = ", ".join(others[:3])
            more = f" and {len(others) - 3} more" if len(others) > 3 else ""
            verb = "has" if len(others) == 1 else "have"
            why = f"{shown}{more} {verb} the same action name"
        notes.append(
            Diagnostic(
                relpath,
                items[indexes[0]][1].line,
                Severity.INFO,
                "action-renamed",
                f"{renamed}: {why}",
            )
        )
    return notes


def _prefixed(name: str, scripts: list[str], avoid: set[str]) -> dict[str, str]:
    """Each script's name for the shared ``name``: prefixed with its parent folder
    (mapping.md), and with more folders while that tells apart scripts in different
    folders."""
    folders = {s: [normalize(part) for part in PurePosixPath(s).parent.parts] for s in scripts}
    distinct = {tuple(f) for f in folders.values()}
    names: dict[str, str] = dict.fromkeys(scripts, name)
    for depth in range(1, max(len(f) for f in folders.values()) + 1):
        names = {
            s: "_".join([*(part for part in f[-depth:] if part), name]) for s, f in folders.items()
        }
        if len(set(names.values())) == len(distinct) and not set(names.values()) & avoid:
            break
    return {s: _capped(n) for s, n in names.items()}


def name_commands(
    scripts: Iterable[tuple[str, Sequence[Command]]], reserved: Collection[str] = ()
) -> tuple[dict[str, list[Command]], list[Diagnostic]]:
    """Each script's commands (``scripts``: relpath -> its commands), renamed where two
    scripts would produce one action name (or a name in ``reserved``): ``unique_names``
    applied to the commands themselves."""
    pairs = [(relpath, c) for relpath, commands in scripts for c in commands]
    names, notes = unique_names(pairs, reserved)
    by_file: dict[str, list[Command]] = {}
    for (relpath, command), new in zip(pairs, names, strict=True):
        by_file.setdefault(relpath, []).append(
            command if new == command.name else dataclasses.replace(command, name=new)
        )
    return by_file, list(notes)
