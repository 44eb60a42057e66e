"""Framework analyzers: an explicit registry of modules that satisfy ``Analyzer``.

Adding a framework means writing one module with ``name``, ``detect`` and ``analyze`` and
adding it to ``ANALYZERS``; ``detect`` tries them in the dict's order.
"""

from __future__ import annotations

from typing import Protocol

from voodoo.analyzers import (
    argparse_,
    click_,
    docopt_,
    fire_,
    functions_,
    getopt_,
    optparse_,
    sysargv_,
    typer_,
)
from voodoo.analyzers._context import Context
from voodoo.model import Command, Diagnostic

__all__ = ["ANALYZERS", "Analyzer", "Context", "detect"]


class Analyzer(Protocol):
    """One command-line framework. Implemented by a module (see ``argparse_``)."""

    @property
    def name(self) -> str:
        """The framework's name, as in ``Script.framework``."""
        ...

    def detect(self, ctx: Context) -> bool:
        """Cheap check: could this file use the framework? (no deep analysis)"""
        ...

    def analyze(self, ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
        """The file's leaf commands (params named by dest, unrenamed) and findings."""
        ...


# docopt and fire scripts are recognised by their import and call, so they go before the
# frameworks recognised by an import alone (a fire script may import argparse for a type).
ANALYZERS: dict[str, Analyzer] = {
    "docopt": docopt_,
    "fire": fire_,
    # typer before click: a typer app imports click only for its types; click declines a
    # file that imports argparse but declares no click command
    "typer": typer_,
    "click": click_,
    "argparse": argparse_,
    "optparse": optparse_,
    "getopt": getopt_,
    # a ``__main__`` block calling a function with sys.argv values, once no parser
    # framework claimed the file (before the raw sys.argv analyzer, which it refines)
    "functions": functions_,
    # last: scripts of every other framework touch sys.argv too
    "sysargv": sysargv_,
}


def detect(ctx: Context) -> Analyzer | None:
    """The first registered analyzer whose ``detect`` accepts the file, else None."""
    for analyzer in ANALYZERS.values():
        if analyzer.detect(ctx):
            return analyzer
    return None
