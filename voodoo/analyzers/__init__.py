"""Framework analyzers: an explicit registry of modules that satisfy ``Analyzer``.

Adding a framework means writing one module with ``name``, ``detect`` and ``analyze`` and
registering it in ``ANALYZERS``, with what else the analysis needs to know about it (a
fallback rather than a parser, the calls that show it is used, ...). ``ANALYZERS`` is the
only way in: nothing outside it names an analyzer. ``detect`` tries them in its order.
(``_runnable``, for a file that runs without a command line, is no analyzer: the analysis
turns to it when none found a command.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
from voodoo.analyzers._entry import Markers, present, reached
from voodoo.model import Command, Diagnostic, Severity

__all__ = [
    "ANALYZERS",
    "Analyzer",
    "Context",
    "Registered",
    "analyze_unclaimed",
    "candidates",
    "detect",
]


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


def _no_variables(ctx: Context) -> dict[str, str]:
    return {}


@dataclass(frozen=True, slots=True)
class Registered:
    """One registered framework: its module (``name``, ``detect`` and ``analyze`` are the
    module's), and what else the analysis needs to know about it, so that it never has to
    name an analyzer."""

    module: Analyzer
    #: a real parser; False for a fallback that reads what no parser declared (a
    #: function called with sys.argv values, raw sys.argv). When several accept one file,
    #: only parsers compete for it (``candidates``)
    parser: bool = True
    #: what in a file shows the framework is used: how ``_entry`` tells which of several
    #: parsers the script's entry point reaches
    markers: Markers = field(default_factory=Markers)
    #: with ``--functions`` (``analyze_source(functions=True)``): what it makes of a file
    #: no analyzer claimed
    unclaimed: Callable[[Context], tuple[list[Command], list[Diagnostic]]] | None = None
    #: variable the script's option handling assigns -> the dest of that option's
    #: parameter, when it is not the dest itself (getopt's loop): a password prompt
    #: filling the variable belongs to the parameter
    variables: Callable[[Context], dict[str, str]] = _no_variables

    @property
    def name(self) -> str:
        return self.module.name

    def detect(self, ctx: Context) -> bool:
        return self.module.detect(ctx)

    def analyze(self, ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
        return self.module.analyze(ctx)


#: every analyzer by name, in the order ``detect`` tries them
ANALYZERS: dict[str, Registered] = {
    registered.name: registered
    for registered in (
        # docopt and fire scripts are recognised by their import and call, so they go
        # before the frameworks recognised by an import alone (a fire script may import
        # argparse for a type).
        Registered(docopt_, markers=Markers(calls=("docopt.docopt", "docopt"))),
        Registered(fire_, markers=Markers(calls=("fire.Fire",))),
        # typer before click: a typer app imports click only for its types; click
        # declines a file that imports argparse but declares no click command
        Registered(
            typer_,
            markers=Markers(
                calls=("typer.run", "typer.Typer"), decorators="typer.", apps=("typer.Typer",)
            ),
        ),
        Registered(click_, markers=Markers(decorators="click.", groups=True)),
        Registered(argparse_, markers=Markers(calls=("argparse.ArgumentParser",))),
        Registered(optparse_, markers=Markers(calls=("optparse.OptionParser",))),
        Registered(
            getopt_,
            markers=Markers(calls=("getopt.getopt", "getopt.gnu_getopt")),
            variables=getopt_.variables,
        ),
        # a ``__main__`` block calling a function with sys.argv values, once no parser
        # framework claimed the file (before the raw sys.argv analyzer, which it refines);
        # with --functions, a module no analyzer claimed: one action per public function
        Registered(functions_, parser=False, unclaimed=functions_.analyze_module),
        # last: scripts of every other framework touch sys.argv too
        Registered(sysargv_, parser=False),
    )
}


def detect(ctx: Context) -> Registered | None:
    """The first registered analyzer whose ``detect`` accepts the file, else None."""
    for analyzer in ANALYZERS.values():
        if analyzer.detect(ctx):
            return analyzer
    return None


def analyze_unclaimed(ctx: Context) -> tuple[str | None, list[Command], list[Diagnostic]]:
    """``--functions``, for a file no analyzer claimed: the framework name, commands and
    findings of the registered analyzer that reads such a file (None, [], []: none)."""
    for analyzer in ANALYZERS.values():
        if analyzer.unclaimed is not None:
            commands, diagnostics = analyzer.unclaimed(ctx)
            return analyzer.name, commands, diagnostics
    return None, [], []


def candidates(ctx: Context) -> tuple[list[Registered], list[Diagnostic]]:
    """Every analyzer accepting the file, best first, and a note when there was a choice.

    When several parser frameworks are in one file, the one whose parser the script's entry
    point reaches (``_entry.reached``) goes first; otherwise the registry order decides.
    """
    accepted = [a for a in ANALYZERS.values() if a.detect(ctx)]
    parsers = [a for a in accepted if a.parser]
    if len(parsers) < 2:
        return accepted, []
    markers = {name: registered.markers for name, registered in ANALYZERS.items()}
    used = reached(ctx, markers)
    live = [a for a in parsers if a.name in used]
    chosen = live[0] if live else parsers[0]
    shown = present(ctx, markers)
    if len([a for a in parsers if a.name in shown]) < 2:
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


def _names(analyzers: list[Registered]) -> str:
    names = [a.name for a in analyzers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
