"""Pure helpers: the static value of an expression, without ever evaluating code.

``static_value`` understands literals and a small, closed set of operations on values it
already knows. Names (and dotted names) are resolved through a caller-supplied ``lookup``,
so this module knows nothing about scopes, imports or frameworks.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from voodoo.analyzers._context import dotted_name
from voodoo.model import ParamType

__all__ = [
    "Known",
    "Lookup",
    "Unknown",
    "Value",
    "constant_lookup",
    "env_read",
    "json_type",
    "keyword_arg",
    "positional_args",
    "static_value",
]


@dataclass(frozen=True, slots=True)
class Known:
    """A value known statically. ``env`` names environment variables it falls back from."""

    value: Any
    env: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known statically, and why."""

    reason: str
    node: cst.CSTNode | None = field(default=None, repr=False, compare=False)


Value = Known | Unknown
#: Resolves a ``Name`` or ``Attribute`` (and, for calls, the callee) to a value; None: unknown.
Lookup = Callable[[cst.BaseExpression], Value | None]

_MAX_SIZE = 10_000  # refuse to build huge values ("x" * 10**9, range(10**9))

_BINARY: dict[type[cst.BaseBinaryOp], Callable[[Any, Any], Any]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
    cst.BitOr: operator.or_,
    cst.BitAnd: operator.and_,
    cst.BitXor: operator.xor,
    cst.LeftShift: operator.lshift,
    cst.RightShift: operator.rshift,
}
# "%99999999s", "%*s", "{:99999999}" would build huge strings: refuse them.
_HUGE_PERCENT = re.compile(r"%(\([^)]*\))?[-#0 +]*(\d*\.?\d{5,}|\*)")
_HUGE_BRACE = re.compile(r"\{[^{}]*:[^{}]*\d{5,}")
_HUGE_SPEC = re.compile(r"\d{5,}")
_WIDTH_METHODS = frozenset({"zfill", "center", "ljust", "rjust", "format"})
_SAFE_TYPES = (str, bytes, int, float, complex, bool, type(None), tuple, list, dict, set, frozenset)


def _no_lookup(expr: cst.BaseExpression) -> Value | None:
    return None


def constant_lookup(constants: Mapping[str, cst.BaseExpression], *, follow: bool = True) -> Lookup:
    """A ``Lookup`` of module constants (``Context.constants``) by (dotted) name: the one
    every analyzer uses, so a default, a choice or an option string reads a constant alike.

    With ``follow`` (what reading a value needs), a constant's value is itself read with
    the lookup (``B = A + "x"``), each name at most once along one chain: a constant whose
    kept value needs itself (``D = "a"`` then ``D = D + "b"``: only the last assignment is
    a module constant) is not known, rather than read until Python's recursion limit.
    Without ``follow``, only a constant set to a value written out is known (``DEBUG =
    False``, not ``DEBUG = VERBOSE``): ``_entry`` skips a branch of ``if USE_ARGPARSE:``
    as never run only on such a flag, the cautious reading, as a branch wrongly skipped
    hides the framework inside it."""

    def lookup(expr: cst.BaseExpression, seen: frozenset[str] = frozenset()) -> Value | None:
        name = dotted_name(expr)
        node = constants.get(name) if name is not None and name not in seen else None
        if name is None or node is None:
            return None
        if not follow:
            return static_value(node)
        inner = seen | {name}
        return static_value(node, lambda e: lookup(e, inner))

    return lookup


def static_value(expr: cst.BaseExpression, lookup: Lookup = _no_lookup) -> Value:
    """The value of ``expr`` when it is knowable without running code, else ``Unknown``."""
    try:
        return _value(expr, lookup)
    except _Give_up as stop:
        return Unknown(stop.reason, stop.node)
    except (ArithmeticError, LookupError, TypeError, ValueError, MemoryError) as err:
        return Unknown(f"cannot compute ({type(err).__name__})", expr)
    except RecursionError:
        return Unknown("expression too deep", expr)


class _Give_up(Exception):
    def __init__(self, reason: str, node: cst.CSTNode | None) -> None:
        self.reason = reason
        self.node = node


