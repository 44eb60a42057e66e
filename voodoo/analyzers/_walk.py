"""Read-only tree walks, several times cheaper than ``node.visit(visitor)``.

libcst's ``visit`` rebuilds every node on the way back up, even for a ``CSTVisitor`` that
changes nothing; over a whole module that costs about as much as the parse itself, and the
analyzers walk each module several times. ``walk`` calls the same ``visit_X``/``leave_X``
methods (``visit_X`` returning False still skips the children) in the same order, without
building anything. Within ``laid_out(module)`` (the analysis of one file), the first walk
lays the module's nodes out in one list (``_Flat``): the later walks, searches and parent
look-ups in it loop over the list instead of taking the tree apart again.

Both walks skip the tree's *trivia*: whitespace, comments, newlines, parentheses,
brackets, commas and other punctuation, and operator tokens (``+``, ``and``, ``==``). They
are about two thirds of a module's nodes and carry nothing an analyzer asks about; a
visitor method for one of them (``visit_Comma``) is never called. Operators are still
there to read on their parent (``node.operator``).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import libcst as cst

__all__ = ["children", "find_all", "flat_parents", "iter_nodes", "laid_out", "walk"]

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


class _Flat:
    """A whole module's nodes in walk order, each with where its subtree ends and its
    parent: built by the first walk over the module, then every walk, search and parent
    look-up in it is a loop over lists (the analysis walks a module several times: the
    analyzer, the environment and password reads, the list reads, line numbers)."""

    __slots__ = ("ends", "index", "nodes", "parents")

    def __init__(self, root: cst.CSTNode) -> None:
        nodes: list[cst.CSTNode] = []
        ends: list[int] = []
        parents: list[int] = []
        # an int on the stack closes that node's subtree; a node comes with its parent
        stack: list[Any] = [(root, -1)]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            item = pop()
            if type(item) is int:
                ends[item] = len(nodes)
                continue
            current, parent = item
            at = len(nodes)
            nodes.append(current)
            ends.append(0)
            parents.append(parent)
            push(at)
            below = children(current)
            if below:
                below.reverse()
                extend([(child, at) for child in below])
        self.nodes, self.ends, self.parents = nodes, ends, parents
        #: id(node) -> its index (the module is held, so no other object takes its id)
        self.index = {id(node): at for at, node in enumerate(nodes)}

    def span(self, node: cst.CSTNode) -> tuple[int, int] | None:
        at = self.index.get(id(node))
        if at is None or self.nodes[at] is not node:
            return None
        return at, self.ends[at]


class _Current:
    """The module ``laid_out`` is in force for, and its layout once a walk needed it."""

    __slots__ = ("flat", "module")

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.flat: _Flat | None = None


#: the module being analyzed: set by ``laid_out`` for one analysis, nothing kept after it
_current: ContextVar[_Current | None] = ContextVar("voodoo_laid_out", default=None)


@contextlib.contextmanager
def laid_out(module: cst.Module) -> Iterator[None]:
    """Within the block, walks, searches and parent look-ups in ``module`` share one layout
    of it, made by the first of them; after the block nothing of it is kept (outside one,
    every walk takes the tree apart itself: the same calls, in the same order)."""
    token = _current.set(_Current(module))
    try:
        yield
    finally:
        _current.reset(token)


def _flat(node: cst.CSTNode) -> tuple[_Flat, int, int] | None:
    """The layout of the module ``laid_out`` is in force for, and ``node``'s span in it;
    None for a node of another module, or outside ``laid_out`` (walked the plain way)."""
    current = _current.get()
    if current is None:
        return None
    if current.flat is None:
        current.flat = _Flat(current.module)
    span = current.flat.span(node)
    return None if span is None else (current.flat, span[0], span[1])


def flat_parents(module: cst.Module) -> dict[int, cst.CSTNode]:
    """id(node) -> its parent (non-trivia), for every node of ``module``."""
    found = _flat(module)
    flat = found[0] if found is not None else _Flat(module)
    nodes = flat.nodes
    return {id(node): nodes[up] for node, up in zip(nodes, flat.parents, strict=True) if up >= 0}


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only looks (its return value dropped)."""
    hooks: dict[type, _Hooks] = {}
    found = _flat(node)
    if found is None:
        _walk_tree(node, visitor, hooks)
        return
    flat, at, stop = found
    nodes, ends = flat.nodes, flat.ends
    leaving: list[tuple[int, Callable[[Any], Any], cst.CSTNode]] = []  # (end, leave, node)
    while at < stop:
        while leaving and leaving[-1][0] <= at:
            _, left, done = leaving.pop()
            left(done)
        current = nodes[at]
        kind = type(current)
        hook = hooks.get(kind)
        if hook is None:
            hook = hooks[kind] = _hooks(visitor, kind)
        visit, leave = hook
        enter = visit is None or visit(current) is not False
        if leave is not None:
            leaving.append((ends[at], leave, current))
        at = at + 1 if enter else ends[at]
    while leaving:
        _, last, done = leaving.pop()
        last(done)


def _hooks(visitor: cst.CSTVisitor, kind: type) -> _Hooks:
    name = kind.__name__
    return getattr(visitor, f"visit_{name}", None), getattr(visitor, f"leave_{name}", None)


def _walk_tree(node: cst.CSTNode, visitor: cst.CSTVisitor, hooks: dict[type, _Hooks]) -> None:
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    pop, push = stack.pop, stack.append
    while stack:
        current, leaving = pop()
        kind = type(current)
        found = hooks.get(kind)
        if found is None:
            found = hooks[kind] = _hooks(visitor, kind)
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
    found = _flat(node)
    if found is not None:
        flat, at, stop = found
        yield from itertools.islice(flat.nodes, at, stop)
        return
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
