"""optparse: read what a script's ``OptionParser`` defines, without running it.

The shared interpreter (``_interpreter``) walks the file in execution order; the hooks
below record parsers, ``OptionGroup``s, ``add_option`` calls and defaults as optparse
would (dest derivation, implied types, ``set_defaults``). Items of the ``args`` list that
``parse_args`` returns and the script reads by index become positionals ``arg1``, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from voodoo.analyzers._context import Context
from voodoo.analyzers._interpreter import BoundMethod, Frame, Interpreter
from voodoo.analyzers._list_reads import find_reads, positional_params
from voodoo.analyzers._values import Known, Unknown, Value, constant_lookup, env_read
from voodoo.analyzers._walk import walk
from voodoo.model import (
    ArgKind,
    Command,
    Diagnostic,
    Emit,
    Joiner,
    Json,
    Param,
    ParamType,
    Severity,
    freeze,
)
from voodoo.naming import action_name

__all__ = ["analyze", "detect", "name"]

name = "optparse"

_TYPES = {
    "int": ParamType.INTEGER,
    "long": ParamType.INTEGER,
    "float": ParamType.NUMBER,
    "string": ParamType.STRING,
    "choice": ParamType.STRING,
    "complex": ParamType.STRING,
}
_CONVERT: dict[str, Any] = {"int": int, "long": int, "float": float}
_TYPED = ("store", "append", "callback")
_CONSTRUCTOR = {"usage": 0, "version": 3, "description": 5}


class _Marker:
    def __init__(self, label: str) -> None:
        self.label = label


PARSER_CLASS = _Marker("OptionParser")
GROUP_CLASS = _Marker("OptionGroup")


@dataclass(eq=False)
class Option:
    node: cst.Call
    strings: list[str]
    dest: str
    action: str
    type: str | None = None
    nargs: int = 1
    const: Value | None = None
    default: Value | None = None
    default_node: cst.CSTNode | None = None
    choices: Value | None = None
    help: Value | None = None
    metavar: Value | None = None


@dataclass(eq=False)
class Parser:
    node: cst.Call
    description: Value | None = None
    options: list[Option] = field(default_factory=list)
    #: dest -> (value, node), in the order optparse would apply them
    defaults: dict[str, tuple[Value, cst.CSTNode]] = field(default_factory=dict)
    parsed: bool = False


@dataclass(eq=False)
class Group:
    parser: Parser


def detect(ctx: Context) -> bool:
    """The file imports optparse (anything from it)."""
    return ctx.imports_module("optparse")


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """One command: the options of the parser the script parses, then its positionals."""
    recorder = _Recorder(ctx)
    interpreter = Interpreter(ctx, recorder)
    interpreter.run_module()
    interpreter.run_uncalled()
    parsed = [p for p in recorder.parsers if p.parsed] or recorder.parsers
    if not parsed:
        return [], recorder.diagnostics
    root = parsed[0]
    if not root.parsed:
        recorder.note(
            root.node,
            Severity.WARNING,
            "parser-unused",
            "an OptionParser is built but parse_args() is never called on it",
        )
    params = _params(ctx, root, recorder)
    params.extend(_positionals(ctx, recorder.diagnostics))
    command = Command(
        name=action_name(ctx.stem, ()),
        description=_description(ctx, root),
        params=tuple(params),
        double_dash=True,
    )
    return [command], list(dict.fromkeys(recorder.diagnostics))


def _description(ctx: Context, parser: Parser) -> str | None:
    value = parser.description
    if isinstance(value, Known) and isinstance(value.value, str) and value.value.strip():
        return value.value.replace("%prog", ctx.path.replace("\\", "/").rpartition("/")[2]).strip()
    if ctx.docstring:
        return ctx.docstring.strip().split("\n\n", 1)[0].strip() or None
    return None


def _positionals(ctx: Context, diagnostics: list[Diagnostic]) -> list[Param]:
    names = _args_names(ctx.module)
    if not names:
        return []
    found = find_reads(ctx, lambda e: isinstance(e, cst.Name) and e.value in names)
    params = positional_params(ctx, found, first=0, prefix="arg", diagnostics=diagnostics)
    if params:
        diagnostics.append(
            ctx.diagnostic(
                None,
                Severity.INFO,
                "positional-names",
                "optparse has no named positionals: items of the args list the "
                "script reads are parameters arg1, arg2, ... in order",
            )
        )
    return params


def _args_names(module: cst.Module) -> set[str]:
    """Names bound to the second item of ``parser.parse_args()``."""
    names: set[str] = set()

    class _Find(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            value = node.value
            if not (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Attribute)
                and value.func.attr.value == "parse_args"
            ):
                return
            for target in node.targets:
                elements = target.target
                if isinstance(elements, cst.Tuple | cst.List) and len(elements.elements) == 2:
                    second = elements.elements[1].value
                    if isinstance(second, cst.Name):
                        names.add(second.value)

    walk(module, _Find())
    return names


class _Recorder:
    """Interpreter hooks that record optparse objects."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.parsers: list[Parser] = []
        self.diagnostics: list[Diagnostic] = []

    def note(self, node: cst.CSTNode | None, severity: Severity, code: str, message: str) -> None:
        self.diagnostics.append(self.ctx.diagnostic(node, severity, code, message))

    def name(self, qualified: str) -> object:
        if qualified == "optparse.OptionParser":
            return PARSER_CLASS
        if qualified == "optparse.OptionGroup":
            return GROUP_CLASS
        if qualified == "optparse.SUPPRESS_HELP":
            return Known("SUPPRESS" + "HELP")
        if qualified == "optparse.NO_DEFAULT":
            return Known(None)
        return NotImplemented

    def returned(self, value: object) -> None:
        del value

    def call(self, call: cst.Call, callee: object, interp: Interpreter, frame: Frame) -> object:
        if callee is PARSER_CLASS:
            kw = _kwargs(call, interp, frame, _CONSTRUCTOR)
            if "option_list" in kw:
                self.note(
                    call,
                    Severity.WARNING,
                    "parameter-lost",
                    "option_list= is not followed; its options are missing",
                )
            parser = Parser(call, description=_plain(kw.get("description")))
            self.parsers.append(parser)
            return parser
        if callee is GROUP_CLASS:
            args, _ = interp.eval_args(call, frame)
            owner = args[0] if args else None
            if isinstance(owner, Parser):
                return Group(owner)
            return NotImplemented
        if not isinstance(callee, BoundMethod):
            return NotImplemented
        receiver, method = callee.receiver, callee.name
        if not isinstance(receiver, Parser | Group):
            return NotImplemented
        parser = receiver if isinstance(receiver, Parser) else receiver.parser
        if method == "add_option":
            return self.add_option(parser, call, interp, frame)
        if method == "add_option_group":
            args, _ = interp.eval_args(call, frame)
            if args and isinstance(args[0], Group):
                return args[0]
            return Group(parser)
        if method in ("set_defaults", "set_default"):
            self.set_defaults(parser, method, call, interp, frame)
            return Known(None)
        if method == "parse_args":
            interp.eval_args(call, frame)
            parser.parsed = True
            return Unknown("parsed arguments")
        interp.eval_args(call, frame)
        return Unknown(f"result of {method}()")

    def set_defaults(
        self, parser: Parser, method: str, call: cst.Call, interp: Interpreter, frame: Frame
    ) -> None:
        pairs: list[tuple[str, cst.BaseExpression]] = []
        if method == "set_default" and len(call.args) == 2:
            dest = interp.eval(call.args[0].value, frame)
            if isinstance(dest, Known) and isinstance(dest.value, str):
                pairs.append((dest.value, call.args[1].value))
        for arg in call.args:
            if method == "set_defaults" and arg.keyword is not None:
                pairs.append((arg.keyword.value, arg.value))
            elif method == "set_defaults" and arg.star == "**":
                self.note(
                    arg.value,
                    Severity.WARNING,
                    "unknown-default",
                    "set_defaults(**...) is not followed; defaults may be missing",
                )
        for dest, node in pairs:
            parser.defaults[dest] = (_plain(interp.eval(node, frame)) or Unknown("object"), node)

    def add_option(
        self, parser: Parser, call: cst.Call, interp: Interpreter, frame: Frame
    ) -> object:
        strings: list[str] = []
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            value = interp.eval(arg.value, frame)
            if arg.star or not (isinstance(value, Known) and isinstance(value.value, str)):
                self.note(
                    call,
                    Severity.WARNING,
                    "parameter-lost",
                    f"parameter lost: the option strings of {self.ctx.code_for(call)} "
                    "are not known statically",
                )
                return Unknown("lost option")
            strings.append(value.value)
        kw = _kwargs(call, interp, frame, {})
        nodes = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        action = _plain(kw.get("action"))
        kind = action.value if isinstance(action, Known) else "store"
        if not isinstance(kind, str) or isinstance(action, Unknown):
            self.note(
                call,
                Severity.WARNING,
                "custom-action",
                f"the action of {self.ctx.code_for(call)} is not known; "
                "taken as an option with a value",
            )
            kind = "store"
        if kind in ("help", "version") or not strings:
            return Known(None)
        dest = _plain(kw.get("dest"))
        if isinstance(dest, Known) and isinstance(dest.value, str):
            dest_name = dest.value
        else:
            longs = [s for s in strings if s.startswith("--")]
            dest_name = (longs[0][2:] if longs else strings[0][1:]).replace("-", "_")
        option = Option(call, strings, dest_name, kind)
        option.type = self._type(option, kw, nodes)
        nargs = _plain(kw.get("nargs"))
        if isinstance(nargs, Known) and isinstance(nargs.value, int):
            option.nargs = nargs.value
        option.const = _plain(kw.get("const"))
        option.choices = _plain(kw.get("choices"))
        option.help = _plain(kw.get("help"))
        option.metavar = _plain(kw.get("metavar"))
        if kind == "callback":
            self.note(
                call,
                Severity.WARNING,
                "callback-effect",
                f"{strings[-1]} runs callback {self.ctx.code_for(nodes['callback'])}"
                if "callback" in nodes
                else f"{strings[-1]} runs a callback",
            )
            self.diagnostics[-1] = Diagnostic(
                self.diagnostics[-1].path,
                self.diagnostics[-1].line,
                Severity.WARNING,
                "callback-effect",
                self.diagnostics[-1].message
                + "; what it does cannot be known statically, the option is passed as typed",
            )
        if "default" in kw:
            value = _plain(kw["default"]) or Unknown("object")
            parser.defaults[dest_name] = (value, nodes["default"])
        parser.options.append(option)
        return option

    def _type(
        self, option: Option, kw: dict[str, object], nodes: dict[str, cst.BaseExpression]
    ) -> str | None:
        value = kw.get("type")
        if value is None:
            if option.action in ("store", "append"):
                return "choice" if "choices" in kw else "string"
            return None
        if isinstance(value, Known):
            if isinstance(value.value, str):
                return value.value
            if isinstance(value.value, type):
                return {"int": "int", "float": "float", "str": "string"}.get(
                    value.value.__name__, "string"
                )
        self.note(
            nodes.get("type"),
            Severity.WARNING,
            "unknown-type",
            f"the type of {option.strings[-1]} is not known; taken as string",
        )
        return "string"


