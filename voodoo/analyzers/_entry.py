"""Which command-line frameworks the script's entry point actually reaches.

Used only when several analyzers accept one file (a half-done optparse -> argparse
migration behind ``if USE_ARGPARSE:``, a click command that builds an argparse parser for
a sub-tool). From the module's top level (which includes ``if __name__ == "__main__":``)
it follows calls of module functions and class methods by name, skipping the branch of an
``if`` whose test is a statically known constant, and collects the calls it meets. What
shows each framework is used (its ``Markers``) comes from the analyzer registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst

from voodoo.analyzers._context import LINES, Context, Statement, dotted_name, statements_of
from voodoo.analyzers._values import Known, constant_lookup, static_value

__all__ = ["Markers", "present", "reached"]


@dataclass(frozen=True, slots=True)
class Markers:
    """What in a file shows that one framework is in use."""

    calls: tuple[str, ...] = ()  #: callables whose call runs it (``argparse.ArgumentParser``)
    #: the module whose decorators make a function one of its commands (``click.``)
    decorators: str | None = None
    #: ``@app.command()`` makes a command when ``app`` is a module constant set by calling
    #: one of these (``app = typer.Typer()``)
    apps: tuple[str, ...] = ()
    #: ``@cli.command()`` makes a command when ``cli`` is a module function (a click group)
    groups: bool = False


def reached(ctx: Context, markers: Mapping[str, Markers]) -> set[str]:
    """The frameworks (names in ``markers``) whose entry calls run when the script runs."""
    functions: dict[str, list[cst.FunctionDef]] = {}
    for node in _defs(ctx.module.body):
        functions.setdefault(node.name.value, []).append(node)
    found: set[str] = set()
    seen: set[cst.FunctionDef] = set()
    pending: list[list[Statement]] = [statements_of(ctx.module.body)]
    while pending:
        for call in _calls(ctx, pending.pop()):
            qualified = ctx.qualname(call.func) or ""
            found |= {f for f, marks in markers.items() if qualified in marks.calls}
            name = _callee_name(call.func)
            for node in functions.get(name or "", []):
                found |= _decorated_by(ctx, node, functions, markers)
                if node not in seen:
                    seen.add(node)
                    pending.append(statements_of(node.body))
    return found


def present(ctx: Context, markers: Mapping[str, Markers]) -> set[str]:
    """The frameworks whose entry calls or commands appear anywhere in the file."""
    functions = {node.name.value: [node] for node in _defs(ctx.module.body)}
    found: set[str] = set()
    for call in _expr_calls(ctx.module):
        qualified = ctx.qualname(call.func) or ""
        found |= {f for f, marks in markers.items() if qualified in marks.calls}
    for nodes in functions.values():
        found |= _decorated_by(ctx, nodes[0], functions, markers)
    return found


def _decorated_by(
    ctx: Context,
    node: cst.FunctionDef,
    functions: dict[str, list[cst.FunctionDef]],
    markers: Mapping[str, Markers],
) -> set[str]:
    """The frameworks (click, typer) ``node`` is a command of: calling it runs them."""
    found = (_command_of(ctx, d, functions, markers) for d in node.decorators)
    return {framework for framework in found if framework is not None}


def _command_of(
    ctx: Context,
    decorator: cst.Decorator,
    functions: dict[str, list[cst.FunctionDef]],
    markers: Mapping[str, Markers],
) -> str | None:
    """The framework whose command ``decorator`` makes, else None: by the decorator's
    module, else by an app constant (``@app.command()``), else by a group function
    (``@cli.command()``)."""
    callee = _decorator_callee(decorator)
    qualified = ctx.qualname(callee) or ""
    for framework, marks in markers.items():
        if marks.decorators is not None and qualified.startswith(marks.decorators):
            return framework
    if not isinstance(callee, cst.Attribute):
        return None
    owner = dotted_name(callee.value) or ""
    app = ctx.constants.get(owner)
    made_by = ctx.qualname(app.func) if isinstance(app, cst.Call) else None
    for framework, marks in markers.items():
        if made_by is not None and made_by in marks.apps:
            return framework
    for framework, marks in markers.items():
        if marks.groups and owner in functions:
            return framework
    return None


def _decorator_callee(decorator: cst.Decorator) -> cst.BaseExpression:
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr


def _callee_name(func: cst.BaseExpression) -> str | None:
    """``f(...)``, ``obj.f(...)`` and ``f.main(...)`` (click's standalone call) -> a name."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        if func.attr.value == "main" and isinstance(func.value, cst.Name):
            return func.value.value
        return func.attr.value
    return None


def _defs(body: object) -> Iterator[cst.FunctionDef]:
    """Module functions and class methods (nested defs are reached through their body)."""
    for statement in statements_of(body):
        if isinstance(statement, cst.FunctionDef):
            yield statement
        elif isinstance(statement, cst.ClassDef):
            yield from (s for s in statements_of(statement.body) if isinstance(s, cst.FunctionDef))


def _truth(ctx: Context, test: cst.BaseExpression) -> bool | None:
    if isinstance(test, cst.Comparison) and dotted_name(test.left) == "__name__":
        return None  # the __main__ guard: taken when run as a script (and followed)
    value = static_value(test, constant_lookup(ctx.constants, follow=False))
    return bool(value.value) if isinstance(value, Known) else None


def _calls(ctx: Context, statements: list[Statement]) -> Iterator[cst.Call]:
    """Calls in ``statements`` that run when they run: not inside defs, dead branches or
    after a ``return``/``raise`` that always runs."""
    found: list[cst.Call] = []
    _block(ctx, statements, found)
    yield from found


def _block(ctx: Context, statements: list[Statement], found: list[cst.Call]) -> bool:
    """Collect the calls of a block into ``found``; True when the block always leaves."""
    # any() stops at the first statement that leaves: what follows it never runs
    return any(_statement(ctx, statement, found) for statement in statements)


def _statement(ctx: Context, statement: Statement, found: list[cst.Call]) -> bool:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        for decorator in statement.decorators:
            found.extend(_expr_calls(decorator.decorator))
        return False
    if isinstance(statement, LINES):
        found.extend(_expr_calls(statement))
        return any(isinstance(small, cst.Return | cst.Raise) for small in statement.body)
    if isinstance(statement, cst.If):
        truth = _truth(ctx, statement.test)
        found.extend(_expr_calls(statement.test))
        orelse = statement.orelse
        left = _block(ctx, statements_of(statement.body), found) if truth is not False else False
        if truth is True or orelse is None:
            return left and truth is True
        if isinstance(orelse, cst.If):
            right = _statement(ctx, orelse, found)
        else:
            right = _block(ctx, statements_of(orelse.body), found)
        return right if truth is False else left and right
    # other compound statements: header expressions, then every nested block
    for child in statement.children:
        if isinstance(child, cst.BaseSuite):
            _block(ctx, statements_of(child), found)
        elif isinstance(child, cst.CSTNode):
            nested = _nested(child)
            if nested:
                _block(ctx, nested, found)
            else:
                found.extend(_expr_calls(child))
    return False


def _nested(node: cst.CSTNode) -> list[Statement]:
    """Statements inside handler/else/finally clauses of try, for, while, with."""
    suites: list[Statement] = []
    if isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler | cst.Else | cst.Finally):
        suites.extend(statements_of(node.body))
    return suites


def _expr_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    found: list[cst.Call] = []

    class _Find(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

        def visit_Lambda(self, lam: cst.Lambda) -> bool:
            return False

    node.visit(_Find())
    yield from found
