"""Naming rules shared by every analyzer (mapping.md, "Actions" and "Parameters").

Pure functions: the orchestrator applies them to whatever an analyzer produced.

Runner-setting rename rule: a parameter whose name is a python-script runner setting
(``debug``, ``content_version``, ``env``, ``timeout``, ``log_level``) gets ``script_``
prepended, repeatedly, until the name is neither a runner setting nor already taken in the
command (``timeout`` -> ``script_timeout``; if that exists too -> ``script_script_timeout``).
``Param.dest`` keeps the script's own name, so the wrapper maps it back.
"""

from __future__ import annotations

import keyword
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from voodoo.model import Command, Diagnostic, Severity

__all__ = [
    "RENDER_CONTEXT",
    "RUNNER_PARAMETERS",
    "SECRET_WORDS",
    "action_name",
    "is_secret_name",
    "normalize",
    "param_name",
    "reserved_reason",
    "resolve_clashes",
    "runner_rename",
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

_NOT_NAME = re.compile(r"[^a-z0-9]+")
_NOT_PARAM = re.compile(r"[^A-Za-z0-9_]")


def normalize(text: str) -> str:
    """Lower-case; each run of characters outside ``[a-z0-9]`` -> one ``_``; strip ``_``."""
    return _NOT_NAME.sub("_", text.lower()).strip("_")


def action_name(stem: str, path_words: Iterable[str] = ()) -> str:
    """``cluster-ctl`` + ``("node", "drain")`` -> ``cluster_ctl_node_drain``."""
    parts = [normalize(stem) or "script"]
    parts.extend(word for word in map(normalize, path_words) if word)
    return "_".join(parts)


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
    """Rename commands of different scripts that would share an action name.

    ``items`` are ``(relative path of the script, command)``. Every command in a clashing
    set is prefixed with its script's parent folder name (normalized); while names still
    clash, the next folder up is added; scripts that still clash (same folders) get ``_2``,
    ``_3``... in path order. Returns ``{(relpath, old name): new name}`` and one INFO
    diagnostic per rename.
    """
    by_name: dict[str, list[tuple[str, Command]]] = defaultdict(list)
    for relpath, command in items:
        by_name[command.name].append((relpath, command))
    renames: dict[tuple[str, str], str] = {}
    diagnostics: list[Diagnostic] = []
    taken = set(by_name)
    for name, group in by_name.items():
        if len({relpath for relpath, _ in group}) < 2:
            continue
        new_names = _prefixed(name, [relpath for relpath, _ in group], taken)
        for (relpath, command), new in zip(group, new_names, strict=True):
            if new == command.name:
                continue
            renames[(relpath, command.name)] = new
            taken.add(new)
            others = ", ".join(sorted({p for p, _ in group} - {relpath}))
            diagnostics.append(
                Diagnostic(
                    relpath,
                    command.line,
                    Severity.INFO,
                    "action-renamed",
                    f"action {name!r} renamed to {new!r}: {others} has the same action name",
                )
            )
    return renames, diagnostics


def _prefixed(name: str, relpaths: list[str], taken: set[str]) -> list[str]:
    folders = [
        [normalize(part) for part in reversed(PurePosixPath(p.replace("\\", "/")).parent.parts)]
        for p in relpaths
    ]
    depth = 1
    while True:
        names = ["_".join([*[f for f in reversed(parts[:depth]) if f], name]) for parts in folders]
        unique = len(set(names)) == len(names) and not (set(names) & (taken - {name}))
        if unique or depth > max(len(parts) for parts in folders):
            break
        depth += 1
    result: list[str] = []
    seen: dict[str, int] = {}
    for candidate in names:
        count = seen.get(candidate, 0) + 1
        seen[candidate] = count
        final = candidate if count == 1 else f"{candidate}_{count}"
        while final in taken and final != name and count > 1:
            count += 1
            final = f"{candidate}_{count}"
        result.append(final)
    return result
