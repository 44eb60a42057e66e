"""click parameters (also what typer builds) -> ``Param``s, following mapping.md.

Both analyzers describe each ``click.Option``/``click.Argument`` the script would create as
a ``ParamSpec`` (declarations, static keyword values, a resolved type); this module applies
click's own rules to it: the name, flags and secondary options, counts, ``multiple``,
``nargs``, defaults, ``required`` and secrets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from voodoo.analyzers._context import Context
from voodoo.analyzers._values import (
    Known,
    Unknown,
    Value,
    constant_lookup,
    env_read,
    json_type,
)
from voodoo.model import (
    ArgKind,
    Diagnostic,
    Emit,
    Joiner,
    Json,
    Param,
    ParamType,
    Severity,
    freeze,
)

__all__ = ["ParamSpec", "TypeSpec", "build_level", "json_type"]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """What a click type means for StackStorm: scalar type, enum, range, tuple arity."""

    type: ParamType | None = None  #: None: not declared (click infers it from the default)
    enum: tuple[Json, ...] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    arity: int | None = None  #: a tuple type: the number of values
    label: str = ""


@dataclass(slots=True)
class ParamSpec:
    """One click parameter as the script declares it."""

    node: cst.CSTNode
    is_option: bool
    decls: list[str]
    kw: dict[str, Value] = field(default_factory=dict)
    kw_nodes: dict[str, cst.BaseExpression] = field(default_factory=dict)
    type: TypeSpec = TypeSpec()
    #: defaults that would be secret/prompted/required by the decorator itself
    implied: dict[str, Any] = field(default_factory=dict)


def build_level(
    ctx: Context, specs: Sequence[ParamSpec], level: int, diagnostics: list[Diagnostic]
) -> list[Param]:
    """One command's (or group's) parameters, in declaration order."""
    params: list[Param] = []
    position = 0
    for spec in specs:
        param = _Builder(ctx, spec, level, position, diagnostics).build()
        if param is None:
            continue
        if param.emit.kind is ArgKind.POSITIONAL:
            position += 1
        params.append(param)
    return _merge_consts(params)


def _const_enum(consts: tuple[tuple[Json, str], ...], default: Json) -> tuple[Json, ...]:
    """mapping.md: the consts of options sharing one name, plus the default when not null
    and not among them (else StackStorm would reject the default, or the script a value)."""
    values = [c for c, _ in consts]
    same = [v for v in values if type(v) is type(default) and v == default]
    if default is not None and not same:
        values.append(default)
    return tuple(dict.fromkeys(values))


def _merge_consts(params: list[Param]) -> list[Param]:
    # --upper/--lower with flag_value= writing one name: one parameter, each option a const.
    merged: dict[str, Param] = {}
    out: list[Param] = []
    for param in map(_flag_value_default, params):
        first = merged.get(param.name)
        if first is not None and first.emit.kind is param.emit.kind is ArgKind.CONST:
            consts = (*first.emit.consts, *param.emit.consts)
            default = first.default if first.default is not None else param.default
            new = replace(
                first,
                emit=replace(first.emit, consts=consts),
                enum=_const_enum(consts, default),
                default=default,
            )
            out[out.index(first)] = new
            merged[param.name] = new
            continue
        merged.setdefault(param.name, param)
        out.append(param)
    return out


def _flag_value_default(param: Param) -> Param:
    """``flag_value="upper", default=True``: click's default is the flag value (and
    ``default=False`` means none), not a boolean on a string parameter."""
    if param.emit.kind is not ArgKind.CONST or not isinstance(param.default, bool):
        return param
    consts = param.emit.consts
    if any(isinstance(c, bool) for c, _ in consts):
        return param
    return replace(param, default=consts[0][0] if param.default and consts else None)


class _Builder:
    def __init__(
        self,
        ctx: Context,
        spec: ParamSpec,
        level: int,
        position: int,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.ctx = ctx
        self.spec = spec
        self.level = level
        self.position = position
        self.diagnostics = diagnostics

    def note(self, node: cst.CSTNode | None, severity: Severity, code: str, message: str) -> None:
        self.diagnostics.append(self.ctx.diagnostic(node, severity, code, message))

    def _env_fallback(self, emit: Emit) -> str | None:
        """The variable click (``envvar=``) or the default (``os.environ.get``) reads for a
        single-value option that is not typed; click tries ``envvar`` names in order."""
        if emit.kind is not ArgKind.OPTION:
            return None
        envvar = self.get("envvar")
        names = [envvar] if isinstance(envvar, str) else list(envvar or ())
        if names and isinstance(names[0], str):
            return names[0]
        node = self.spec.kw_nodes.get("default")
        return env_read(node, constant_lookup(self.ctx.constants))

    def get(self, key: str, fallback: Any = None) -> Any:
        value = self.spec.kw.get(key)
        if isinstance(value, Known):
            return value.value
        if isinstance(value, Unknown) and key not in ("default", "help"):
            self.note(
                self.spec.kw_nodes.get(key),
                Severity.WARNING,
                f"unknown-{key}",
                f"{key}= is not known statically ({value.reason}); click's default is assumed",
            )
        return self.spec.implied.get(key, fallback)

    # -- names -------------------------------------------------------------------------

    def _names(self) -> tuple[str | None, list[str], list[str]]:
        name: str | None = None
        opts: list[str] = []
        secondary: list[str] = []
        for decl in self.spec.decls:
            if decl.isidentifier():
                name = decl
            elif self.spec.is_option and "/" in decl[1:]:
                first, second = decl.split("/", 1)
                opts.append(first.rstrip())
                if second.lstrip():
                    secondary.append(second.lstrip())
            else:
                opts.append(decl)
        if not self.spec.is_option:
            arg = self.spec.decls[0] if self.spec.decls else None
            return (arg.replace("-", "_").lower() if arg else None), [], []
        if name is None and opts:
            ranked = sorted(opts, key=lambda o: -len(_prefix(o)))  # click: longest prefix first
            derived = ranked[0][len(_prefix(ranked[0])) :].replace("-", "_").lower()
            name = derived if derived.isidentifier() else None
        return name, opts, secondary

    # -- build -------------------------------------------------------------------------

    def build(self) -> Param | None:
        spec = self.spec
        name, opts, secondary = self._names()
        if name is None:
            self.note(
                spec.node,
                Severity.WARNING,
                "parameter-lost",
                f"parameter lost: no name can be derived from {spec.decls!r}",
            )
            return None
        if self.get("expose_value", True) is False:
            self.note(
                spec.node,
                Severity.INFO,
                "param-excluded",
                f"{name!r} has expose_value=False: not a parameter",
            )
            return None
        if spec.is_option:
            emit, shape = self._option(opts, secondary)
        else:
            emit, shape = self._argument()
        ptype, items_type, items_items = shape
        default = self._default(name, emit.kind, ptype, items_type)
        if emit.kind is ArgKind.CONST and default is True and emit.consts:
            default = emit.consts[0][0]  # click: default=True on a flag_value option is it
        if ptype is None and default is not None:
            ptype = json_type(default)
        if ptype is None and emit.kind is not ArgKind.CONST:
            ptype = ParamType.STRING
        if ptype is ParamType.ARRAY and items_type is None:
            first = default[0] if isinstance(default, tuple) and default else None
            items_type = json_type(first) or ParamType.STRING
        if items_type is ParamType.ARRAY and items_items is None:
            items_items = ParamType.STRING
        if emit.kind is ArgKind.FLAG and default is True:
            emit = replace(emit, kind=ArgKind.FLAG_FALSE)  # click: flag_value = not default
        required = bool(
            self.get(
                "required", not spec.is_option and self._nargs() != -1 and "default" not in spec.kw
            )
        )
        arity = spec.type.arity or (self._nargs() if self._nargs() > 1 else None)
        is_array = ptype is ParamType.ARRAY
        scalar_enum = spec.type.enum
        return Param(
            name=name,
            dest=name,
            emit=emit,
            type=ptype,
            description=self._description(),
            default=default,
            required=required,
            secret=bool(self.get("hide_input", False)),
            enum=None if is_array else scalar_enum,
            items_type=items_type,
            items_enum=scalar_enum if is_array else None,
            items_items_type=items_items,
            minimum=None if is_array else spec.type.minimum,
            maximum=None if is_array else spec.type.maximum,
            min_items=arity if is_array and emit.kind is not ArgKind.APPEND else None,
            max_items=arity if is_array and emit.kind is not ArgKind.APPEND else None,
            metavar=self.get("metavar") if isinstance(self.get("metavar"), str) else None,
            line=self.ctx.line_of(spec.node),
            env_fallback=self._env_fallback(emit),
        )

    def _nargs(self) -> int:
        nargs = self.get("nargs", 1)
        return nargs if isinstance(nargs, int) and not isinstance(nargs, bool) else 1

    def _scalar(self) -> ParamType | None:
        return self.spec.type.type

    def _option(
        self, opts: list[str], secondary: list[str]
    ) -> tuple[Emit, tuple[ParamType | None, ParamType | None, ParamType | None]]:
        option = next((o for o in opts if o.startswith("--")), opts[0] if opts else "")
        joiner = (
            Joiner.EQUALS
            if option.startswith("--")
            else Joiner.ATTACHED
            if len(option) == 2
            else Joiner.SEPARATE
        )
        base = Emit(ArgKind.OPTION, option=option, joiner=joiner, level=self.level)
        if self.get("count", False):
            return replace(base, kind=ArgKind.COUNT), (ParamType.INTEGER, None, None)
        flag_value = self.spec.kw.get("flag_value")
        is_flag = self.get("is_flag", None)
        if is_flag is None:
            is_flag = bool(secondary) or flag_value is not None
        if is_flag and isinstance(flag_value, Known) and not isinstance(flag_value.value, bool):
            const = freeze(flag_value.value)
            shape = (json_type(flag_value.value), None, None)
            return replace(base, kind=ArgKind.CONST, consts=((const, option),)), shape
        if is_flag and secondary:
            emit = replace(base, kind=ArgKind.FLAG_PAIR, off_option=secondary[0])
            return emit, (ParamType.BOOLEAN, None, None)
        if is_flag:
            if isinstance(flag_value, Known) and flag_value.value is False:
                return replace(base, kind=ArgKind.FLAG_FALSE), (ParamType.BOOLEAN, None, None)
            return replace(base, kind=ArgKind.FLAG), (ParamType.BOOLEAN, None, None)
        many = (self.spec.type.arity or self._nargs()) > 1
        if self.get("multiple", False):
            if many:
                return replace(base, kind=ArgKind.APPEND), (
                    ParamType.ARRAY,
                    ParamType.ARRAY,
                    self._scalar(),
                )
            return replace(base, kind=ArgKind.APPEND), (ParamType.ARRAY, self._scalar(), None)
        if many:
            return replace(base, kind=ArgKind.OPTION_LIST), (ParamType.ARRAY, self._scalar(), None)
        return base, (self._scalar(), None, None)

    def _argument(
        self,
    ) -> tuple[Emit, tuple[ParamType | None, ParamType | None, ParamType | None]]:
        emit = Emit(ArgKind.POSITIONAL, level=self.level, position=self.position)
        nargs = self._nargs()
        if nargs == -1 or nargs > 1 or self.spec.type.arity:
            return emit, (ParamType.ARRAY, self._scalar(), None)
        return emit, (self._scalar(), None, None)

    # -- default / description ---------------------------------------------------------

    def _default(
        self, name: str, kind: ArgKind, ptype: ParamType | None, items: ParamType | None
    ) -> Json:
        value = self.spec.kw.get("default")
        if value is None:
            if kind is ArgKind.COUNT:
                return 0
            if kind in (ArgKind.FLAG, ArgKind.FLAG_PAIR):
                return False
            return None
        node = self.spec.kw_nodes.get("default")
        if isinstance(value, Unknown):
            callable_ = isinstance(node, cst.Lambda) or (
                isinstance(node, cst.Name) and node.value not in self.ctx.constants
            )
            why = "a callable, evaluated at run time" if callable_ else value.reason
            self.note(
                node,
                Severity.WARNING,
                "unknown-default",
                f"the default of {name!r} is not known statically ({why}); omitted",
            )
            return None
        raw = value.value
        if kind is ArgKind.FLAG_PAIR and isinstance(raw, str):
            return None
        if raw is None or (isinstance(raw, tuple | list) and not raw):
            return None
        if ptype is ParamType.ARRAY and not isinstance(raw, tuple | list):
            raw = [raw]
        try:
            default = freeze(raw)
        except TypeError:
            self.note(
                node,
                Severity.WARNING,
                "unknown-default",
                f"the default of {name!r} is not a JSON value; omitted",
            )
            return None
        return default

    def _description(self) -> str | None:
        text = self.get("help")
        parts = [text.strip()] if isinstance(text, str) and text.strip() else []
        envvar = self.get("envvar")
        names = [envvar] if isinstance(envvar, str) else list(envvar or ())
        if names:
            parts.append(f"(environment variable: {', '.join(map(str, names))})")
        return " ".join(parts) or None


def _prefix(option: str) -> str:
    return option[: len(option) - len(option.lstrip(option[:1]))] if option else ""
