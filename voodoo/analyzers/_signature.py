"""A Python function's signature as action parameters (fire and plain functions).

mapping.md: a parameter without default is required; a bool default makes it boolean;
otherwise the type comes from the annotation, else from the default's type, else string.
Help comes from the docstring (Google, NumPy or reST, read by ``docstring_parser``), the
description from its summary. Defaults are resolved statically or left out and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import docstring_parser
import libcst as cst

from voodoo.analyzers._context import Context, dotted_name
from voodoo.analyzers._values import Known, constant_lookup, static_value
from voodoo.model import Diagnostic, Json, ParamType, Severity, freeze

__all__ = ["Arg", "Doc", "read_doc", "signature", "top_level"]

_SCALARS = {
    "int": ParamType.INTEGER,
    "float": ParamType.NUMBER,
    "bool": ParamType.BOOLEAN,
    "str": ParamType.STRING,
    "dict": ParamType.OBJECT,
}
_SEQUENCES = {
    "list",
    "tuple",
    "set",
    "frozenset",
    "Sequence",
    "Iterable",
    "List",
    "Tuple",
    "Set",
    "FrozenSet",
    "typing.List",
    "typing.Sequence",
    "typing.Tuple",
}
_OPTIONAL = {"Optional", "typing.Optional"}
_DICTS = {"Dict", "typing.Dict", "Mapping", "dict"}


@dataclass(frozen=True, slots=True)
class Arg:
    """One parameter of a function, as an action parameter needs it."""

    name: str
    type: ParamType
    items_type: ParamType | None = None
    default: Json = None
    required: bool = False
    description: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Doc:
    summary: str | None
    params: dict[str, str]


def read_doc(node: cst.FunctionDef | cst.ClassDef | None) -> Doc:
    """The docstring's summary and per-parameter help (any style docstring_parser knows)."""
    text = node.get_docstring(clean=True) if node is not None else None
    if not text:
        return Doc(None, {})
    try:
        parsed = docstring_parser.parse(text)
    except docstring_parser.ParseError:
        return Doc(_first_paragraph(text), {})
    helps = {
        p.arg_name.lstrip("*"): " ".join(p.description.split())
        for p in parsed.params
        if p.description
    }
    summary = parsed.short_description or _first_paragraph(text)
    return Doc(" ".join(summary.split()) if summary else None, helps)


def top_level(ctx: Context) -> Iterator[cst.FunctionDef | cst.ClassDef]:
    """The module's public top-level functions and classes, in source order."""
    for statement in ctx.module.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef) and not (
            statement.name.value.startswith("_")
        ):
            yield statement


def signature(
    ctx: Context,
    fn: cst.FunctionDef,
    *,
    skip_first: bool,
    diagnostics: list[Diagnostic],
    owner: cst.ClassDef | None = None,
) -> list[Arg] | None:
    """The parameters a caller can pass by keyword; None when it cannot be called so.
    ``owner``: the class whose docstring documents ``__init__``'s parameters."""
    params = fn.params
    if params.posonly_params:
        diagnostics.append(
            ctx.diagnostic(
                fn,
                Severity.WARNING,
                "positional-only",
                f"{fn.name.value}() has positional-only parameters; it is left out",
            )
        )
        return None
    doc = read_doc(fn)
    if owner is not None:
        doc = Doc(doc.summary, {**read_doc(owner).params, **doc.params})
    listed = [*params.params, *params.kwonly_params]
    if skip_first and listed and listed[0] in params.params:
        listed = listed[1:]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            diagnostics.append(
                ctx.diagnostic(
                    star,
                    Severity.INFO,
                    "varargs-skipped",
                    f"{fn.name.value}(): *{star.name.value} is not an action parameter",
                )
            )
    return [_arg(ctx, p, doc, diagnostics) for p in listed]