def _known(expr: cst.BaseExpression, lookup: Lookup, env: list[str]) -> Any:
    result = _value(expr, lookup)
    if isinstance(result, Unknown):
        raise _Give_up(result.reason, result.node)
    env.extend(name for name in result.env if name not in env)
    return result.value


def _value(expr: cst.BaseExpression, lookup: Lookup) -> Value:
    env: list[str] = []
    if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary):
        return Known(_number(expr))
    if isinstance(expr, cst.SimpleString):
        return Known(_string(expr))
    if isinstance(expr, cst.ConcatenatedString):
        left = _known(expr.left, lookup, env)
        right = _known(expr.right, lookup, env)
        return Known(_checked(left + right), tuple(env))
    if isinstance(expr, cst.FormattedString):
        return Known(_fstring(expr, lookup, env), tuple(env))
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return Known({"True": True, "False": False, "None": None}[expr.value])
    if isinstance(expr, cst.Name | cst.Attribute):
        found = lookup(expr)
        if found is not None:
            return found
        return Unknown(f"'{dotted_name(expr) or '?'}' is not a known constant", expr)
    if isinstance(expr, cst.Tuple | cst.List | cst.Set):
        items: list[Any] = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                items.extend(_known(element.value, lookup, env))
            else:
                items.append(_known(element.value, lookup, env))
        made: Any = {cst.Tuple: tuple, cst.List: list, cst.Set: set}[type(expr)](items)
        return Known(_checked(made), tuple(env))
    if isinstance(expr, cst.Dict):
        mapping: dict[Any, Any] = {}
        for entry in expr.elements:
            if isinstance(entry, cst.DictElement):
                mapping[_known(entry.key, lookup, env)] = _known(entry.value, lookup, env)
            elif isinstance(entry, cst.StarredDictElement):
                mapping.update(_known(entry.value, lookup, env))
        return Known(mapping, tuple(env))
    if isinstance(expr, cst.UnaryOperation):
        operand = _known(expr.expression, lookup, env)
        if isinstance(expr.operator, cst.Minus):
            return Known(-operand, tuple(env))
        if isinstance(expr.operator, cst.Plus):
            return Known(+operand, tuple(env))
        if isinstance(expr.operator, cst.Not):
            return Known(not operand, tuple(env))
        return Known(~operand, tuple(env))
    if isinstance(expr, cst.BinaryOperation):
        return _binary(expr, lookup, env)
    if isinstance(expr, cst.BooleanOperation):
        return _boolean(expr, lookup)
    if isinstance(expr, cst.Subscript):
        return _subscript(expr, lookup, env)
    if isinstance(expr, cst.Call):
        return _call(expr, lookup, env)
    if isinstance(expr, cst.IfExp):
        return Unknown("conditional expression", expr)
    return Unknown(f"{type(expr).__name__} is not a static value", expr)


def _number(expr: cst.Integer | cst.Float | cst.Imaginary) -> int | float | complex:
    text = expr.value.replace("_", "")
    if isinstance(expr, cst.Integer):
        lowered = text.lower()
        for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
            if lowered.startswith(prefix):
                return int(lowered[2:], base)
        return int(text)
    if isinstance(expr, cst.Float):
        return float(text)
    return complex(text)


def _string(expr: cst.SimpleString) -> str | bytes:
    # A string literal's value without evaluating: decode the escapes ourselves.
    prefix = expr.prefix.lower()
    body = expr.raw_value
    if "r" in prefix:
        return body.encode("latin-1", "backslashreplace") if "b" in prefix else body
    if "b" in prefix:
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return _unescape(body)


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    # unicode_escape works on latin-1 bytes; protect non-latin-1 characters first.
    encoded = body.encode("latin-1", "backslashreplace")
    return encoded.decode("unicode_escape")


