"""argparse: read what a script's ``ArgumentParser`` defines, without running it.

The interpreter (``_interpreter``) walks the file in execution order; the hooks below
record parsers, groups, sub-parsers and ``add_argument`` calls as argparse would (dest
derivation, ``parents=``, ``set_defaults``, ``argument_default``...). The parser the
script actually parses is the root; every leaf of its sub-command tree becomes a
``Command`` (``_argparse_params`` turns its actions into ``Param``s).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from voodoo.analyzers._argparse_params import build_command
from voodoo.analyzers._argparse_tree import (
    ACTION_CLASSES,
    ACTION_STRINGS,
    CONSTANTS,
    Action,
    Group,
    Parser,
    Subparsers,
    TypeInfo,
)
from voodoo.analyzers._choices import static_choices
from voodoo.analyzers._context import Context
from voodoo.analyzers._dispatch import with_dispatch_enums
from voodoo.analyzers._interpreter import (
    BoundMethod,
    Class,
    Frame,
    Instance,
    Interpreter,
    find_method,
)
from voodoo.analyzers._type_functions import converted_kind
from voodoo.analyzers._values import Known, Unknown, Value, keyword_arg
from voodoo.analyzers._walk import iter_nodes
from voodoo.model import Command, Diagnostic, Severity

__all__ = ["analyze", "detect", "name"]

name = "argparse"

_PARSER_CLASS = "argparse.ArgumentParser"


class _ParserClass:
    """The value of the name ``argparse.ArgumentParser`` (or an alias of it)."""


class _ActionClass:
    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name


PARSER_CLASS = _ParserClass()
_CONSTRUCTOR_POSITIONS = {"prog": 0, "usage": 1, "description": 2, "epilog": 3, "parents": 4}
_BUILTIN_TYPES = {"int": "int", "float": "float", "str": "str", "bool": "bool"}


def detect(ctx: Context) -> bool:
    """The file imports argparse (anything from it)."""
    return ctx.imports_module("argparse")


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """Every leaf command of the parser the script parses, with its parameters."""
    recorder = _Recorder(ctx)
    interpreter = Interpreter(ctx, recorder)
    interpreter.run_module()
    interpreter.run_uncalled()
    if interpreter.exhausted:
        recorder.warn(
            None,
            "analysis-budget",
            "the file is too complex to follow completely; some parameters may be missing",
        )
    root = recorder.choose_root()
    if root is None:
        return [], recorder.diagnostics
    recorder.report_lost()
    commands = [build_command(ctx, chain, recorder.diagnostics) for chain in _leaves(root, [root])]
    commands = with_dispatch_enums(ctx, commands, recorder.diagnostics)
    # global parameters are built once per leaf: report each finding once
    return commands, list(dict.fromkeys(recorder.diagnostics))


def _adds_to_known(callee: object) -> bool:
    """Whether an ``add_argument`` call goes to a parser or group the analysis records (or
    to the script's own method of that name, which the analysis then follows)."""
    if not isinstance(callee, BoundMethod):
        return False
    receiver = callee.receiver
    if isinstance(receiver, Parser | Group):
        return True
    return isinstance(receiver, Instance) and find_method(receiver.cls, callee.name) is not None


def _leaves(parser: Parser, chain: list[Parser]) -> list[list[Parser]]:
    if parser.subparsers is None or not parser.subparsers.choices:
        return [chain]
    result: list[list[Parser]] = []
    for _, child in parser.subparsers.choices:
        result.extend(_leaves(child, [*chain, child]))
    return result


class _Recorder:
    """Interpreter hooks that record argparse objects."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.parsers: list[Parser] = []
        self.diagnostics: list[Diagnostic] = []
        #: ``x.add_argument(...)`` calls met with ``x`` not known, and those met with a
        #: parser or group (a helper run alone first, then with its parser, is not lost)
        self.unknown_adds: dict[cst.Call, None] = {}
        self.known_adds: set[cst.Call] = set()

    # -- diagnostics -------------------------------------------------------------------

    def warn(self, node: cst.CSTNode | None, code: str, message: str) -> None:
        self.diagnostics.append(self.ctx.diagnostic(node, Severity.WARNING, code, message))

    def info(self, node: cst.CSTNode | None, code: str, message: str) -> None:
        self.diagnostics.append(self.ctx.diagnostic(node, Severity.INFO, code, message))

    # -- hooks -------------------------------------------------------------------------

    def name(self, qualified: str) -> object:
        if qualified in CONSTANTS:
            return Known(CONSTANTS[qualified])
        if qualified == _PARSER_CLASS:
            return PARSER_CLASS
        if qualified in ACTION_CLASSES:
            return _ActionClass(ACTION_CLASSES[qualified], qualified.rpartition(".")[2])
        return NotImplemented

    def returned(self, value: object) -> None:
        if isinstance(value, Parser):
            value.returned = True

    def call(self, call: cst.Call, callee: object, interp: Interpreter, frame: Frame) -> object:
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "add_argument":
            if _adds_to_known(callee):
                self.known_adds.add(call)
            else:
                self.unknown_adds[call] = None
        if callee is PARSER_CLASS or (
            isinstance(callee, Class) and any(b is PARSER_CLASS for b in callee.bases)
        ):
            return self.new_parser(call, interp, frame)
        if not isinstance(callee, BoundMethod):
            return NotImplemented
        receiver, method = callee.receiver, callee.name
        if isinstance(receiver, Subparsers) and method == "add_parser":
            return self.add_parser(receiver, call, interp, frame)
        if isinstance(receiver, Parser | Group):
            return self.container_call(receiver, method, call, interp, frame)
        return NotImplemented

    def report_lost(self) -> None:
        """A warning per ``add_argument`` that added nothing to a parser the analysis
        knows: never a silent loss. (A helper run on its own first, with an unknown
        parser, and then called with its parser, lost nothing.)"""
        passed_on: list[cst.Arg] = []  # (reported after the calls)
        for node in iter_nodes(self.ctx.module):
            if isinstance(node, cst.Call):
                func = node.func
                if (
                    not isinstance(func, cst.Attribute)
                    or func.attr.value != "add_argument"
                    or node in self.known_adds
                ):
                    continue
                why = (
                    "adds an option to a parser that is not known statically here (one "
                    "kept in a container, passed as *args, a subclass's self, ...)"
                    if node in self.unknown_adds
                    else "is in code the analysis does not follow (a lambda, ...)"
                )
                self.warn(
                    node,
                    "parameter-lost",
                    f"{self.ctx.code_for(func.value)}.add_argument(...) {why}; "
                    "that option is missing from the action",
                )
            elif (
                isinstance(node, cst.Arg)
                and isinstance(node.value, cst.Attribute)
                and node.value.attr.value == "add_argument"
            ):
                passed_on.append(node)
        for arg in passed_on:
            self.warn(
                arg,
                "parameter-lost",
                f"{self.ctx.code_for(arg.value)} is passed on as a value (functools.partial, "
                "map, ...); the options added through it are missing from the action",
            )

    # -- parsers -----------------------------------------------------------------------

    def new_parser(
        self,
        call: cst.Call,
        interp: Interpreter,
        frame: Frame,
        *,
        prog: str | None = None,
        level: int = 0,
        words: tuple[str, ...] = (),
    ) -> Parser:
        positions = _CONSTRUCTOR_POSITIONS if level == 0 else {}
        kw = self._kwargs(call, interp, frame, positions)
        prog_value = kw.get("prog")
        if isinstance(prog_value, Known) and isinstance(prog_value.value, str):
            prog = prog_value.value
        elif prog is None:
            prog = self.ctx.path.replace("\\", "/").rpartition("/")[2]
        prefix = kw.get("prefix_chars")
        parser = Parser(
            node=call,
            prog=prog,
            description=_value(kw.get("description")),
            prefix_chars=prefix.value
            if isinstance(prefix, Known) and isinstance(prefix.value, str) and prefix.value
            else "-",
            argument_default=_value(kw.get("argument_default")),
            level=level,
            words=words,
            is_sub=level > 0,
        )
        parents = keyword_arg(call, "parents", positions.get("parents"))
        if parents is not None:
            self._add_parents(parser, parents, interp, frame)
        self.parsers.append(parser)
        return parser

    def _add_parents(
        self, parser: Parser, node: cst.BaseExpression, interp: Interpreter, frame: Frame
    ) -> None:
        elements: list[cst.BaseExpression] = []
        if isinstance(node, cst.List | cst.Tuple):
            elements = [e.value for e in node.elements if not isinstance(e, cst.StarredElement)]
            if len(elements) != len(node.elements):
                self.warn(
                    node,
                    "parameter-lost",
                    "starred parents= are not followed; their options are missing",
                )
        else:
            self.warn(
                node,
                "parameter-lost",
                f"parents={self.ctx.code_for(node)} is not a literal list; "
                "the parent parsers' options are missing",
            )
        for element in elements:
            parent = interp.eval(element, frame)
            if not isinstance(parent, Parser):
                self.warn(
                    element,
                    "parameter-lost",
                    f"parent parser {self.ctx.code_for(element)} is not known statically; "
                    "its options are missing",
                )
                continue
            parent.used_as_parent = True
            # argparse copies the parent's actions (the same objects) and defaults now.
            parser.actions.extend(parent.actions)
            parser.defaults.update(parent.defaults)

    def add_parser(
        self, subparsers: Subparsers, call: cst.Call, interp: Interpreter, frame: Frame
    ) -> object:
        name_node = keyword_arg(call, "name", 0)
        word = interp.eval(name_node, frame) if name_node is not None else None
        owner = subparsers.parser
        if not (isinstance(word, Known) and isinstance(word.value, str)):
            self.warn(
                call, "command-lost", "a sub-command whose name is not known statically is missing"
            )
            # Still record the parser so calls on it do not fail; it is not a leaf.
            return Parser(node=call, prog=owner.prog, level=owner.level + 1, is_sub=True)
        child = self.new_parser(
            call,
            interp,
            frame,
            prog=f"{subparsers.prog_prefix} {word.value}",
            level=owner.level + 1,
            words=(*owner.words, word.value),
        )
        help_value = keyword_arg(call, "help")
        if help_value is not None:
            child.help = _value(interp.eval(help_value, frame))
        subparsers.choices.append((word.value, child))
        return child

    # -- container methods ---------------------------------------------------------------

    def container_call(
        self,
        receiver: Parser | Group,
        method: str,
        call: cst.Call,
        interp: Interpreter,
        frame: Frame,
    ) -> object:
        parser = receiver if isinstance(receiver, Parser) else receiver.parser
        group = receiver if isinstance(receiver, Group) else None
        if method == "add_argument":
            return self.add_argument(parser, group, call, interp, frame)
        if method == "add_argument_group":
            interp.eval_args(call, frame)
            return Group(parser, mutex=group.mutex if group else False, node=call)
        if method == "add_mutually_exclusive_group":
            required = keyword_arg(call, "required", 0)
            value = interp.eval(required, frame) if required is not None else Known(False)
            return Group(parser, mutex=True, required=_is_true(value), node=call)
        if method == "add_subparsers":
            return self.add_subparsers(parser, call, interp, frame)
        if method == "set_defaults":
            self.set_defaults(parser, call, interp, frame)
            return Known(None)
        if method in ("parse_args", "parse_intermixed_args"):
            interp.eval_args(call, frame)
            parser.parsed = True
            return Unknown("parsed arguments")
        if method in ("parse_known_args", "parse_known_intermixed_args"):
            interp.eval_args(call, frame)
            parser.known = True
            return Unknown("parsed arguments")
        interp.eval_args(call, frame)
        return Unknown(f"result of {method}()")

    def add_subparsers(
        self, parser: Parser, call: cst.Call, interp: Interpreter, frame: Frame
    ) -> Subparsers:
        kw = self._kwargs(call, interp, frame, {})
        prog = kw.get("prog")
        if isinstance(prog, Known) and isinstance(prog.value, str):
            prefix = prog.value
        else:
            positionals = [a for a in parser.actions if a.positional and a.kind != "custom"]
            prefix = " ".join([parser.prog, *filter(None, map(_usage_of, positionals))])
        subparsers = Subparsers(parser, prefix, node=call)
        if parser.subparsers is not None:
            self.warn(
                call,
                "duplicate-subparsers",
                "argparse allows one add_subparsers() per parser; the later one is ignored",
            )
            return subparsers
        parser.subparsers = subparsers
        return subparsers

    def set_defaults(
        self, parser: Parser, call: cst.Call, interp: Interpreter, frame: Frame
    ) -> None:
        for arg in call.args:
            if arg.keyword is None:
                if arg.star == "**":
                    self.warn(
                        arg.value,
                        "unknown-default",
                        "set_defaults(**...) is not followed; defaults may be missing",
                    )
                continue
            value = _value(interp.eval(arg.value, frame)) or Unknown("not a value", arg.value)
            dest = arg.keyword.value
            parser.defaults[dest] = (value, arg.value)
            for action in parser.actions:
                if action.dest == dest:
                    action.default = value
                    action.default_node = arg.value

    # -- add_argument ------------------------------------------------------------------

    def add_argument(
        self,
        parser: Parser,
        group: Group | None,
        call: cst.Call,
        interp: Interpreter,
        frame: Frame,
    ) -> object:
        strings: list[str] = []
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            value = interp.eval(arg.value, frame)
            if arg.star or not (isinstance(value, Known) and isinstance(value.value, str)):
                self.warn(
                    call,
                    "parameter-lost",
                    f"parameter lost: the option strings of {self.ctx.code_for(call)} "
                    "are not known statically",
                )
                return Unknown("lost argument")
            strings.append(value.value)
        kw = self._kwargs(call, interp, frame, {})
        kw_nodes = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        for arg in call.args:
            if arg.star == "**":
                spread = self._spread(interp.eval(arg.value, frame))
                kw_nodes.update(dict.fromkeys(spread, arg.value))
        chars = parser.prefix_chars
        positional = not strings or (len(strings) == 1 and strings[0][:1] not in chars)
        if not strings:
            dest_value = kw.get("dest")
            if not (isinstance(dest_value, Known) and isinstance(dest_value.value, str)):
                self.warn(call, "parameter-lost", "parameter lost: add_argument() without a name")
                return Unknown("lost argument")
            strings = [dest_value.value]
        kind, custom = self._action_kind(kw.get("action"), kw_nodes.get("action"))
        if kind in ("help", "version"):
            return Known(None)
        option_strings: list[str] = []
        if positional:
            dest: str | None = strings[0]
        else:
            option_strings = strings
            dest = self._option_dest(strings, _value(kw.get("dest")), chars, call)
        if dest is None:
            return Unknown("lost argument")
        if not positional and ("--help" in option_strings or dest == "help"):
            return Known(None)  # the script's own help option (add_help=False): never a parameter
        action = Action(
            node=call,
            option_strings=option_strings,
            dest=dest,
            kind=kind,
            custom_name=custom,
            group=group,
        )
        self._fill_action(action, parser, kw, kw_nodes, call)
        parser.actions.append(action)
        return action

    def _option_dest(
        self, strings: list[str], dest_kw: Value | None, chars: str, call: cst.Call
    ) -> str | None:
        if dest_kw is not None:
            if isinstance(dest_kw, Known) and isinstance(dest_kw.value, str):
                return dest_kw.value
            self.warn(call, "parameter-lost", "parameter lost: its dest= is not known statically")
            return None
        longs = [s for s in strings if len(s) > 1 and s[1] in chars]
        first = longs[0] if longs else strings[0]
        dest = first.lstrip(chars)
        if not dest:
            self.warn(call, "parameter-lost", f"parameter lost: {first!r} gives no dest")
            return None
        return dest.replace("-", "_")

    def _action_kind(self, value: object, node: cst.BaseExpression | None) -> tuple[str, str]:
        if value is None:
            return "store", ""
        if isinstance(value, Known) and value.value in ACTION_STRINGS:
            return str(value.value), ""
        if isinstance(value, _ActionClass):
            return value.kind, value.name
        label = self.ctx.code_for(node) if node is not None else "?"
        self.warn(
            node,
            "custom-action",
            f"custom action {label} is treated as an option taking a value "
            "(or a flag when nargs=0)",
        )
        return "custom", label

    def _fill_action(
        self,
        action: Action,
        parser: Parser,
        kw: dict[str, object],
        nodes: dict[str, cst.BaseExpression],
        call: cst.Call,
    ) -> None:
        nargs = kw.get("nargs")
        if isinstance(nargs, Known):
            action.nargs = nargs.value
        elif nargs is not None:
            self.warn(
                nodes.get("nargs"),
                "unknown-nargs",
                f"nargs of {action.dest!r} is not known statically; taken as one value",
            )
        action.const = _value(kw.get("const"))
        if "default" in kw:
            action.default = _value(kw["default"]) or Unknown("not a value", nodes["default"])
            action.default_node = nodes["default"]
        elif action.dest in parser.defaults:
            action.default, action.default_node = parser.defaults[action.dest]
        elif parser.argument_default is not None and not (
            isinstance(parser.argument_default, Known) and parser.argument_default.value is None
        ):
            action.default = parser.argument_default
        if "type" in nodes:
            action.type = self._type_info(nodes["type"], kw["type"])
        action.choices = _value(kw.get("choices"))
        if isinstance(action.choices, Unknown) and "choices" in nodes:
            # [level.value for level in Level], list(SCENARIOS.keys()) of this file
            action.choices = static_choices(self.ctx, nodes["choices"]) or action.choices
        action.required = _is_true(kw.get("required"))
        if "required" in kw and isinstance(kw["required"], Unknown):
            self.warn(
                nodes["required"],
                "unknown-required",
                f"required= of {action.dest!r} is not known statically; taken as false",
            )
        action.help = _value(kw.get("help"))
        action.metavar = _value(kw.get("metavar"))
        del call

    def _type_info(self, node: cst.BaseExpression, value: object) -> TypeInfo:
        if isinstance(value, Known) and value.value is None:
            return TypeInfo("str", "None")
        if isinstance(value, Known) and value.value in (int, float, str, bool):
            return TypeInfo(value.value.__name__, value.value.__name__)
        qualified = self.ctx.qualname(node)
        if qualified is not None:
            short = qualified.removeprefix("builtins.")
            if short in _BUILTIN_TYPES:
                return TypeInfo(_BUILTIN_TYPES[short], short)
            # a local pure converter (``def positive_int(v): ...; return int(v)``)
            kind = converted_kind(self.ctx, qualified) if "." not in qualified else None
            if kind is not None:
                return TypeInfo(kind, qualified)
            return TypeInfo("other", qualified.rpartition(".")[2])
        if isinstance(node, cst.Lambda):
            return TypeInfo("other", "<lambda>")
        if isinstance(node, cst.Call):
            callee = self.ctx.qualname(node.func) or ""
            short = callee.rpartition(".")[2]
            args = ", ".join(self.ctx.code_for(a) for a in node.args)
            return TypeInfo("other", f"{short}({args})")
        return TypeInfo("other", self.ctx.code_for(node))

    # -- helpers -----------------------------------------------------------------------

    def _kwargs(
        self, call: cst.Call, interp: Interpreter, frame: Frame, positions: dict[str, int]
    ) -> dict[str, object]:
        return interp.eval_keywords(call, frame, positions, self._spread_or_warn)

    def _spread_or_warn(self, arg: cst.Arg, value: object) -> dict[str, object]:
        if isinstance(value, Known) and isinstance(value.value, dict):
            return self._spread(value)
        self.warn(
            arg.value,
            "unknown-keywords",
            f"**{self.ctx.code_for(arg.value)} is not followed; "
            "settings passed through it are missing",
        )
        return {}

    @staticmethod
    def _spread(value: object) -> dict[str, object]:
        if isinstance(value, Known) and isinstance(value.value, dict):
            return {str(k): Known(v, value.env) for k, v in value.value.items()}
        return {}

    # -- root --------------------------------------------------------------------------

    def choose_root(self) -> Parser | None:
        candidates = [p for p in self.parsers if not p.is_sub and not p.used_as_parent]
        parsed = [p for p in candidates if p.parsed]
        known = [p for p in candidates if p.known and not p.parsed]
        returned = [p for p in candidates if p.returned]
        found = parsed or known or returned
        root = found[0] if found else None
        if root is None:
            if candidates:
                self.warn(
                    candidates[0].node,
                    "parser-unused",
                    "an ArgumentParser is built but never parsed or returned; "
                    "no action is generated for it",
                )
            return None
        for other in parsed[1:]:
            self.info(
                other.node,
                "parser-ignored",
                "another parser is also parsed; only the first one becomes actions",
            )
        if root.parsed:
            for pre in known:
                self.info(
                    pre.node,
                    "pre-parser-merged",
                    "options of a parse_known_args() pre-parser are merged into the "
                    "main parser's parameters",
                )
                root.actions[:0] = [a for a in pre.actions if a not in root.actions]
        return root


def _value(value: object) -> Value | None:
    """A static value, or None for anything else (objects, absent)."""
    if isinstance(value, Known | Unknown):
        return value
    return None if value is None else Unknown("not a plain value")


def _is_true(value: object) -> bool:
    return isinstance(value, Known) and bool(value.value)


def _usage_of(action: Action) -> str:
    """How argparse's usage shows a positional (for a sub-parser's prog)."""
    metavar: Any = action.metavar.value if isinstance(action.metavar, Known) else None
    shown = metavar if isinstance(metavar, str) else action.dest
    nargs = action.nargs
    if nargs is None:
        return shown
    if nargs == "?":
        return f"[{shown}]"
    if nargs == "*":
        return f"[{shown} ...]"
    if nargs == "+":
        return f"{shown} [{shown} ...]"
    if nargs == "...":
        return "..."
    if nargs == "A...":
        return f"{shown} ..."
    if isinstance(nargs, int):
        return " ".join([shown] * nargs)
    return shown
