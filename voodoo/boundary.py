"""The command line's one error boundary: where an error voodoo raises on purpose ends a
command, with one message in one format and the exit code its class carries.

Its own module so that the ``voodoo`` group (``cli.py``) and the emulator's commands
(``local/commands.py``) share it without either importing the other.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import click

from voodoo.errors import ParameterError, VoodooError

#: ``ctx.meta`` key (shared by a group's and its command's contexts): the command prints
#: JSON, so an error that ends it is printed as JSON too
_JSON_ERRORS = "voodoo.json_errors"


def json_errors(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The callback of the options that choose JSON output (``--format json``, ``--json``):
    a script that reads stdout as JSON gets its error as JSON as well."""
    ctx.meta[_JSON_ERRORS] = value is True or value == "json"
    return value


def print_error(error: VoodooError, as_json: bool = False) -> None:
    """The one format of an error: ``voodoo: error: FILE:LINE: message`` on stderr (a
    ParameterError's message goes on with one line per problem); with JSON output,
    ``{"error": ..., "problems": [...]}`` on stdout instead (problems: every rejected
    parameter, else empty)."""
    if as_json:
        problems = error.problems if isinstance(error, ParameterError) else []
        click.echo(json.dumps({"error": str(error), "problems": problems}, indent=2))
    else:
        click.echo(f"voodoo: error: {error}", err=True)


@contextlib.contextmanager
def error_boundary(ctx: click.Context) -> Iterator[None]:
    """Where a VoodooError ends a command: its message, once (``print_error``), and the
    exit code of its class. Any other exception is a bug in voodoo and goes on up as
    itself, traceback and all, rather than being passed off as a clean failure."""
    try:
        yield
    except VoodooError as error:
        print_error(error, bool(ctx.meta.get(_JSON_ERRORS)))
        ctx.exit(error.exit_code)


__all__ = ["error_boundary", "json_errors", "print_error"]