def _fstring(expr: cst.FormattedString, lookup: Lookup, env: list[str]) -> str:
    parts: list[str] = []
    for part in expr.parts:
        if isinstance(part, cst.FormattedStringText):
            parts.append(part.value if "r" in expr.prefix.lower() else _unescape(part.value))
            continue
        if not isinstance(part, cst.FormattedStringExpression):
            raise _Give_up("unsupported f-string part", part)
        value = _known(part.expression, lookup, env)
        if part.conversion == "r":
            value = repr(value)
        elif part.conversion == "a":
            value = ascii(value)
        spec = ""
        if part.format_spec is not None:
            spec = "".join(
                p.value
                if isinstance(p, cst.FormattedStringText)
                else str(_known(p.expression, lookup, env))
                if isinstance(p, cst.FormattedStringExpression)
                else ""
                for p in part.format_spec
            )
        if _HUGE_SPEC.search(spec):
            raise _Give_up("format width too large", part)
        formatted = str(format(value, spec))
        parts.append(formatted)
    joined: str = _checked("".join(parts))
    return joined


def _binary(expr: cst.BinaryOperation, lookup: Lookup, env: list[str]) -> Value:
    left = _known(expr.left, lookup, env)
    right = _known(expr.right, lookup, env)
    function = _BINARY.get(type(expr.operator))
    if function is None:
        return Unknown("unsupported operator", expr)
    if not isinstance(left, _SAFE_TYPES) or not isinstance(right, _SAFE_TYPES):
        return Unknown("operation on an unsupported value", expr)
    if isinstance(expr.operator, cst.Multiply):
        _guard_repeat(left, right, expr)
    if (
        isinstance(expr.operator, cst.Power | cst.LeftShift)
        and isinstance(right, int)
        and right > 256
    ):
        raise _Give_up("number too large", expr)
    if isinstance(expr.operator, cst.Modulo) and isinstance(left, str | bytes):
        if _HUGE_PERCENT.search(left if isinstance(left, str) else left.decode("latin-1")):
            return Unknown("format width too large", expr)
        # %-formatting only with values we know; the format string is data, not code.
        return Known(_checked(left % right), tuple(env))
    return Known(_checked(function(left, right)), tuple(env))


def _guard_repeat(left: Any, right: Any, node: cst.CSTNode) -> None:
    for sequence, count in ((left, right), (right, left)):
        sized = isinstance(sequence, str | bytes | list | tuple) and isinstance(count, int)
        if sized and len(sequence) * max(count, 0) > _MAX_SIZE:
            raise _Give_up("value too large", node)


def _checked(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict | set) and len(value) > _MAX_SIZE:
        raise _Give_up("value too large", None)
    return value


def _boolean(expr: cst.BooleanOperation, lookup: Lookup) -> Value:
    left = _value(expr.left, lookup)
    if isinstance(expr.operator, cst.Or):
        # os.environ.get("X") or "fallback" -> the fallback, noting X
        if isinstance(left, Unknown) and _env_name(expr.left, lookup):
            right = _value(expr.right, lookup)
            if isinstance(right, Known):
                return Known(right.value, (_env_name(expr.left, lookup) or "", *right.env))
            return right
        if isinstance(left, Known):
            return left if left.value else _value(expr.right, lookup)
        return left
    if isinstance(left, Known):
        return _value(expr.right, lookup) if left.value else left
    return left


def _subscript(expr: cst.Subscript, lookup: Lookup, env: list[str]) -> Value:
    target = _known(expr.value, lookup, env)
    if len(expr.slice) != 1:
        return Unknown("multi-dimensional subscript", expr)
    index = expr.slice[0].slice
    if isinstance(index, cst.Index):
        return Known(target[_known(index.value, lookup, env)], tuple(env))
    if isinstance(index, cst.Slice):
        bounds = [
            None if part is None else _known(part, lookup, env)
            for part in (index.lower, index.upper, index.step)
        ]
        return Known(target[slice(*bounds)], tuple(env))
    return Unknown("unsupported subscript", expr)


