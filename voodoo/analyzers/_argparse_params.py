"""argparse actions -> ``Param``s, and a chain of parsers -> one ``Command`` (mapping.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from voodoo.analyzers._argparse_tree import REMAINDER, SUPPRESS, Action, Parser
from voodoo.analyzers._context import Context
from voodoo.analyzers._text import argparse_text, tidy
from voodoo.analyzers._values import Known, Unknown, constant_lookup, env_read, json_type
from voodoo.model import (
    ArgKind,
    Command,
    Diagnostic,
    Emit,
    FrozenObject,
    Joiner,
    Json,
    Param,
    ParamType,
    Severity,
    freeze,
)
from voodoo.naming import action_name

_SCALAR_TYPES = {
    "str": ParamType.STRING,
    "int": ParamType.INTEGER,
    "float": ParamType.NUMBER,
    "bool": ParamType.BOOLEAN,
    "other": ParamType.STRING,
}
_CONVERTERS: dict[str, Any] = {"int": int, "float": float, "bool": bool, "str": str}
_OPTIONAL_NARGS = ("?", "*", REMAINDER)
_CONST_KINDS = ("store_const", "store_true", "store_false")


def build_command(ctx: Context, chain: Sequence[Parser], diagnostics: list[Diagnostic]) -> Command:
    """The leaf command at the end of ``chain`` (root first), with every level's params."""
    levels = [_level_params(ctx, parser, diagnostics) for parser in chain]
    params: list[Param] = []
    for index, level in enumerate(levels):
        deeper = {p.name for later in levels[index + 1 :] for p in later}
        params.extend(p for p in level if p.name not in deeper)
    leaf = chain[-1]
    words = leaf.words
    one_of = _required_groups(ctx, chain, diagnostics)
    return Command(
        name=action_name(ctx.stem, words),
        path=words,
        description=_command_description(ctx, chain),
        params=tuple(_say_one_of(p, one_of) for p in params),
        double_dash=True,
        prefix_chars="".join(sorted(set("".join(p.prefix_chars for p in chain)))),
        one_of=tuple(tuple(dests) for dests, _ in one_of),
    )


def _required_groups(
    ctx: Context, chain: Sequence[Parser], diagnostics: list[Diagnostic]
) -> list[tuple[list[str], str]]:
    """Required mutually exclusive groups whose members write different dests: (the dests,
    "one of --list, --host is required"). Reported once per group."""
    found: list[tuple[list[str], str]] = []
    for parser in chain:
        groups: dict[int, list[Action]] = {}
        for action in parser.actions:
            if action.group is not None and action.group.mutex and action.group.required:
                groups.setdefault(id(action.group), []).append(action)
        for members in groups.values():
            dests = list(dict.fromkeys(m.dest for m in members))
            if len(dests) < 2:
                continue  # one dest (store_const members): that parameter is required
            labels = ", ".join(dict.fromkeys(_long_label(m) for m in members))
            sentence = f"one of {labels} is required"
            found.append((dests, sentence))
            node = members[0].group.node if members[0].group is not None else None
            diagnostics.append(
                ctx.diagnostic(
                    node,
                    Severity.INFO,
                    "one-of-required",
                    f"{sentence} (a required mutually exclusive group): StackStorm cannot say "
                    "so, the parameters are optional and the action refuses a run with none "
                    "or more than one of them",
                )
            )
    return found


def _long_label(action: Action) -> str:
    longs = [o for o in action.option_strings if o[1:2] == o[:1]]
    return (longs or action.option_strings or [action.dest])[0]


def _say_one_of(param: Param, one_of: list[tuple[list[str], str]]) -> Param:
    sentences = [sentence for dests, sentence in one_of if param.dest in dests]
    if not sentences:
        return param
    extra = "; ".join(sentences)
    text = f"{param.description} ({extra})" if param.description else extra[:1].upper() + extra[1:]
    return dataclasses.replace(param, description=text)


def _command_description(ctx: Context, chain: Sequence[Parser]) -> str | None:
    leaf = chain[-1]
    for value, prog in ((leaf.description, leaf.prog), (leaf.help, _parent_prog(chain))):
        if isinstance(value, Known) and isinstance(value.value, str) and value.value != SUPPRESS:
            # line breaks kept (paragraphs read better in StackStorm than argparse's
            # re-wrapping); runs of spaces and title underlines go (tidy)
            text = tidy(_expand_prog(value.value, prog))
            if text:
                return text
    if ctx.docstring:
        first = ctx.docstring.strip().split("\n\n", 1)[0].strip()
        return first or None
    return None


