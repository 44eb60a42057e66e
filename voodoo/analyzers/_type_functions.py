"""Small local type functions: ``type=positive_int`` where ``positive_int`` converts with
``int(...)``, checks, and returns the converted value (bcc-style tools).

The function is followed only when it is defined at the module's top level, every
``return`` gives ``int(...)``/``float(...)`` (directly, or through a local name assigned
from one), and it does nothing else that could matter: its only calls are a few pure
builtins and the exception it raises. Anything else keeps argparse's "any other callable
-> string" rule.
"""

from __future__ import annotations

import libcst as cst

from voodoo.analyzers._context import Context, dotted_name
from voodoo.analyzers._walk import find_all, iter_nodes

__all__ = ["converted_kind"]

_CONVERTERS = ("int", "float")
#: calls allowed in the function's body outside ``raise`` (no effects, no I/O)
_PURE = frozenset({"int", "float", "abs", "min", "max", "len", "str", "isinstance", "round"})


def converted_kind(ctx: Context, name: str) -> str | None:
    """"int" or "float" when the top-level function ``name`` is a pure converter."""
    functions = [s for s in ctx.module.body
                 if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if len(functions) != 1:
        return None
    fn = functions[0]
    if fn.decorators or fn.asynchronous is not None:
        return None
    converted = _converted_names(fn)
    kinds: set[str] = set()
    for ret in find_all(fn.body, cst.Return):
        kind = _kind(ret.value, converted)
        if kind is None:
            return None
        kinds.add(kind)
    if not kinds or not _pure(fn):
        return None
    return "float" if "float" in kinds else "int"


def _kind(expr: cst.BaseExpression | None, converted: dict[str, str]) -> str | None:
    if isinstance(expr, cst.Call) and dotted_name(expr.func) in _CONVERTERS:
        return dotted_name(expr.func)
    if isinstance(expr, cst.Name):
        return converted.get(expr.value)
    return None


def _converted_names(fn: cst.FunctionDef) -> dict[str, str]:
    """Local names only ever assigned ``int(...)``/``float(...)``: name -> kind."""
    kinds: dict[str, str | None] = {}
    for assign in find_all(fn.body, cst.Assign):
        for target in assign.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                kind = _kind(assign.value, {})
                kinds[name] = kind if kinds.get(name, kind) == kind else None
    for other in find_all(fn.body, cst.AugAssign):
        if isinstance(other.target, cst.Name):
            kinds[other.target.value] = None
    return {name: kind for name, kind in kinds.items() if kind is not None}


def _pure(fn: cst.FunctionDef) -> bool:
    inside_raise = {id(c) for r in find_all(fn.body, cst.Raise) for c in find_all(r, cst.Call)}
    if any(isinstance(n, cst.Global | cst.Nonlocal) for n in iter_nodes(fn.body)):
        return False
    for call in find_all(fn.body, cst.Call):
        if id(call) not in inside_raise and dotted_name(call.func) not in _PURE:
            return False
    return True
