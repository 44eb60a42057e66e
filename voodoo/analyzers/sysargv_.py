"""Raw ``sys.argv``: the items a script reads, as positional parameters (mapping.md).

``sys.argv[1]`` -> ``argv1`` and so on, required unless the script checks ``len(sys.argv)``
(or catches ``IndexError``) and falls back; the fallback is the default. ``sys.argv[k:]``
used as a whole becomes one array parameter ``args``. A raw script sees ``--`` as an
argument, so its commands never use it to end options.
"""

from __future__ import annotations

import re

import libcst as cst

from voodoo.analyzers._context import Context
from voodoo.analyzers._list_reads import find_reads, positional_params
from voodoo.analyzers._walk import iter_nodes
from voodoo.model import Command, Diagnostic, Severity
from voodoo.naming import action_name

__all__ = ["analyze", "detect", "name"]

name = "sysargv"


def detect(ctx: Context) -> bool:
    """The file reads ``sys.argv`` (any alias). Registered last: other frameworks win."""
    if not ctx.imports_module("sys") or not _spelled(ctx):
        return False
    return any(
        isinstance(node, cst.Attribute | cst.Name) and ctx.refers_to(node, "sys.argv")
        for node in iter_nodes(ctx.module)
    )


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """One command whose parameters are the ``sys.argv`` items the script reads."""
    found = find_reads(ctx, lambda expr: ctx.refers_to(expr, "sys.argv"), first=1)
    diagnostics: list[Diagnostic] = []
    if not found.reads and found.rest is None:
        if found.escapes:
            diagnostics.append(_escape(ctx, found.escapes[0]))
        return [], diagnostics
    params = positional_params(ctx, found, first=1, prefix="argv", diagnostics=diagnostics)
    for node in found.escapes:
        diagnostics.append(_escape(ctx, node))
    if any(not p.required for p in params[:-1]):
        diagnostics.append(
            ctx.diagnostic(
                None,
                Severity.INFO,
                "optional-positionals",
                "optional arguments are positional: give a later one only with the ones "
                "before it, or the script reads it at the wrong place",
            )
        )
    command = Command(
        name=action_name(ctx.stem, ()),
        description=_description(ctx, found.usage),
        params=tuple(params),
        double_dash=False,
    )
    return [command], diagnostics


def _escape(ctx: Context, node: cst.CSTNode) -> Diagnostic:
    return ctx.diagnostic(
        node,
        Severity.WARNING,
        "argv-not-followed",
        f"{ctx.code_for(node)} is used in a way that is not followed; "
        "arguments read through it may be missing",
    )


def _description(ctx: Context, usage: list[str]) -> str | None:
    if ctx.docstring:
        first = ctx.docstring.strip().split("\n\n", 1)[0].strip()
        if first:
            return first
    for text in usage:
        if text.strip():
            return text.strip()
    return None


def _spelled(ctx: Context) -> bool:
    """Whether the text spells ``sys.argv`` the way this file's imports name it
    (``sys.argv``, ``s.argv`` after ``import sys as s``, ``argv`` after ``from sys import
    argv``): a free test before the walk. Also true inside comments and strings, which the
    walk then rules out; ``def main(argv=None)`` alone never needs the walk."""
    if ctx.text is None:
        return True
    modules = [local for local, full in ctx.aliases.items() if full == "sys"]
    if "sys" not in ctx.aliases:
        modules.append("sys")  # a name no import binds is taken as written
    names = [local for local, full in ctx.aliases.items() if full == "sys.argv"]
    if "sys" in ctx.star_imports:
        names.append("argv")
    spellings = [rf"{re.escape(m)}\s*\.\s*argv" for m in modules]
    spellings += [re.escape(n) for n in names]
    if not spellings:
        return False
    return re.search(rf"(?<![\w.])(?:{'|'.join(spellings)})(?!\w)", ctx.text) is not None