def _params(ctx: Context, parser: Parser, recorder: _Recorder) -> list[Param]:
    by_dest: dict[str, list[Option]] = {}
    for option in parser.options:
        by_dest.setdefault(option.dest, []).append(option)
    return [_param(ctx, parser, dest, options, recorder) for dest, options in by_dest.items()]


def _option_string(option: Option) -> str:
    longs = [s for s in option.strings if s.startswith("--")]
    return longs[0] if longs else option.strings[0]


def _joiner(option: str) -> Joiner:
    return Joiner.EQUALS if option.startswith("--") else Joiner.ATTACHED


def _param(
    ctx: Context, parser: Parser, dest: str, options: list[Option], recorder: _Recorder
) -> Param:
    first = options[0]
    kinds = {o.action for o in options}
    opt = _option_string(first)
    items_type: ParamType | None = None
    enum: tuple[Json, ...] | None = None
    ptype: ParamType | None
    scalar_type = _TYPES.get(first.type or "string", ParamType.STRING)
    if first.type == "choice" and isinstance(first.choices, Known):
        enum = tuple(freeze(list(first.choices.value)))  # type: ignore[arg-type]
    if kinds <= {"store_true", "store_false", "store_const"}:
        consts: list[tuple[Json, str]] = []
        for o in options:
            if o.action == "store_true":
                consts.append((True, _option_string(o)))
            elif o.action == "store_false":
                consts.append((False, _option_string(o)))
            elif isinstance(o.const, Known):
                consts.append((freeze(o.const.value), _option_string(o)))
        values = [c for c, _ in consts]
        if kinds == {"store_true"}:
            emit, ptype = Emit(ArgKind.FLAG, opt), ParamType.BOOLEAN
        elif kinds == {"store_false"}:
            emit, ptype = Emit(ArgKind.FLAG_FALSE, opt), ParamType.BOOLEAN
        elif kinds == {"store_true", "store_false"} and len(options) == 2:
            on = next(o for o in options if o.action == "store_true")
            off = next(o for o in options if o.action == "store_false")
            emit = Emit(ArgKind.FLAG_PAIR, _option_string(on), _option_string(off))
            ptype = ParamType.BOOLEAN
        else:
            emit = Emit(ArgKind.CONST, opt, consts=tuple(consts))
            ptype = _json_type(values)
            enum = tuple(dict.fromkeys(values))
    elif first.action == "count":
        emit, ptype = Emit(ArgKind.COUNT, opt), ParamType.INTEGER
    elif first.action == "append_const":
        consts = [
            (freeze(o.const.value), _option_string(o))
            for o in options
            if isinstance(o.const, Known)
        ]
        emit = Emit(ArgKind.APPEND_CONST, opt, consts=tuple(consts))
        ptype, items_type = ParamType.ARRAY, _json_type([c for c, _ in consts])
        enum = tuple(dict.fromkeys(c for c, _ in consts)) or None  # the script takes no other
    elif first.action == "append":
        emit = Emit(ArgKind.APPEND, opt, joiner=_joiner(opt))
        ptype, items_type = ParamType.ARRAY, scalar_type
    elif first.action == "callback" and first.type is None:
        emit, ptype = Emit(ArgKind.FLAG, opt), ParamType.BOOLEAN
    elif first.nargs > 1:
        emit = Emit(ArgKind.OPTION_LIST, opt)
        ptype, items_type = ParamType.ARRAY, scalar_type
    else:
        emit, ptype = Emit(ArgKind.OPTION, opt, joiner=_joiner(opt)), scalar_type
    if len(options) > 1 and not kinds <= {"store_true", "store_false", "store_const"}:
        recorder.note(
            options[1].node,
            Severity.INFO,
            "dest-merged",
            f"options writing {dest!r} are one parameter, emitted as {opt}",
        )
    default = _default(ctx, parser, first, ptype, recorder)
    if (
        default is not None
        and first.type in (None, "string")
        and first.action == "store"
        and not isinstance(default, bool)
        and isinstance(default, int | float)
        and not _explicit_type(first)
    ):
        ptype = ParamType.INTEGER if isinstance(default, int) else ParamType.NUMBER
    scalar = ptype is not ParamType.ARRAY
    if enum is not None and default is not None and default not in enum and scalar:
        enum = (*enum, default)
    return Param(
        name=dest.replace("-", "_"),
        dest=dest,
        emit=emit,
        type=ptype,
        description=_help(first, parser),
        default=default,
        enum=enum if ptype is not ParamType.ARRAY else None,
        items_type=items_type,
        items_enum=enum
        if ptype is ParamType.ARRAY and first.action in ("append", "append_const")
        else None,
        min_items=first.nargs if first.nargs > 1 and first.action == "store" else None,
        max_items=first.nargs if first.nargs > 1 and first.action == "store" else None,
        metavar=first.metavar.value
        if isinstance(first.metavar, Known) and isinstance(first.metavar.value, str)
        else None,
        env_fallback=_env_fallback(ctx, parser, dest, emit, len(options)),
    )


