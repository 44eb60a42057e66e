"""What a script reads at run time besides its command line: passwords typed at a prompt
(``getpass.getpass``) and environment variables. One cheap walk each; nothing is evaluated.

A password read is *tied* to the names its value flows into or falls back from:
``args.password or getpass.getpass()`` and ``args.pw = getpass.getpass()`` name
``password`` and ``pw``; the orchestrator matches those names with parameters.

An environment read is configuration unless it is a parser default (the analyzers already
report those as "env-default"): inside a ``default=`` keyword, ``set_defaults(...)``, a
function parameter's default, ``typer.Option(...)``/``typer.Argument(...)``, or the value
of a module constant that one of those mentions.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from voodoo.analyzers._context import Context, dotted_name
from voodoo.analyzers._values import Known, Value, static_value
from voodoo.analyzers._walk import walk

__all__ = ["EnvRead", "PasswordRead", "env_reads", "password_reads"]

_GETPASS = "getpass.getpass"
_ENV_CALLS = ("os.environ.get", "os.getenv")
_ENVIRON = "os.environ"
_TYPER_DEFAULTS = ("typer.Option", "typer.Argument")


@dataclass(frozen=True, slots=True)
class PasswordRead:
    node: cst.Call
    #: names the value is tied to (attribute names and variables), possibly empty
    names: frozenset[str]


@dataclass(frozen=True, slots=True)
class EnvRead:
    variable: str
    node: cst.CSTNode


def password_reads(ctx: Context) -> list[PasswordRead]:
    """Every ``getpass.getpass(...)`` call (any import spelling) and the names it feeds."""
    if not ctx.imports_module("getpass") or not ctx.mentions("getpass"):
        return []
    finder = _PasswordFinder(ctx)
    walk(ctx.module, finder)
    return finder.found


def env_reads(ctx: Context) -> list[EnvRead]:
    """Environment variables read by name outside parser defaults, in source order."""
    if not ctx.imports_module("os") or not (ctx.mentions("environ") or ctx.mentions("getenv")):
        return []
    finder = _EnvFinder(ctx)
    walk(ctx.module, finder)
    return [r for r, constant in finder.found if constant not in finder.default_names]


def _name_of(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    if isinstance(expr, cst.Name):
        return expr.value
    return None


class _PasswordFinder(cst.CSTVisitor):
    """Keeps a stack of name frames; a call other than getpass starts a fresh scope (the
    value of ``x = f(getpass.getpass())`` is not the password)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.frames: list[set[str] | None] = []
        self.found: list[PasswordRead] = []

    def _push(self, exprs: list[cst.BaseExpression]) -> None:
        self.frames.append({n for n in map(_name_of, exprs) if n is not None})

    def visit_Assign(self, node: cst.Assign) -> None:
        self._push([t.target for t in node.targets])

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.frames.pop()

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._push([node.target])

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        self.frames.pop()

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._push([node.left, node.right])

    def leave_BooleanOperation(self, original_node: cst.BooleanOperation) -> None:
        self.frames.pop()

    def visit_IfExp(self, node: cst.IfExp) -> None:
        parts: list[cst.BaseExpression] = [node.body, node.orelse]
        if isinstance(node.test, cst.Comparison):
            parts.append(node.test.left)
        elif isinstance(node.test, cst.UnaryOperation):
            parts.append(node.test.expression)
        else:
            parts.append(node.test)
        self._push(parts)

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self.frames.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.refers_to(node.func, _GETPASS):
            names: set[str] = set()
            for frame in reversed(self.frames):
                if frame is None:
                    break
                names |= frame
            self.found.append(PasswordRead(node, frozenset(names)))
        self.frames.append(None)

    def leave_Call(self, original_node: cst.Call) -> None:
        self.frames.pop()


class _EnvFinder(cst.CSTVisitor):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.in_default = 0
        self.depth = 0  # function/class nesting: module constants live at depth 0
        self.constant: str | None = None  # the module constant being assigned
        self.default_names: set[str] = set()  # names mentioned inside parser defaults
        self.found: list[tuple[EnvRead, str | None]] = []
        self.writes: set[cst.CSTNode] = set()

    def _lookup(self, expr: cst.BaseExpression) -> Value | None:
        name = dotted_name(expr)
        node = self.ctx.constants.get(name) if name else None
        return static_value(node) if node is not None else None

    def _variable(self, expr: cst.BaseExpression) -> str | None:
        value = static_value(expr, self._lookup)
        return value.value if isinstance(value, Known) and isinstance(value.value, str) else None

    # -- where we are ------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Subscript):
                self.writes.add(target.target)  # os.environ["X"] = ...: not a read
        if self.depth == 0 and len(node.targets) == 1:
            self.constant = _name_of(node.targets[0].target)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self.constant = None

    def visit_Del(self, node: cst.Del) -> None:
        self.writes.add(node.target)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value == "default":
            self.in_default += 1

    def leave_Arg(self, original_node: cst.Arg) -> None:
        if original_node.keyword is not None and original_node.keyword.value == "default":
            self.in_default -= 1

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self.in_default += 1

    def leave_Param(self, original_node: cst.Param) -> None:
        if original_node.default is not None:
            self.in_default -= 1

    def _default_call(self, node: cst.Call) -> bool:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "set_defaults":
            return True
        return any(self.ctx.refers_to(func, name) for name in _TYPER_DEFAULTS)

    # -- reads -------------------------------------------------------------------------

    def visit_Name(self, node: cst.Name) -> None:
        if self.in_default:
            self.default_names.add(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self._default_call(node):
            self.in_default += 1
        if node.args and any(self.ctx.refers_to(node.func, f) for f in _ENV_CALLS):
            self._read(node.args[0].value, node)

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._default_call(original_node):
            self.in_default -= 1

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if node in self.writes or not self.ctx.refers_to(node.value, _ENVIRON):
            return
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            self._read(node.slice[0].slice.value, node)

    def _read(self, expr: cst.BaseExpression, node: cst.CSTNode) -> None:
        if self.in_default:
            return
        variable = self._variable(expr)
        if variable:
            self.found.append((EnvRead(variable, node), self.constant))