def _call(expr: cst.Call, lookup: Lookup, env: list[str]) -> Value:
    name = dotted_name(expr.func)
    if name in _ENV_GETTERS:
        variable = _env_name(expr, lookup)
        fallback = keyword_arg(expr, "default", 1)
        if variable is None:
            return Unknown("environment variable with a computed name", expr)
        if fallback is None:
            return Unknown(f"read from environment variable {variable} (no fallback)", expr)
        value = _value(fallback, lookup)
        if isinstance(value, Known):
            return Known(value.value, (variable, *value.env))
        return value
    if name == "range" and not any(a.keyword for a in expr.args):
        bounds = [_known(a.value, lookup, env) for a in expr.args]
        made = range(*bounds)
        if len(made) > _MAX_SIZE:
            return Unknown("range too large", expr)
        return Known(list(made), tuple(env))
    if name in _PURE_BUILTINS and not any(a.keyword or a.star for a in expr.args):
        args = [_known(a.value, lookup, env) for a in expr.args]
        if not all(isinstance(a, _SAFE_TYPES) for a in args):
            return Unknown("call on an unsupported value", expr)
        return Known(_checked(_PURE_BUILTINS[name](*args)), tuple(env))
    if isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _STR_METHODS:
        receiver = _value(expr.func.value, lookup)
        if isinstance(receiver, Known) and isinstance(receiver.value, str):
            method_name = expr.func.attr.value
            if any(a.star for a in expr.args) or (
                method_name != "format" and any(a.keyword for a in expr.args)
            ):
                return Unknown("keyword arguments to a string method", expr)
            args = [_known(a.value, lookup, env) for a in expr.args if a.keyword is None]
            kwargs = {
                a.keyword.value: _known(a.value, lookup, env)
                for a in expr.args
                if a.keyword is not None
            }
            if not all(isinstance(a, _SAFE_TYPES) for a in [*args, *kwargs.values()]):
                return Unknown("call on an unsupported value", expr)
            if method_name in _WIDTH_METHODS and (
                any(isinstance(a, int) and a > _MAX_SIZE for a in args)
                or (method_name == "format" and _HUGE_BRACE.search(receiver.value))
            ):
                return Unknown("format width too large", expr)
            method = getattr(receiver.value, method_name)
            try:
                result = method(*args, **kwargs)
            except (KeyError, IndexError, ValueError, AttributeError) as err:
                return Unknown(f"{method_name}() fails: {err}", expr)
            return Known(_checked(result), (*receiver.env, *env))
    return Unknown(f"result of calling {name or 'a function'}()", expr)


_ENV_GETTERS = {"os.environ.get", "os.getenv", "environ.get", "getenv"}
_PURE_BUILTINS: dict[str | None, Callable[..., Any]] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "tuple": tuple,
    "list": list,
    "sorted": sorted,
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
}
_STR_METHODS = frozenset(
    {
        "format",
        "join",
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "split",
        "title",
        "capitalize",
        "casefold",
        "zfill",
        "center",
        "ljust",
        "rjust",
    }
)


def env_read(expr: cst.CSTNode | None, lookup: Lookup = _no_lookup) -> str | None:
    """The variable when ``expr`` is one whole environment read whose value, when the
    variable is set, is the variable's text unchanged: ``os.environ.get("X"[, fallback])``,
    ``os.getenv("X"[, fallback])``. None for anything that transforms or replaces it
    (``os.getenv("X") or "y"`` ignores an empty variable, ``.lower()``, ``"a" + ...``)."""
    if not isinstance(expr, cst.BaseExpression):
        return None
    return _env_name(expr, lookup)


def _env_name(expr: cst.BaseExpression, lookup: Lookup) -> str | None:
    if not isinstance(expr, cst.Call) or dotted_name(expr.func) not in _ENV_GETTERS:
        return None
    first = keyword_arg(expr, "key", 0)
    if first is None:
        return None
    name = _value(first, lookup)
    return name.value if isinstance(name, Known) and isinstance(name.value, str) else None


def keyword_arg(
    call: cst.Call, name: str, position: int | None = None
) -> cst.BaseExpression | None:
    """The expression passed as ``name=`` (or at ``position``, when given) to ``call``."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    if position is not None:
        positional = positional_args(call)
        if position < len(positional):
            return positional[position]
    return None


def positional_args(call: cst.Call) -> list[cst.BaseExpression]:
    """The positional argument expressions of ``call`` (stopping at a ``*args``)."""
    result: list[cst.BaseExpression] = []
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            break
        result.append(arg.value)
    return result


def json_type(value: object) -> ParamType | None:
    """The JSON schema type of a scalar Python value; None for anything else."""
    if isinstance(value, bool):
        return ParamType.BOOLEAN
    if isinstance(value, int):
        return ParamType.INTEGER
    if isinstance(value, float):
        return ParamType.NUMBER
    if isinstance(value, str):
        return ParamType.STRING
    return None