def _arg(ctx: Context, param: cst.Param, doc: Doc, diagnostics: list[Diagnostic]) -> Arg:
    name = param.name.value
    default: Json = None
    value: object = None
    if param.default is not None:
        found = static_value(param.default, constant_lookup(ctx.constants))
        if isinstance(found, Known):
            value = found.value
            default = _json(found.value)
            if default is None and found.value is not None:
                diagnostics.append(
                    ctx.diagnostic(
                        param,
                        Severity.WARNING,
                        "unknown-default",
                        f"the default of {name!r} is not a JSON value; it is left out",
                    )
                )
        else:
            diagnostics.append(
                ctx.diagnostic(
                    param,
                    Severity.WARNING,
                    "unknown-default",
                    f"the default of {name!r} cannot be known statically ({found.reason}); "
                    "it is left out",
                )
            )
    ptype, items = _annotated(ctx, param.annotation)
    if isinstance(value, bool):
        ptype, items = ParamType.BOOLEAN, None
    elif ptype is None:
        ptype, items = _type_of(value)
    if default is not None and not _fits(default, ptype):
        diagnostics.append(
            ctx.diagnostic(
                param,
                Severity.WARNING,
                "default-type",
                f"the default of {name!r} does not fit its annotation; it is left out",
            )
        )
        default = None
    return Arg(
        name=name,
        type=ptype,
        items_type=items,
        default=default,
        required=param.default is None,
        description=doc.params.get(name),
        line=ctx.line_of(param),
    )


def _annotated(
    ctx: Context, annotation: cst.Annotation | None
) -> tuple[ParamType | None, ParamType | None]:
    if annotation is None:
        return None, None
    return _from_expr(ctx, annotation.annotation)


def _from_expr(ctx: Context, expr: cst.BaseExpression) -> tuple[ParamType | None, ParamType | None]:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        sides = [s for s in (expr.left, expr.right) if dotted_name(s) != "None"]
        return _from_expr(ctx, sides[0]) if len(sides) == 1 else (ParamType.STRING, None)
    if isinstance(expr, cst.SimpleString):  # a string annotation: "int"
        found = static_value(expr)
        if isinstance(found, Known) and isinstance(found.value, str):
            try:
                return _from_expr(ctx, cst.parse_expression(found.value))
            except cst.ParserSyntaxError:
                return ParamType.STRING, None
    if isinstance(expr, cst.Subscript):
        outer = ctx.qualname(expr.value) or ""
        inner = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
        if outer in _OPTIONAL and inner:
            return _from_expr(ctx, inner[0])
        if outer in _SEQUENCES:
            item = _from_expr(ctx, inner[0])[0] if inner else None
            return ParamType.ARRAY, item if item not in (None, ParamType.ARRAY) else None
        if outer in _DICTS:
            return ParamType.OBJECT, None
        return ParamType.STRING, None
    name = ctx.qualname(expr) or ""
    if name in _SCALARS:
        return _SCALARS[name], None
    if name in _SEQUENCES:
        return ParamType.ARRAY, None
    return ParamType.STRING, None


def _type_of(value: object) -> tuple[ParamType, ParamType | None]:
    if isinstance(value, bool):
        return ParamType.BOOLEAN, None
    if isinstance(value, int):
        return ParamType.INTEGER, None
    if isinstance(value, float):
        return ParamType.NUMBER, None
    if isinstance(value, list | tuple):
        kinds = {_type_of(v)[0] for v in value}
        return ParamType.ARRAY, kinds.pop() if len(kinds) == 1 else None
    if isinstance(value, dict):
        return ParamType.OBJECT, None
    return ParamType.STRING, None


def _fits(value: Json, ptype: ParamType) -> bool:
    if ptype is ParamType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return _type_of(value)[0] is ptype


def _json(value: object) -> Json:
    try:
        return freeze(value)
    except TypeError:
        return None


def _first_paragraph(text: str) -> str | None:
    first = text.strip().split("\n\n", 1)[0].strip()
    return first or None
