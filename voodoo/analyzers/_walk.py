"""Read-only tree walks, several times cheaper than ``node.visit(visitor)``.

libcst's ``visit`` rebuilds every node on the way back up, even for a ``CSTVisitor`` that
changes nothing; over a whole module that costs about as much as the parse itself, and the
analyzers walk each module several times. ``walk`` calls the same ``visit_X``/``leave_X``
methods (``visit_X`` returning False still skips the children) in the same order, without
building anything.

Both walks skip the tree's *trivia*: whitespace, comments, newlines, parentheses,
brackets, commas and other punctuation, and operator tokens (``+``, ``and``, ``==``). They
are about two thirds of a module's nodes and carry nothing an analyzer asks about; a
visitor method for one of them (``visit_Comma``) is never called. Operators are still
there to read on their parent (``node.operator``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import libcst as cst

__all__ = ["children", "find_all", "iter_nodes", "walk"]

N = TypeVar("N", bound=cst.CSTNode)

_TRIVIA: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Colon,
    cst.Semicolon,
    cst.Dot,
    cst.AssignEqual,
    cst.Asynchronous,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.ImportStar,
)

#: node type -> its fields, in the order libcst visits them (source order)
_FIELDS: dict[type, tuple[str, ...]] = {}
#: a field value's type -> 1: a node to walk, 2: a sequence, 0: anything else (trivia,
#: None, strings, sentinels)
_KIND: dict[type, int] = {tuple: 2, list: 2, type(None): 0, str: 0}


class _FieldOrder(cst.CSTVisitor):
    """Records the order in which ``visit`` enters the fields of ``root`` (not deeper)."""

    def __init__(self, root: cst.CSTNode) -> None:
        super().__init__()
        self.root = root
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node is self.root

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.root:
            self.fields.append(attribute)


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    fields = _FIELDS.get(type(node))
    if fields is None:
        order = _FieldOrder(node)
        node.visit(order)  # once per node type: the children are not entered
        fields = _FIELDS[type(node)] = tuple(order.fields)
    return fields


def _kind(kind: type) -> int:
    found = _KIND[kind] = int(issubclass(kind, cst.CSTNode) and not issubclass(kind, _TRIVIA))
    return found


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's non-trivia children, in source order."""
    out: list[cst.CSTNode] = []
    kinds = _KIND
    fields = _FIELDS.get(type(node))
    for name in _fields(node) if fields is None else fields:
        value = getattr(node, name)
        kind = kinds.get(type(value))
        if kind is None:
            kind = _kind(type(value))
        if kind == 1:
            out.append(value)
        elif kind == 2:
            for item in value:
                item_kind = kinds.get(type(item))
                if item_kind is None:
                    item_kind = _kind(type(item))
                if item_kind == 1:
                    out.append(item)
    return out


_Hooks = tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only looks (its return value dropped)."""
    hooks: dict[type, _Hooks] = {}
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    pop, push = stack.pop, stack.append
    while stack:
        current, leaving = pop()
        kind = type(current)
        found = hooks.get(kind)
        if found is None:
            name = kind.__name__
            found = hooks[kind] = (
                getattr(visitor, f"visit_{name}", None),
                getattr(visitor, f"leave_{name}", None),
            )
        visit, leave = found
        if leaving:
            assert leave is not None
            leave(current)
            continue
        enter = visit is None or visit(current) is not False
        if leave is not None:
            push((current, True))
        if enter:
            stack.extend([(child, False) for child in reversed(children(current))])


def iter_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it, in source order (pre-order), lazily: a search
    that stops at its first hit walks no further."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        below = children(current)
        below.reverse()
        stack.extend(below)


def find_all(node: cst.CSTNode, kind: type[N]) -> list[N]:
    """Every node of type ``kind`` in ``node`` (itself included), in source order."""
    return [found for found in iter_nodes(node) if isinstance(found, kind)]
