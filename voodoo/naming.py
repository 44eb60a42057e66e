"""Naming rules shared by every analyzer (mapping.md, "Actions" and "Parameters").

Pure functions: the orchestrator applies them to whatever an analyzer produced.

Runner-setting rename rule: a parameter whose name is a python-script runner setting
(``debug``, ``content_version``, ``env``, ``timeout``, ``log_level``) gets ``script_``
prepended, repeatedly, until the name is neither a runner setting nor already taken in the
command (``timeout`` -> ``script_timeout``; if that exists too -> ``script_script_timeout``).
``Param.dest`` keeps the script's own name, so the wrapper maps it back.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from voodoo.model import Command, Diagnostic, Severity

__all__ = [
    "RUNNER_PARAMETERS",
    "SECRET_WORDS",
    "action_name",
    "is_secret_name",
    "normalize",
    "param_name",
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
    return f"{name[:MAX_ACTION_NAME - 9].rstrip('_')}_{digest}"


def is_shortened(name: str) -> bool:
    """True when ``name`` is one ``action_name`` shortened (it ends in a hash)."""
    return (len(name) > MAX_ACTION_NAME - 20
            and _SHORTENED.fullmatch(name, len(name) - 9) is not None)


def param_name(dest: str) -> tuple[str, bool]:
    """The action parameter name for ``dest`` and whether characters other than ``-`` were
    replaced (which the caller should report)."""
    dashed = dest.replace("-", "_")
    name = _NOT_PARAM.sub("_", dashed) or "_"
    return name, name != dashed


def runner_rename(name: str, taken: Iterable[str] = ()) -> str:
    """``name`` itself, or prefixed with ``script_`` until it is no runner setting and not in
    ``taken`` (the command's other parameter names)."""
    if name not in RUNNER_PARAMETERS:
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
