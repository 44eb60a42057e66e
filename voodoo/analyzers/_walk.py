"""Read-only tree walks, several times cheaper than ``node.visit(visitor)``.

libcst's ``visit`` rebuilds every node on the way back up, even for a ``CSTVisitor`` that
changes nothing; over a whole module that costs about as much as the parse itself, and the
analyzers walk each module several times. ``walk`` calls the same ``on_visit``/``on_leave``
hooks (so ``visit_If``/``leave_If`` methods work unchanged, and ``visit_X`` returning False
still skips the children) in the same order, without building anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import libcst as cst

__all__ = ["find_all", "walk"]

N = TypeVar("N", bound=cst.CSTNode)

#: node type -> its fields, in the order libcst visits them (source order)
_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


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


def _children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _fields(node):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, tuple | list):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only looks (its return value dropped)."""
    if visitor.on_visit(node):
        for child in _children(node):
            walk(child, visitor)
    visitor.on_leave(node)


def find_all(node: cst.CSTNode, kind: type[N]) -> list[N]:
    """Every node of type ``kind`` in ``node`` (itself included), in source order."""
    found: list[N] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            found.append(current)
        stack.extend(reversed(list(_children(current))))
    return found