def _env_fallback(ctx: Context, parser: Parser, dest: str, emit: Emit, count: int) -> str | None:
    """``default=os.environ.get("X", ...)`` on a single-value option: setting X and typing
    nothing gives the script the same value (optparse converts a string default as it
    converts a typed one)."""
    entry = parser.defaults.get(dest)
    if entry is None or emit.kind is not ArgKind.OPTION or count > 1:
        return None
    return env_read(entry[1], constant_lookup(ctx.constants))


def _explicit_type(option: Option) -> bool:
    return any(a.keyword is not None and a.keyword.value == "type" for a in option.node.args)


def _default(
    ctx: Context, parser: Parser, option: Option, ptype: ParamType | None, recorder: _Recorder
) -> Json:
    entry = parser.defaults.get(option.dest)
    if entry is None:
        return None
    value, node = entry
    if isinstance(value, Unknown):
        recorder.note(
            node,
            Severity.WARNING,
            "unknown-default",
            f"the default of {option.dest!r} is not known statically ({value.reason}); left out",
        )
        return None
    raw = value.value
    if raw is None:
        return None
    if isinstance(raw, str) and option.type in _CONVERT:
        try:
            raw = _CONVERT[option.type](raw)  # optparse converts string defaults
        except ValueError:
            return None
    try:
        frozen = freeze(raw)
    except TypeError:
        recorder.note(
            node,
            Severity.WARNING,
            "unknown-default",
            f"the default of {option.dest!r} is not a JSON value; left out",
        )
        return None
    if ptype is ParamType.ARRAY and not isinstance(frozen, tuple):
        return None
    del ctx
    return frozen


def _help(option: Option, parser: Parser) -> str | None:
    if not (isinstance(option.help, Known) and isinstance(option.help.value, str)):
        return None
    text = option.help.value
    if text == "SUPPRESSHELP":
        return None
    if "%default" in text:
        entry = parser.defaults.get(option.dest)
        shown = "none"
        if entry is not None and isinstance(entry[0], Known) and entry[0].value is not None:
            shown = str(entry[0].value)
        text = text.replace("%default", shown)
    return text.strip() or None


def _json_type(values: list[Json]) -> ParamType | None:
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return ParamType.BOOLEAN
    if kinds == {int}:
        return ParamType.INTEGER
    if kinds <= {int, float} and kinds:
        return ParamType.NUMBER
    if kinds == {str}:
        return ParamType.STRING
    return None


def _plain(value: object) -> Value | None:
    if isinstance(value, Known | Unknown):
        return value
    return None if value is None else Unknown("not a plain value")


def _kwargs(
    call: cst.Call, interp: Interpreter, frame: Frame, positions: dict[str, int]
) -> dict[str, object]:
    return interp.eval_keywords(call, frame, positions)
