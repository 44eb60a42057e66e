"""Plain functions: a script whose ``__main__`` block calls one of its functions with
values from ``sys.argv`` (``main(*sys.argv[1:])``), and, with ``--functions``, every public
top-level function of a module that has no command line.

Such an action is the function: the generated wrapper imports the script (``runpy``,
never as ``__main__``) and calls the function with the parameters as keyword arguments
(``Command.invocation == "call"``), so typed values arrive typed.
"""

from __future__ import annotations

import libcst as cst

from voodoo.analyzers._context import LINES, Context, Statement, is_main_test, iter_statements
from voodoo.analyzers._signature import Arg, read_doc, signature, top_level
from voodoo.analyzers._walk import find_all
from voodoo.model import ArgKind, Command, Diagnostic, Emit, Param
from voodoo.naming import action_name

__all__ = ["analyze", "analyze_module", "detect", "name"]

name = "functions"


def detect(ctx: Context) -> bool:
    """The ``__main__`` block calls a top-level function with arguments from sys.argv."""
    return _entry(ctx) is not None


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """One action calling the function the ``__main__`` block calls."""
    entry = _entry(ctx)
    if entry is None:
        return [], []
    diagnostics: list[Diagnostic] = []
    command = _command(ctx, entry, action_name(ctx.stem), diagnostics)
    return ([command] if command is not None else []), diagnostics


def analyze_module(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """``--functions``: one action per public top-level function of the module."""
    diagnostics: list[Diagnostic] = []
    commands = []
    for node in top_level(ctx):
        if isinstance(node, cst.FunctionDef) and node.asynchronous is None:
            command = _command(ctx, node, action_name(ctx.stem, [node.name.value]), diagnostics)
            if command is not None:
                commands.append(command)
    return commands, diagnostics


def _command(
    ctx: Context, fn: cst.FunctionDef, action: str, diagnostics: list[Diagnostic]
) -> Command | None:
    args = signature(ctx, fn, skip_first=False, diagnostics=diagnostics)
    if args is None:
        return None
    doc = read_doc(fn)
    return Command(
        name=action,
        description=doc.summary or _first_paragraph(ctx.docstring),
        params=tuple(_param(arg, i) for i, arg in enumerate(args)),
        invocation="call",
        function=fn.name.value,
        line=ctx.line_of(fn),
    )


def _param(arg: Arg, position: int) -> Param:
    # "call" passes values by keyword (dest); the emit only records the order.
    return Param(
        name=arg.name,
        dest=arg.name,
        emit=Emit(ArgKind.POSITIONAL, position=position),
        type=arg.type,
        items_type=arg.items_type,
        description=arg.description,
        default=arg.default,
        required=arg.required,
        line=arg.line,
    )


def _entry(ctx: Context) -> cst.FunctionDef | None:
    functions = {
        node.name.value: node
        for node in top_level(ctx)
        if isinstance(node, cst.FunctionDef) and node.asynchronous is None
    }
    for statement in ctx.module.body:
        if not (isinstance(statement, cst.If) and is_main_test(statement.test)):
            continue
        for inner in iter_statements(statement.body):
            for call in _calls(inner):
                target = call.func.value if isinstance(call.func, cst.Name) else None
                if target in functions and call.args and _reads_argv(ctx, call):
                    return functions[target]
    return None


def _calls(statement: Statement) -> list[cst.Call]:
    if not isinstance(statement, LINES):
        return []
    return find_all(statement, cst.Call)


def _reads_argv(ctx: Context, call: cst.Call) -> bool:
    """Some argument is ``sys.argv[...]`` (maybe converted) or ``*sys.argv[1:]``."""
    for arg in call.args:
        for sub in find_all(arg.value, cst.Subscript):
            if ctx.qualname(sub.value) == "sys.argv" and (
                arg.star == "*" or isinstance(sub.slice[0].slice, cst.Index)
            ):
                return True
    return False


def _first_paragraph(docstring: str | None) -> str | None:
    if not docstring:
        return None
    return docstring.strip().split("\n\n", 1)[0].strip() or None
