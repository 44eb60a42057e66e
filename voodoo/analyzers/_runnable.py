"""Scripts that run without a command line: ``if __name__ == "__main__": print(check())``.

A file no framework claims becomes an action with no parameters when something runs when
it is executed: a ``__main__`` guard with a body, or top-level statements that do work
(calls that are not module set-up, loops, ``sys.exit(main())``). A module that only
defines things stays skipped; a file that looks like a script (a ``#!`` line, a ``main``
function) but runs nothing is reported; test modules and files with relative imports
(they run only inside their package) are skipped with a note.

``Script.extra`` records ``("entry", "main")`` or ``("entry", "toplevel")``: ingest drops a
``toplevel`` one that another script imports (a helper module with set-up side effects).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from voodoo.analyzers._context import LINES, Context, Statement, is_main_test, iter_statements
from voodoo.analyzers._walk import find_all
from voodoo.model import Command, Diagnostic, Severity
from voodoo.naming import action_name

__all__ = ["Runnable", "name", "runnable"]

name = "noargs"

#: method or function names whose top-level call only sets the module up (no work)
_SETUP_CALLS = frozenset(
    {
        "setLevel",
        "addHandler",
        "basicConfig",
        "dictConfig",
        "fileConfig",
        "captureWarnings",
        "filterwarnings",
        "simplefilter",
        "disable_warnings",
        "insert",
        "append",
        "extend",
        "setdefault",
        "update",
        "register",
        "setup",
        "load_dotenv",
        "seed",
        "use",
        "setrecursionlimit",
        "setdefaulttimeout",
        "install",
        "install_aliases",
        "signal",
        "add_typer",
        "add_command",
        "add_argument",
        "set_defaults",
        "addFilter",
        "setFormatter",
        "standard_library",
        "monkey_patch",
        "patch_all",
        "getLogger",
        "reload",
        "setdefaultencoding",
    }
)

#: a ``__main__`` block calling only these runs a test suite, not an ops task
_TEST_RUNNERS = frozenset(
    {"unittest.main", "pytest.main", "nose.main", "nose.run", "doctest.testmod"}
)


@dataclass(frozen=True, slots=True)
class Runnable:
    """What runs when the file is executed: ``kind`` "main"/"toplevel", or None with the
    reason it is skipped (``note``: INFO, ``warning``: WARNING)."""

    kind: str | None
    command: Command | None
    diagnostics: tuple[Diagnostic, ...] = ()


def runnable(ctx: Context, *, claimed: bool = False) -> Runnable:
    """The no-parameter action of a file without a command line, or why there is none.
    ``claimed``: an analyzer accepted the file and found no command line in it (argparse
    with a parser that has no options): then it runs without arguments indeed."""
    guard = _main_guard(ctx)
    effect = _first_effect(ctx)
    if ctx.stem in ("setup", "conftest") or _is_test(ctx, guard):
        return Runnable(None, None, (_note(ctx, "a test or packaging module; skipped"),))
    kind = (
        "main"
        if guard is not None and _does_work(guard)
        else ("toplevel" if effect is not None else None)
    )
    if kind is None:
        return Runnable(None, None, _no_entry(ctx, guard))
    if ctx.relative_imports:
        return Runnable(
            None,
            None,
            (
                _note(
                    ctx,
                    "runs only inside its package (relative imports): run it with python -m; "
                    "skipped",
                ),
            ),
        )
    elsewhere = None if claimed else _parsed_elsewhere(ctx)
    if elsewhere is not None:
        return Runnable(
            None,
            None,
            (
                ctx.diagnostic(
                    elsewhere,
                    Severity.WARNING,
                    "parser-elsewhere",
                    f"{ctx.code_for(elsewhere)} parses a command line built in another "
                    "module, which is not read; its parameters are not known, so no action "
                    "is generated (an action without them would fail); skipped",
                ),
            ),
        )
    command = Command(
        name=action_name(ctx.stem, ()),
        description=_first_paragraph(ctx.docstring),
        params=(),
        double_dash=False,
        line=ctx.line_of(guard if kind == "main" else effect),
    )
    note = ctx.diagnostic(
        None,
        Severity.INFO,
        "no-args",
        "no command line: the action runs the script without arguments"
        + ("" if kind == "main" else " (it does its work at the top level)"),
    )
    return Runnable(kind, command, (note,))


_PARSE_METHODS = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args"})


def _parsed_elsewhere(ctx: Context) -> cst.Call | None:
    """A ``x.parse_args()`` call in a file no analyzer accepted: the parser comes from
    another module (``from common_cli import base_parser``)."""
    for call in find_all(ctx.module, cst.Call):
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _PARSE_METHODS:
            return call
    return None


def _note(ctx: Context, message: str) -> Diagnostic:
    return ctx.diagnostic(None, Severity.INFO, "no-cli", f"no command line found; {message}")


def _no_entry(ctx: Context, guard: cst.If | None) -> tuple[Diagnostic, ...]:
    """A module that only defines things is skipped quietly (a note); one that looks like a
    script that nothing runs is reported (a warning)."""
    mains = [f for f in _functions(ctx) if f.name.value == "main"]
    if guard is not None:
        why = "its __main__ block does nothing"
    elif mains:
        why = "it defines main() but nothing calls it when the file runs"
    elif ctx.text is not None and ctx.text.startswith("#!"):
        why = "it has a #! line but nothing runs when it is executed"
    else:
        return (_note(ctx, "it only defines things, skipped"),)
    node = guard if guard is not None else (mains[0] if mains else None)
    return (
        ctx.diagnostic(
            node,
            Severity.WARNING,
            "nothing-runs",
            f"no entry point: {why}; skipped (add a __main__ block)",
        ),
    )


def _functions(ctx: Context) -> list[cst.FunctionDef]:
    return [s for s in ctx.module.body if isinstance(s, cst.FunctionDef)]


def _main_guard(ctx: Context) -> cst.If | None:
    for statement in ctx.module.body:
        if isinstance(statement, cst.If) and is_main_test(statement.test):
            return statement
    return None


def _does_work(guard: cst.If) -> bool:
    for statement in iter_statements(guard.body):
        if isinstance(statement, LINES) and all(
            isinstance(small, cst.Pass)
            or (
                isinstance(small, cst.Expr)
                and isinstance(small.value, cst.Ellipsis | cst.SimpleString)
            )
            for small in statement.body
        ):
            continue
        return True
    return False


def _is_test(ctx: Context, guard: cst.If | None) -> bool:
    if ctx.stem.startswith("test_") or ctx.stem.endswith("_test"):
        return True
    if guard is None:
        return False
    calls = [ctx.qualname(c.func) for c in find_all(guard.body, cst.Call)]
    return bool(calls) and all(c in _TEST_RUNNERS for c in calls)


def _first_effect(ctx: Context) -> cst.CSTNode | None:
    """The first top-level statement (outside the ``__main__`` guard) that does work."""
    for statement in ctx.module.body:
        if isinstance(statement, cst.If) and is_main_test(statement.test):
            continue
        if _effect(ctx, statement):
            return statement
    return None


def _effect(ctx: Context, statement: Statement) -> bool:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return False
    if isinstance(statement, LINES):
        return any(_small_effect(ctx, small) for small in statement.body)
    if isinstance(statement, cst.For | cst.While):
        return True
    if isinstance(statement, cst.Try):
        # try: import x / except ImportError: ... is set-up; work inside try is work
        return any(_effect(ctx, s) for s in iter_statements(statement.body))
    if isinstance(statement, cst.If | cst.With):
        blocks = [statement.body]
        if isinstance(statement, cst.If) and statement.orelse is not None:
            blocks.append(
                statement.orelse.body
                if isinstance(statement.orelse, cst.Else)
                else cst.IndentedBlock(body=[statement.orelse])
            )
        return any(_effect(ctx, s) for block in blocks for s in iter_statements(block))
    return False


def _small_effect(ctx: Context, small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Raise):
        return small.exc is not None and _exits(ctx, small.exc)
    if not isinstance(small, cst.Expr):
        return False
    value = small.value
    if isinstance(value, cst.Await):
        return True
    if not isinstance(value, cst.Call):
        return False
    callee = value.func
    last = (
        callee.attr.value
        if isinstance(callee, cst.Attribute)
        else callee.value
        if isinstance(callee, cst.Name)
        else None
    )
    return last not in _SETUP_CALLS


def _exits(ctx: Context, exc: cst.BaseExpression) -> bool:
    """``raise SystemExit(main())``: running the file runs main."""
    return isinstance(exc, cst.Call) and ctx.qualname(exc.func) == "SystemExit" and bool(exc.args)


def _first_paragraph(docstring: str | None) -> str | None:
    if not docstring:
        return None
    return docstring.strip().split("\n\n", 1)[0].strip() or None
