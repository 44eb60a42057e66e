"""Which items of an argument list a script reads: ``sys.argv``, optparse's or getopt's
``args``. Shared by the optparse, getopt and raw ``sys.argv`` analyzers.

A syntactic pass over the whole module (scopes are not tracked: a name that is the list
anywhere is the list everywhere). It finds indexed reads (``L[2]``), unpacking
(``_, a, b = L``), reads that fall back when ``len(L)`` is too small
(``L[2] if len(L) > 2 else "x"``, an ``if len(L) > 2:`` block with an ``else``, or a
``try``/``except IndexError``) and whole-list uses (``L[1:]`` iterated or passed on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from voodoo.analyzers._context import LINES, Context, Line, dotted_name, statements_of
from voodoo.analyzers._values import Known, Unknown, Value, constant_lookup, static_value
from voodoo.analyzers._walk import walk
from voodoo.model import ArgKind, Diagnostic, Emit, Param, ParamType, Severity, freeze

__all__ = ["ListReads", "Read", "find_reads", "positional_params"]

#: Is this expression the list itself? (``sys.argv``, ``args``)
IsList = Callable[[cst.BaseExpression], bool]


@dataclass
class Read:
    """One item of the list the script reads."""

    index: int  #: index in the list as the script sees it
    node: cst.CSTNode
    optional: bool = False  #: the script copes when the list is too short
    default: Value | None = None  #: the fallback it then uses (None: no known fallback)


@dataclass
class ListReads:
    reads: dict[int, Read] = field(default_factory=dict)
    #: ``L[k:]`` used as a whole (iterated, joined, passed on), itself or through a name
    #: bound to it: the lowest such k and node
    rest: tuple[int, cst.CSTNode] | None = None
    #: the list passed somewhere its reads cannot be followed
    escapes: list[cst.CSTNode] = field(default_factory=list)
    #: strings printed (or ``USAGE``-like constants) inside a ``len(L)`` check
    usage: list[str] = field(default_factory=list)
    #: index -> the literals the item is compared with (``L[1] == "--list"``)
    literals: dict[int, list[str | int]] = field(default_factory=dict)
    #: indexes also read as a value (not only compared with literals): no enum
    valued: set[int] = field(default_factory=set)


def find_reads(ctx: Context, is_list: IsList, first: int = 0) -> ListReads:
    """Every read of the list at index ``first`` or later (``sys.argv``: first = 1)."""
    aliases = _aliases(ctx, is_list)

    def offset_of(expr: cst.BaseExpression) -> int | None:
        if is_list(expr):
            return 0
        name = dotted_name(expr)
        return aliases.get(name) if name is not None else None

    visitor = _Visitor(ctx, offset_of, first)
    walk(ctx.module, visitor)
    return visitor.found


def _aliases(ctx: Context, is_list: IsList) -> dict[str, int]:
    """Names bound to the list or to ``L[k:]``: name -> offset k."""
    result: dict[str, int] = {}
    for node in _assignments(ctx.module):
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            continue
        name = node.targets[0].target.value
        if is_list(node.value):
            result[name] = 0
        elif (
            isinstance(node.value, cst.Subscript)
            and is_list(node.value.value)
            and (lower := _slice_start(node.value)) is not None
        ):
            result[name] = lower
    return result


def _assignments(module: cst.Module) -> list[cst.Assign]:
    found: list[cst.Assign] = []

    class _Collect(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            found.append(node)

    walk(module, _Collect())
    return found


def _slice_start(node: cst.Subscript) -> int | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
        return None
    part = node.slice[0].slice
    if part.upper is not None or part.step is not None:
        return None
    if part.lower is None:
        return 0
    return _int(part.lower)


def _int(expr: cst.BaseExpression | None) -> int | None:
    if isinstance(expr, cst.Integer):
        return int(expr.value)
    return None


class _Visitor(cst.CSTVisitor):
    def __init__(
        self, ctx: Context, offset_of: Callable[[cst.BaseExpression], int | None], first: int
    ) -> None:
        self.ctx = ctx
        self._lookup = constant_lookup(ctx.constants)
        self.offset_of = offset_of
        self.first = first
        self.found = ListReads()
        #: (minimum length guaranteed, fallback expr or None) for enclosing guards
        self.guards: list[tuple[int, dict[str, cst.BaseExpression], bool]] = []
        #: nodes already accounted for (so a bare use of the list is not a "whole" use)
        self.handled: set[int] = set()
        #: value node -> the name it is assigned to, for the current statement line
        self.targets: dict[int, str] = {}
        #: id of an ``L[i]`` compared with literals -> those literals
        self.compared: dict[int, list[str | int]] = {}
        #: id of an ``else`` -> the guard it stands for (``if len(L) < k: ... else:``)
        self.else_guards: dict[int, tuple[int, dict[str, cst.BaseExpression], bool]] = {}

    def _record(
        self, index: int, node: cst.CSTNode, default: cst.BaseExpression | None, optional: bool
    ) -> None:
        if index < self.first:
            return
        value = static_value(default, self._lookup) if default is not None else None
        compared = self.compared.get(id(node))
        if compared is None:
            self.found.valued.add(index)
        else:
            known = self.found.literals.setdefault(index, [])
            known.extend(v for v in compared if v not in known)
        read = Read(index, node, optional, value)
        old = self.found.reads.get(index)
        if old is None or (old.optional and not optional) or (old.default is None and value):
            # a read with no fallback anywhere makes the item required
            if old is not None and not old.optional:
                read.optional = False
            self.found.reads[index] = read

    # -- guards ------------------------------------------------------------------------

    def _len_guard(self, test: cst.BaseExpression) -> int | None:
        """``len(L) > k`` -> k + 1 items guaranteed (``>=`` k or ``==`` k -> k); a test
        joined with ``and``: the most any part guarantees; else None."""
        if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
            parts = [
                g
                for g in (self._len_guard(test.left), self._len_guard(test.right))
                if g is not None
            ]
            return max(parts) if parts else None
        found = self._len_compare(test)
        if found is None:
            return None
        operator, bound, offset = found
        if isinstance(operator, cst.GreaterThan):
            return bound + 1 + offset
        if isinstance(operator, cst.GreaterThanEqual | cst.Equal):
            return bound + offset
        return None

    def _short_guard(self, test: cst.BaseExpression) -> int | None:
        """``len(L) < k`` -> the ``else`` has k items (``<=`` k -> k + 1); else None."""
        found = self._len_compare(test)
        if found is None:
            return None
        operator, bound, offset = found
        if isinstance(operator, cst.LessThan):
            return bound + offset
        if isinstance(operator, cst.LessThanEqual):
            return bound + 1 + offset
        return None

    def _len_compare(self, test: cst.BaseExpression) -> tuple[cst.BaseCompOp, int, int] | None:
        """``len(L) OP k`` -> (OP, k, L's offset)."""
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
            return None
        left, comp = test.left, test.comparisons[0]
        if not (
            isinstance(left, cst.Call) and dotted_name(left.func) == "len" and len(left.args) == 1
        ):
            return None
        offset = self.offset_of(left.args[0].value)
        bound = _int(comp.comparator)
        if offset is None or bound is None:
            return None
        return comp.operator, bound, offset

    def _is_len_check(self, test: cst.BaseExpression) -> bool:
        class _Find(cst.CSTVisitor):
            found = False

            def visit_Call(inner, node: cst.Call) -> None:
                if (
                    dotted_name(node.func) == "len"
                    and node.args
                    and self.offset_of(node.args[0].value) is not None
                ):
                    inner.found = True

        finder = _Find()
        walk(test, finder)
        return finder.found

    def _enter_if(self, node: cst.If) -> None:
        if self._is_len_check(node.test):
            self._collect_usage(node.body)
        length = self._len_guard(node.test)
        fallbacks: dict[str, cst.BaseExpression] = {}
        if length is not None and isinstance(node.orelse, cst.Else):
            if _leaves(node.orelse.body):
                length = None  # the short case stops the script: the items are needed
            else:
                fallbacks = _assigned(node.orelse.body)
        self.guards.append((length or 0, fallbacks, length is not None))
        short = self._short_guard(node.test)
        if short is not None and isinstance(node.orelse, cst.Else) and not _leaves(node.body):
            # ``if len(L) < 2: default mode / else: reads L[1]``: the script runs without it
            self.else_guards[id(node.orelse)] = (short, _assigned(node.body), True)

    def leave_If(self, original_node: cst.If) -> None:
        self.guards.pop()

    def visit_Else(self, node: cst.Else) -> None:
        # the else of a length check is where the list is short: no guarantee there,
        # unless the check was for a short list
        self.guards.append(self.else_guards.get(id(node), (0, {}, False)))

    def leave_Else(self, original_node: cst.Else) -> None:
        self.guards.pop()

    def visit_Try(self, node: cst.Try) -> None:
        fallbacks: dict[str, cst.BaseExpression] = {}
        catches = False
        for handler in node.handlers:
            caught = dotted_name(handler.type) if handler.type is not None else "IndexError"
            if caught in ("IndexError", "LookupError", "Exception", "ValueError"):
                catches = catches or caught != "ValueError"
                fallbacks.update(_assigned(handler.body))
        self.guards.append((10**6 if catches else 0, fallbacks, catches))

    def leave_Try(self, original_node: cst.Try) -> None:
        self.guards.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.guards.append((0, {}, False))

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.guards.pop()

    def _collect_usage(self, body: cst.BaseSuite) -> None:
        for statement in statements_of(body):
            if not isinstance(statement, LINES):
                continue
            for small in statement.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    call = small.value
                    name = dotted_name(call.func)
                    if name in ("print", "sys.exit", "exit", "sys.stderr.write") and call.args:
                        value = static_value(call.args[0].value, self._lookup)
                        if isinstance(value, Known) and isinstance(value.value, str):
                            self.found.usage.append(value.value)

    # -- reads -------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        for assign_target in node.targets:
            self.handled.add(id(assign_target.target))
            if isinstance(assign_target.target, cst.Tuple | cst.List):
                self.handled.update(id(e.value) for e in assign_target.target.elements)
        offset = self.offset_of(value)
        if (
            isinstance(value, cst.Subscript)
            and isinstance(node.targets[0].target, cst.Name)
            and _slice_start(value) is not None
            and self.offset_of(value.value) is not None
        ):
            self.handled.add(id(value))  # ``rest = sys.argv[1:]``: an alias, see _aliases
            self.handled.add(id(value.value))
        target = node.targets[0].target if len(node.targets) == 1 else None
        if offset is not None and isinstance(target, cst.Tuple | cst.List):
            self.handled.add(id(value))
            for position, element in enumerate(target.elements):
                if isinstance(element, cst.StarredElement):
                    self.found.rest = self.found.rest or (offset + position, element)
                    break
                self._record(offset + position, element.value, None, False)
            return
        if isinstance(target, cst.Name) and isinstance(value, cst.IfExp):
            self._if_exp(value)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._if_exp(node)

    def _if_exp(self, node: cst.IfExp) -> None:
        if id(node) in self.handled:
            return
        self.handled.add(id(node))
        length = self._len_guard(node.test)
        body = node.body
        if (
            isinstance(body, cst.Call)
            and body.args
            and body.args[0].keyword is None
            and not body.args[0].star
        ):
            body = body.args[0].value  # ``int(sys.argv[2]) if len(sys.argv) > 2 else 30``
        index = self._index_read(body)
        if length is not None and index is not None and index[0] < length:
            self.handled.add(id(body))
            self._record(index[0], body, node.orelse, True)

    def _index_read(self, expr: cst.BaseExpression) -> tuple[int, int] | None:
        """``L[i]`` -> (absolute index, offset)."""
        if not (isinstance(expr, cst.Subscript) and len(expr.slice) == 1):
            return None
        offset = self.offset_of(expr.value)
        part = expr.slice[0].slice
        if offset is None or not isinstance(part, cst.Index):
            return None
        index = _int(part.value)
        return (index + offset, offset) if index is not None else None

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self.handled:
            self.handled.add(id(node.value))
            return
        read = self._index_read(node)
        if read is not None:
            self.handled.add(id(node.value))
            self._record(read[0], node, *self._fallback(node, read[0]))
            return
        offset = self.offset_of(node.value)
        if offset is None:
            return
        self.handled.add(id(node.value))
        start = _slice_start(node)
        if start is None:
            self.found.escapes.append(node)
        else:
            start += offset
            if self.found.rest is None or start < self.found.rest[0]:
                self.found.rest = (start, node)

    def _fallback(self, node: cst.Subscript, index: int) -> tuple[cst.BaseExpression | None, bool]:
        for length, fallbacks, guarded in reversed(self.guards):
            if guarded and index < length:
                target = self.targets.get(id(node))
                return (fallbacks.get(target) if target else None), True
        return None, False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._line(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._line(node)  # (``if len(sys.argv) > 2: x = sys.argv[2]``)

    def _line(self, node: Line) -> None:
        self.targets = {}
        for small in node.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                name = dotted_name(small.targets[0].target)
                if name is not None:
                    self.targets[id(small.value)] = name
                    if isinstance(small.value, cst.Call) and small.value.args:
                        # x = int(sys.argv[2])
                        self.targets[id(small.value.args[0].value)] = name

    def visit_Comparison(self, node: cst.Comparison) -> None:
        """``L[i] == "--list"`` / ``L[i] in ("a", "b")``: the literals the item may be."""
        if len(node.comparisons) != 1 or self._index_read(node.left) is None:
            return
        comp = node.comparisons[0]
        if isinstance(comp.operator, cst.Equal | cst.NotEqual):
            options: Sequence[cst.BaseExpression] = [comp.comparator]
        elif isinstance(comp.operator, cst.In | cst.NotIn) and isinstance(
            comp.comparator, cst.Tuple | cst.List | cst.Set
        ):
            options = [e.value for e in comp.comparator.elements]
        else:
            return
        values = [static_value(o, self._lookup) for o in options]
        literals = [
            v.value
            for v in values
            if isinstance(v, Known)
            and isinstance(v.value, str | int)
            and not isinstance(v.value, bool)
        ]
        if len(literals) == len(options):
            self.compared[id(node.left)] = [str(v) for v in literals]

    def visit_Call(self, node: cst.Call) -> None:
        if dotted_name(node.func) == "len":
            self.handled.update(id(a.value) for a in node.args)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        self.handled.add(id(node.expression))  # ``if not args:``

    def visit_If(self, node: cst.If) -> None:
        self.handled.add(id(node.test))  # ``if args:``
        self._enter_if(node)

    def visit_Param(self, node: cst.Param) -> None:
        self.handled.add(id(node.name))

    def visit_Name(self, node: cst.Name) -> None:
        self._whole_use(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.handled.add(id(node.attr))
        if id(node) in self.handled:
            self.handled.add(id(node.value))
        self._whole_use(node)

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def _whole_use(self, node: cst.Name | cst.Attribute) -> None:
        if id(node) in self.handled:
            return
        offset = self.offset_of(node)
        if offset is None:
            return
        self.handled.add(id(node))
        if offset >= self.first:
            # ``rest = sys.argv[1:]`` then ``main(rest)``: every item from ``offset`` on
            if self.found.rest is None or offset < self.found.rest[0]:
                self.found.rest = (offset, node)
            return
        self.found.escapes.append(node)


def _leaves(body: cst.BaseSuite) -> bool:
    """The block ends the script or its function: its last statement exits, raises or
    returns."""
    statements = statements_of(body)
    if not statements or not isinstance(statements[-1], LINES):
        return False
    for small in statements[-1].body:
        if isinstance(small, cst.Raise | cst.Return):
            return True
        if (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and dotted_name(small.value.func) in ("sys.exit", "exit", "quit", "os._exit")
        ):
            return True
    return False


def _assigned(body: cst.BaseSuite) -> dict[str, cst.BaseExpression]:
    result: dict[str, cst.BaseExpression] = {}
    for statement in statements_of(body):
        if isinstance(statement, LINES):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    name = dotted_name(small.targets[0].target)
                    if name is not None:
                        result[name] = small.value
    return result


def positional_params(
    ctx: Context,
    found: ListReads,
    *,
    first: int,
    prefix: str,
    diagnostics: list[Diagnostic],
) -> list[Param]:
    """One positional string parameter per item read (``prefix`` + 1-based number), then
    ``args`` (an array) for a ``L[k:]`` used as a whole."""
    params: list[Param] = []
    rest = found.rest[0] if found.rest is not None else None
    position = 0
    seen_optional = False
    for index in sorted(found.reads):
        read = found.reads[index]
        if rest is not None and index >= rest:
            continue
        number = index - first + 1
        default = None
        if read.optional and isinstance(read.default, Known):
            raw = read.default.value
            if raw is not None and not isinstance(raw, str | int | float | bool):
                raw = None
            default = freeze(str(raw)) if raw is not None and not isinstance(raw, str) else raw
        elif read.optional and isinstance(read.default, Unknown):
            diagnostics.append(
                ctx.diagnostic(
                    read.node,
                    Severity.WARNING,
                    "unknown-default",
                    f"the fallback of {prefix}{number} is not known statically "
                    f"({read.default.reason}); left without a default",
                )
            )
        required = not read.optional
        if required and seen_optional:
            required = False
        seen_optional = seen_optional or read.optional
        literals = found.literals.get(index)
        enum = tuple(str(v) for v in literals) if literals and index not in found.valued else None
        params.append(
            Param(
                name=f"{prefix}{number}",
                dest=f"{prefix}{number}",
                emit=Emit(ArgKind.POSITIONAL, position=position),
                type=ParamType.STRING,
                default=default,
                required=required,
                enum=enum,
            )
        )
        position += 1
    if found.rest is not None:
        start, node = found.rest
        diagnostics.append(
            ctx.diagnostic(
                node,
                Severity.INFO,
                "variadic-arguments",
                f"the script takes every argument from position {start - first + 1} on; "
                "they are one array parameter 'args', passed as separate arguments",
            )
        )
        params.append(
            Param(
                name="args",
                dest="args",
                emit=Emit(ArgKind.POSITIONAL, position=position),
                type=ParamType.ARRAY,
                items_type=ParamType.STRING,
            )
        )
    return params