def _raw_formatter(ctx: Context) -> bool:
    """The file uses a Raw*HelpFormatter: its texts are shown as written."""
    return ctx.mentions("RawTextHelpFormatter") or ctx.mentions("RawDescriptionHelpFormatter")


def _parent_prog(chain: Sequence[Parser]) -> str:
    return chain[-2].prog if len(chain) > 1 else chain[-1].prog


def _expand_prog(text: str, prog: str) -> str:
    if "%(prog)" not in text:
        return text
    try:
        return text % {"prog": prog}
    except (KeyError, ValueError, TypeError):
        return text


# -- one level -------------------------------------------------------------------------


def _level_params(ctx: Context, parser: Parser, diagnostics: list[Diagnostic]) -> list[Param]:
    by_dest: dict[str, list[Action]] = {}
    for action in parser.actions:
        by_dest.setdefault(action.dest, []).append(action)
    required_dests = _mutex_required(parser.actions)
    params: list[Param] = []
    position = 0
    for dest, actions in by_dest.items():
        builder = _ParamBuilder(ctx, parser, actions, diagnostics)
        param = builder.build(position, dest in required_dests)
        if param.emit.kind is ArgKind.POSITIONAL:
            position += 1
        params.append(param)
    return params


def _mutex_required(actions: Sequence[Action]) -> set[str]:
    groups: dict[int, list[Action]] = {}
    for action in actions:
        if action.group is not None and action.group.mutex and action.group.required:
            groups.setdefault(id(action.group), []).append(action)
    return {members[0].dest for members in groups.values() if len({m.dest for m in members}) == 1}


@dataclass
class _Shape:
    type: ParamType | None
    items_type: ParamType | None = None
    items_items_type: ParamType | None = None


