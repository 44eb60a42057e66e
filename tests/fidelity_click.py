"""Test helper: parse an argv with a click (or typer) script's OWN command objects.

Like ``tests/fidelity.py`` for argparse: the script is run with ``runpy`` in the test
process, and ``click.Context.invoke`` is intercepted when it would call a LEAF command's
callback, so group callbacks may run (they only set up ``ctx.obj``) but the work does not.
Values are normalized to JSON shapes (tuples -> lists, Enum members -> their values).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import io
import runpy
import sys
from pathlib import Path, PurePath
from typing import Any
from unittest import mock

import click

from tests.fidelity import ParserRejected, _script_path
from voodoo.model import ArgKind, Command


class _Parsed(Exception):
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params


def _json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    return value


def _vendored_contexts() -> list[type[Any]]:
    # typer >= 0.2x ships its own copy of click as ``typer._click``.
    try:
        from typer import _click  # type: ignore[attr-defined]
    except ImportError:
        return []
    return [_click.Context]


def parse_with_click(script: Path, argv: list[str]) -> dict[str, Any]:
    """Run ``script`` until click would call its leaf command; return the parameters
    (every level's, the leaf's winning on a clash)."""
    contexts: list[type[Any]] = [click.Context, *_vendored_contexts()]
    originals = {cls: cls.invoke for cls in contexts}

    def intercept(self: Any, callback: Any, *args: Any, **kwargs: Any) -> Any:
        if hasattr(self.command, "commands") or callback is not self.command.callback:
            original = next(f for cls, f in originals.items() if isinstance(self, cls))
            return original(self, callback, *args, **kwargs)
        merged: dict[str, Any] = {}
        chain: list[click.Context] = []
        ctx: click.Context | None = self
        while ctx is not None:
            chain.insert(0, ctx)
            ctx = ctx.parent
        for level in chain:
            merged.update(level.params)
        raise _Parsed({k: _json(v) for k, v in merged.items()})

    err = io.StringIO()
    with (
        contextlib.ExitStack() as patches,
        mock.patch.object(sys, "argv", [str(script), *argv]),
        mock.patch.object(sys, "stdin", io.StringIO("")),
        _script_path(script.parent),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        for cls in contexts:
            patches.enter_context(mock.patch.object(cls, "invoke", intercept))
        try:
            runpy.run_path(str(script), run_name="__main__")
        except _Parsed as parsed:
            return parsed.params
        except SystemExit as e:
            raise ParserRejected(f"exit {e.code}: {err.getvalue().strip()}") from None
    raise AssertionError(f"{script.name} finished without invoking a command")


def replaced_defaults(command: Command) -> Command:
    """click's ``multiple`` options replace their default when given (argparse's append
    adds to it, which ``fidelity.mismatches`` expects)."""
    params = tuple(dataclasses.replace(p, default=None) if p.emit.kind is ArgKind.APPEND
                   else p for p in command.params)
    return dataclasses.replace(command, params=params)
