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
from voodoo.analyzers._entry import present, reached
from voodoo.model import Command, Diagnostic, Severity

__all__ = ["ANALYZERS", "Analyzer", "Context", "candidates", "detect"]


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


#: analyzers that stand for a real parser (functions and raw sys.argv are fallbacks)
_PARSERS = ("docopt", "fire", "typer", "click", "argparse", "optparse", "getopt")


def candidates(ctx: Context) -> tuple[list[Analyzer], list[Diagnostic]]:
    """Every analyzer accepting the file, best first, and a note when there was a choice.

    When several parser frameworks are in one file, the one whose parser the script's entry
    point reaches (``_entry.reached``) goes first; otherwise the registry order decides.
    """
    accepted = [a for a in ANALYZERS.values() if a.detect(ctx)]
    parsers = [a for a in accepted if a.name in _PARSERS]
    if len(parsers) < 2:
        return accepted, []
    used = reached(ctx)
    live = [a for a in parsers if a.name in used]
    chosen = live[0] if live else parsers[0]
    if len([a for a in parsers if a.name in present(ctx)]) < 2:
        # one framework really used (a typer app importing click for its types)
        return [chosen, *(a for a in accepted if a is not chosen)], []
    if len(live) == 1:
        why = "it is the only one the script's entry point reaches"
    elif live:
        why = f"the entry point reaches {_names(live)}; the first in voodoo's order is used"
    else:
        why = "the entry point reaches none of them; the first in voodoo's order is used"
    note = ctx.diagnostic(
        None,
        Severity.INFO,
        "framework-choice",
        f"the file uses {_names(parsers)}; {chosen.name} is analyzed: {why}",
    )
    return [chosen, *(a for a in accepted if a is not chosen)], [note]


def _names(analyzers: list[Analyzer]) -> str:
    names = [a.name for a in analyzers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