class _ParamBuilder:
    def __init__(
        self, ctx: Context, parser: Parser, actions: list[Action], diagnostics: list[Diagnostic]
    ) -> None:
        self.ctx = ctx
        self.parser = parser
        self.actions = actions
        self.first = actions[0]
        self.diagnostics = diagnostics

    def note(self, node: cst.CSTNode | None, severity: Severity, code: str, message: str) -> None:
        self.diagnostics.append(self.ctx.diagnostic(node, severity, code, message))

    def build(self, position: int, mutex_required: bool) -> Param:
        first = self.first
        kinds = [a.kind for a in self.actions]
        emit, shape, enum, items_enum = self._emit_and_shape(kinds, position)
        if (
            first.type is None
            and first.kind in ("store", "custom")
            and shape.type is ParamType.STRING
        ):
            # mapping.md: an untyped option is declared like its numeric default
            raw = first.default.value if isinstance(first.default, Known) else None
            if isinstance(raw, int) and not isinstance(raw, bool):
                shape.type = ParamType.INTEGER
            elif isinstance(raw, float):
                shape.type = ParamType.NUMBER
        scalar = shape.type is not ParamType.ARRAY
        default = self._default(shape)
        if emit.kind is ArgKind.CONST and len(self.actions) > 1 and enum is not None:
            if default is not None and default not in enum:
                enum = (*enum, default)
        elif enum is not None and default is not None and default not in enum and scalar:
            enum = (*enum, default)
        if (
            emit.kind in (ArgKind.FLAG, ArgKind.FLAG_FALSE)
            and default is not None
            and (default is (emit.kind is ArgKind.FLAG))
        ):
            # store_true with default True (or store_false with False): typing the option
            # changes nothing, so the other value cannot be expressed. Say so in the schema.
            enum = (default,)
            self.note(
                first.node,
                Severity.WARNING,
                "flag-always",
                f"{self._label(first)} is {first.kind} with default {default}: it can "
                f"never be {not default}, so the parameter only accepts {default}",
            )
        min_items, max_items = (
            _list_bounds(first.nargs)
            if emit.kind in (ArgKind.OPTION_LIST, ArgKind.POSITIONAL) and not scalar
            else (None, None)
        )
        # mapping.md: merged parameters are required if any of them is
        required = mutex_required or any(
            a.required or (a.positional and a.nargs not in _OPTIONAL_NARGS) for a in self.actions
        )
        return Param(
            name=first.dest.replace("-", "_"),
            dest=first.dest,
            emit=emit,
            type=shape.type,
            description=self._description(),
            default=default,
            required=required,
            enum=enum,
            items_type=shape.items_type,
            items_enum=items_enum,
            items_items_type=shape.items_items_type,
            min_items=min_items,
            max_items=max_items,
            metavar=self._metavar(),
            env_fallback=self._env_fallback(emit),
        )

    def _env_fallback(self, emit: Emit) -> str | None:
        """``default=os.environ.get("X", ...)`` on a single-value option: typing nothing and
        setting X gives the script the same value (argparse converts a string default with
        ``type=`` as it converts a typed one)."""
        if emit.kind is not ArgKind.OPTION or len(self.actions) > 1:
            return None
        return env_read(self.first.default_node, constant_lookup(self.ctx.constants))

    # -- emit & type -------------------------------------------------------------------

    def _emit_and_shape(
        self, kinds: list[str], position: int
    ) -> tuple[Emit, _Shape, tuple[Json, ...] | None, tuple[Json, ...] | None]:
        first = self.first
        level = self.parser.level
        if len(self.actions) > 1:
            if all(k in _CONST_KINDS for k in kinds):
                if sorted(kinds) == ["store_false", "store_true"]:
                    on = next(a for a in self.actions if a.kind == "store_true")
                    off = next(a for a in self.actions if a.kind == "store_false")
                    emit = Emit(ArgKind.FLAG_PAIR, self._option(on), self._option(off), level=level)
                    return emit, _Shape(ParamType.BOOLEAN), None, None
                consts = self._consts()
                emit = Emit(ArgKind.CONST, self._option(first), consts=consts, level=level)
                values = tuple(c for c, _ in consts)
                return emit, _Shape(_json_type(values)), _unique(values), None
            if all(k == "append_const" for k in kinds):
                consts = self._consts()
                values = tuple(c for c, _ in consts)
                emit = Emit(ArgKind.APPEND_CONST, self._option(first), consts=consts, level=level)
                return emit, _Shape(ParamType.ARRAY, _json_type(values)), None, _unique(values)
            others = ", ".join(self._label(a) for a in self.actions[1:])
            self.note(
                self.actions[1].node,
                Severity.INFO,
                "dest-merged",
                f"{others} also write(s) {first.dest!r}; the parameter follows "
                f"{self._label(first)} only",
            )
        return self._single(first, position, level)

    def _single(
        self, action: Action, position: int, level: int
    ) -> tuple[Emit, _Shape, tuple[Json, ...] | None, tuple[Json, ...] | None]:
        kind = action.kind
        option = self._option(action)
        joiner = self._joiner(option)
        choices = self._choices(action)
        if kind == "store_true":
            return Emit(ArgKind.FLAG, option, level=level), _Shape(ParamType.BOOLEAN), None, None
        if kind == "store_false":
            return (
                Emit(ArgKind.FLAG_FALSE, option, level=level),
                _Shape(ParamType.BOOLEAN),
                None,
                None,
            )
        if kind == "boolean_optional":
            if option.startswith("--"):
                emit = Emit(ArgKind.FLAG_PAIR, option, "--no-" + option[2:], level=level)
            else:
                emit = Emit(ArgKind.FLAG, option, level=level)
            return emit, _Shape(ParamType.BOOLEAN), None, None
        if kind == "count":
            return Emit(ArgKind.COUNT, option, level=level), _Shape(ParamType.INTEGER), None, None
        if kind in ("store_const", "append_const"):
            consts = self._consts()
            values = tuple(c for c, _ in consts)
            if kind == "store_const":
                emit = Emit(ArgKind.CONST, option, consts=consts, level=level)
                return emit, _Shape(_json_type(values)), None, None
            emit = Emit(ArgKind.APPEND_CONST, option, consts=consts, level=level)
            return emit, _Shape(ParamType.ARRAY, _json_type(values)), None, _unique(values)
        if kind == "custom" and action.nargs == 0:
            return Emit(ArgKind.FLAG, option, level=level), _Shape(ParamType.BOOLEAN), None, None
        item = self._item_type(action)
        true_token, false_token = self._tokens(action)
        many = _is_many(action.nargs)
        if action.positional:
            emit = Emit(
                ArgKind.POSITIONAL,
                level=level,
                position=position,
                true_token=true_token,
                false_token=false_token,
            )
        elif kind == "append":
            emit = Emit(
                ArgKind.APPEND,
                option,
                joiner=joiner if not many else Joiner.SEPARATE,
                level=level,
                true_token=true_token,
                false_token=false_token,
            )
            if many:
                return emit, _Shape(ParamType.ARRAY, ParamType.ARRAY, item), None, None
            return emit, _Shape(ParamType.ARRAY, item), None, choices
        elif kind == "extend" or many:
            emit = Emit(
                ArgKind.OPTION_LIST,
                option,
                joiner=Joiner.SEPARATE,
                level=level,
                true_token=true_token,
                false_token=false_token,
            )
        else:
            emit = Emit(
                ArgKind.OPTION,
                option,
                joiner=joiner,
                level=level,
                true_token=true_token,
                false_token=false_token,
            )
        if many or kind == "extend":
            return emit, _Shape(ParamType.ARRAY, item), None, choices
        return emit, _Shape(item), choices, None

    def _item_type(self, action: Action) -> ParamType:
        return ParamType.STRING if action.type is None else _SCALAR_TYPES[action.type.kind]

    def _tokens(self, action: Action) -> tuple[str, str]:
        if action.type is not None and action.type.kind == "bool":
            self.note(
                action.node,
                Severity.INFO,
                "bool-type",
                f"{self._label(action)} uses type=bool: argparse's bool() treats any "
                "non-empty string as true, so false is passed as an empty string",
            )
            return "1", ""
        return "true", "false"

    def _option(self, action: Action) -> str:
        strings = action.option_strings
        if not strings:
            return ""
        chars = self.parser.prefix_chars
        longs = [s for s in strings if len(s) > 1 and s[1] in chars]
        return longs[0] if longs else strings[0]

    def _joiner(self, option: str) -> Joiner:
        chars = self.parser.prefix_chars
        if len(option) > 2 and option[1] in chars:
            return Joiner.EQUALS
        if len(option) == 2:
            return Joiner.ATTACHED
        return Joiner.SEPARATE

    def _consts(self) -> tuple[tuple[Json, str], ...]:
        consts: list[tuple[Json, str]] = []
        for action in self.actions:
            if action.kind == "store_true":
                value: Any = True
            elif action.kind == "store_false":
                value = False
            elif isinstance(action.const, Known):
                value = action.const.value
            else:
                self.note(
                    action.node,
                    Severity.WARNING,
                    "unknown-const",
                    f"the const of {self._label(action)} is not known statically; "
                    "that option cannot be chosen",
                )
                continue
            frozen = _freeze(value)
            if frozen is _NOT_JSON:
                self.note(
                    action.node,
                    Severity.WARNING,
                    "unknown-const",
                    f"the const of {self._label(action)} is not a JSON value",
                )
                continue
            consts.append((frozen, self._option(action)))  # type: ignore[arg-type]
        return tuple(consts)

    def _choices(self, action: Action) -> tuple[Json, ...] | None:
        choices = action.choices
        if choices is None:
            return None
        if isinstance(choices, Unknown):
            self.note(
                choices.node or action.node,
                Severity.WARNING,
                "unknown-choices",
                f"the choices of {self._label(action)} are not known statically; "
                "any value is accepted",
            )
            return None
        values = choices.value
        if isinstance(values, dict):
            values = list(values)
        elif isinstance(values, set | frozenset):
            try:
                values = sorted(values)
            except TypeError:
                values = list(values)
        elif isinstance(values, str):
            values = list(values)
        if not isinstance(values, list | tuple):
            return None
        frozen = [_freeze(v) for v in values]
        if any(f is _NOT_JSON for f in frozen):
            self.note(
                action.node,
                Severity.WARNING,
                "unknown-choices",
                f"the choices of {self._label(action)} are not JSON values; any value is accepted",
            )
            return None
        return _unique(tuple(frozen)) or None  # type: ignore[arg-type]

    # -- default -----------------------------------------------------------------------

    def _default(self, shape: _Shape) -> Json:
        action = self.first
        raw = action.default
        if raw is None:
            if action.kind == "store_true":
                return False
            if action.kind == "store_false":
                return True
            return None
        node = action.default_node or action.node
        if isinstance(raw, Unknown):
            self.note(
                node,
                Severity.WARNING,
                "unknown-default",
                f"the default of {self._label(action)} is not known statically "
                f"({raw.reason}); it is left out",
            )
            return None
        value = raw.value
        if value is None or value == SUPPRESS:
            return None
        for variable in raw.env:
            self.note(
                node,
                Severity.INFO,
                "env-default",
                f"the default of {self._label(action)} comes from environment variable "
                f"{variable} when it is set; the action's default is the fallback "
                f"{value!r}",
            )
        converter = action.type.kind if action.type is not None else "str"
        if isinstance(value, str) and converter in ("int", "float", "bool"):
            try:
                value = _CONVERTERS[converter](value)
            except ValueError:
                self.note(
                    node,
                    Severity.WARNING,
                    "invalid-default",
                    f"the default {value!r} of {self._label(action)} is not a valid "
                    f"{converter}; it is left out",
                )
                return None
        frozen = _freeze(value)
        if frozen is _NOT_JSON:
            self.note(
                node,
                Severity.WARNING,
                "unknown-default",
                f"the default of {self._label(action)} is not a JSON value; it is left out",
            )
            return None
        if not _fits(frozen, shape.type):  # type: ignore[arg-type]
            self.note(
                node,
                Severity.WARNING,
                "default-type-mismatch",
                f"the default {value!r} of {self._label(action)} does not fit its type "
                f"{shape.type}; it is left out",
            )
            return None
        return frozen  # type: ignore[return-value]

    # -- text --------------------------------------------------------------------------

    def _description(self) -> str | None:
        action = self.first
        help_value = action.help
        if help_value is None:
            return None
        if isinstance(help_value, Unknown):
            self.note(
                action.node,
                Severity.WARNING,
                "unknown-help",
                f"the help of {self._label(action)} is not known statically",
            )
            return None
        text = help_value.value
        if not isinstance(text, str) or text == SUPPRESS:
            return None
        if "%" in text:
            text = self._expand_help(text, action)
        return argparse_text(text, _raw_formatter(self.ctx)) or None

    def _expand_help(self, text: str, action: Action) -> str:
        """As argparse's ``HelpFormatter._expand_help``."""
        default: Any = _shown(action.default, self.ctx)
        if action.default is None:
            default = {"store_true": False, "store_false": True}.get(action.kind)
        params: dict[str, Any] = {
            "option_strings": action.option_strings,
            "dest": action.dest,
            "nargs": action.nargs,
            "const": _shown(action.const, self.ctx),
            "default": default,
            "type": action.type.display if action.type is not None else None,
            "choices": _shown(action.choices, self.ctx),
            "required": action.required,
            "help": text,
            "metavar": _shown(action.metavar, self.ctx),
            "prog": self.parser.prog,
        }
        params = {k: v for k, v in params.items() if v != SUPPRESS}
        if isinstance(params.get("choices"), list | tuple | dict | set | range):
            params["choices"] = ", ".join(str(c) for c in params["choices"])
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text

    def _metavar(self) -> str | None:
        metavar = self.first.metavar
        if isinstance(metavar, Known):
            if isinstance(metavar.value, str):
                return metavar.value
            if isinstance(metavar.value, tuple):
                return " ".join(map(str, metavar.value))
        return None

    def _label(self, action: Action) -> str:
        return "/".join(action.option_strings) or action.dest


