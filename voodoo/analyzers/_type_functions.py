"""Small local type functions: ``type=positive_int`` where ``positive_int`` converts with
``int(...)``, checks, and returns the converted value (bcc-style tools).

The function is followed only when it is defined at the module's top level, every
``return`` gives ``int(...)``/``float(...)`` (directly, or through a local name assigned
from one), and it does nothing else that could matter: its only calls are a few pure
builtins and the exception it raises. Anything else keeps argparse's "any other callable
-> string" rule.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from voodoo.analyzers._context import Context, dotted_name
from voodoo.analyzers._walk import find_all, iter_nodes

__all__ = ["converted_kind"]

_CONVERTERS = ("int", "float")
#: calls allowed in the function's body outside ``raise`` (no effects, no I/O)
_PURE = frozenset({"int", "float", "abs", "min", "max", "len", "str", "isinstance", "round"})


def converted_kind(ctx: Context, name: str, _seen: frozenset[str] = frozenset()) -> str | None:
    """ "int" or "float" when the top-level function ``name`` is a pure converter (it may
    call another one: ``ival = positive_int(val)``)."""
    functions = [
        s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.name.value == name
    ]
    if len(functions) != 1 or name in _seen:
        return None
    fn = functions[0]
    if fn.decorators or fn.asynchronous is not None:
        return None
    seen = _seen | {name}

    def local(callee: str) -> str | None:
        return converted_kind(ctx, callee, seen)

    converted = _converted_names(fn, local)
    kinds: set[str] = set()
    for ret in find_all(fn.body, cst.Return):
        kind = _kind(ret.value, converted, local)
        if kind is None:
            return None
        kinds.add(kind)
    if not kinds or not _pure(fn, local):
        return None
    return "float" if "float" in kinds else "int"


def _kind(
    expr: cst.BaseExpression | None, converted: dict[str, str], local: Callable[[str], str | None]
) -> str | None:
    if isinstance(expr, cst.Call):
        callee = dotted_name(expr.func)
        if callee in _CONVERTERS:
            return callee
        if callee is not None and "." not in callee:
            return local(callee)
        return None
    if isinstance(expr, cst.Name):
        return converted.get(expr.value)
    return None


def _converted_names(fn: cst.FunctionDef, local: Callable[[str], str | None]) -> dict[str, str]:
    """Local names only ever assigned a conversion: name -> kind."""
    kinds: dict[str, str | None] = {}
    for assign in find_all(fn.body, cst.Assign):
        for target in assign.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                kind = _kind(assign.value, {}, local)
                kinds[name] = kind if kinds.get(name, kind) == kind else None
    for other in find_all(fn.body, cst.AugAssign):
        if isinstance(other.target, cst.Name):
            kinds[other.target.value] = None
    return {name: kind for name, kind in kinds.items() if kind is not None}


def _pure(fn: cst.FunctionDef, local: Callable[[str], str | None]) -> bool:
    inside_raise = {id(c) for r in find_all(fn.body, cst.Raise) for c in find_all(r, cst.Call)}
    if any(isinstance(n, cst.Global | cst.Nonlocal) for n in iter_nodes(fn.body)):
        return False
    for call in find_all(fn.body, cst.Call):
        callee = dotted_name(call.func) or ""
        if id(call) not in inside_raise and callee not in _PURE and local(callee) is None:
            return False
    return True
