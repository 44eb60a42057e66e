"""How local-shell-script turns parameters into a command line, quirks included.

Mirrors st2's ``ShellRunnerMixin._get_script_args`` / ``action_db.serialize_positional_argument``
and ``ShellScriptAction``: named ``<kwarg_op><name>=<value>`` tokens first, then every
positional parameter sorted by ``position``; each token ``shlex.quote``d into one command string.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any


def named_args(values: Mapping[str, Any], kwarg_op: str = "--") -> list[str]:
    """Tokens for parameters without a position (see the README's named-argument table)."""
    tokens = []
    for name, value in values.items():
        if value is None or value == "" or value is False:
            continue
        if value is True:
            tokens.append(f"{kwarg_op}{name}")
        else:
            # Python's str(): lists and dicts come out as repr, not JSON.
            tokens.append(f"{kwarg_op}{name}={value}")
    return tokens


def positional_arg(kind: str | None, value: Any) -> str:
    """One positional token, with st2's per-type serialization (integer 0 becomes "")."""
    if kind in ("string", "number"):
        return "" if value is None else str(value)
    if kind == "boolean":
        return "" if value is None else ("1" if value else "0")
    if kind == "array":
        return ",".join(map(str, value)) if value else ""
    if kind == "object":
        return json.dumps(value, separators=(",", ":")) if value else ""
    return str(value) if value else ""


def script_args(
    values: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]], kwarg_op: str = "--"
) -> list[str]:
    """The script's argv after its path: named tokens, then positionals by position."""
    named = {k: v for k, v in values.items() if "position" not in schemas.get(k, {})}
    positional = sorted(
        (k for k in values if "position" in schemas.get(k, {})),
        key=lambda k: schemas[k]["position"],
    )
    kinds = {k: schemas[k].get("type") for k in positional}
    return named_args(named, kwarg_op) + [positional_arg(kinds[k], values[k]) for k in positional]


def script_command(script: str, args: list[str]) -> str:
    """``chmod +x SCRIPT ; SCRIPT ARGS...`` as st2 writes it (chmod's path is not quoted)."""
    command = " ".join([shlex.quote(script), *(shlex.quote(a) for a in args)])
    return f"chmod +x {script} ; {command}"


def sudo_command(command: str, *, password: bool = False) -> str:
    """The ``sudo`` wrapping st2 applies when the ``sudo`` runner parameter is true."""
    flags = "-S -E" if password else "-E"
    return f"sudo {flags} -- bash -c {shlex.quote(command)}"