_NOT_JSON = object()


def _freeze(value: Any) -> Json | object:
    if isinstance(value, float) and value != value:  # NaN
        return _NOT_JSON
    try:
        return freeze(value)
    except TypeError:
        return _NOT_JSON


def _fits(value: Json, expected: ParamType | None) -> bool:
    if expected is None:
        return True
    if expected is ParamType.STRING:
        return isinstance(value, str)
    if expected is ParamType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is ParamType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is ParamType.BOOLEAN:
        return isinstance(value, bool)
    if expected is ParamType.ARRAY:
        return isinstance(value, tuple) and not _is_object(value)
    return _is_object(value)


def _is_object(value: object) -> bool:
    return isinstance(value, FrozenObject)


def _json_type(values: Sequence[Json]) -> ParamType | None:
    types = {_type_of(v) for v in values}
    if types == {ParamType.INTEGER, ParamType.NUMBER}:
        return ParamType.NUMBER
    return types.pop() if len(types) == 1 else None


def _type_of(value: Json) -> ParamType | None:
    scalar = json_type(value)
    if scalar is not None:
        return scalar
    if _is_object(value):
        return ParamType.OBJECT
    if isinstance(value, tuple):
        return ParamType.ARRAY
    return None


def _unique(values: tuple[Json, ...]) -> tuple[Json, ...]:
    result: list[Json] = []
    for value in values:
        if not any(value == seen and type(value) is type(seen) for seen in result):
            result.append(value)
    return tuple(result)


def _list_bounds(nargs: Any) -> tuple[int | None, int | None]:
    """minItems/maxItems of a list the parser takes in one go: '+' needs one, N exactly N."""
    if nargs == "+":
        return 1, None
    if isinstance(nargs, int) and not isinstance(nargs, bool) and nargs >= 1:
        return nargs, nargs
    return None, None


def _is_many(nargs: Any) -> bool:
    return nargs in ("+", "*", REMAINDER, "A...") or (
        isinstance(nargs, int) and not isinstance(nargs, bool) and nargs >= 1
    )


def _shown(value: Known | Unknown | None, ctx: Context) -> Any:
    if isinstance(value, Known):
        return value.value
    if isinstance(value, Unknown):
        return ctx.code_for(value.node) if value.node is not None else "?"
    return None
