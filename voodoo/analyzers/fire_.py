"""fire: the command line is the signature of what ``fire.Fire(...)`` exposes.

``Fire(fn)`` is one action; ``Fire(Class)`` one per public method (the method name is the
sub-command word, ``__init__`` parameters are options before it); ``Fire({"name": fn})``
one per key; ``Fire()`` every public top-level function and class of the module.

Every parameter is passed as ``--name=value`` with the Python parameter name (fire also
accepts dashes; underscores are what the signature says). Booleans are ``--name`` /
``--noname`` where nothing follows them; before a sub-command word they are
``--name=True``/``--name=False``, because fire reads a bare ``--name word`` as the value
``word`` for ``name``.
"""

from __future__ import annotations

import libcst as cst

from voodoo.analyzers._context import LINES, Context, iter_statements
from voodoo.analyzers._signature import Arg, read_doc, signature, top_level
from voodoo.analyzers._values import keyword_arg
from voodoo.analyzers._walk import find_all
from voodoo.model import ArgKind, Command, Diagnostic, Emit, Joiner, Param, ParamType, Severity
from voodoo.naming import action_name

__all__ = ["analyze", "detect", "name"]

name = "fire"

_Target = cst.FunctionDef | cst.ClassDef


def detect(ctx: Context) -> bool:
    """The file imports fire and calls ``fire.Fire(...)``."""
    return ctx.imports_module("fire") and _find_call(ctx) is not None


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """The actions of the first ``fire.Fire(...)`` call."""
    call = _find_call(ctx)
    if call is None:
        return [], []
    builder = _Builder(ctx)
    if keyword_arg(call, "command") is not None:
        builder.note(
            call,
            Severity.WARNING,
            "fire-command",
            "fire.Fire(command=...) replaces the command line; the actions "
            "describe the script's own command line",
        )
    component = keyword_arg(call, "component", 0)
    if component is None:
        for node in top_level(ctx):
            builder.target(node, (node.name.value,))
    else:
        builder.component(component, ())
    return builder.commands, builder.diagnostics


def _find_call(ctx: Context) -> cst.Call | None:
    for statement in iter_statements(ctx.module.body):
        if not isinstance(statement, LINES):
            continue
        for node in find_all(statement, cst.Call):
            if isinstance(node, cst.Call) and ctx.refers_to(node.func, "fire.Fire"):
                return node
    return None


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.commands: list[Command] = []
        self.diagnostics: list[Diagnostic] = []
        self.defined: dict[str, _Target] = {
            node.name.value: node
            for node in ctx.module.body
            if isinstance(node, cst.FunctionDef | cst.ClassDef)
        }

    def note(self, node: cst.CSTNode | None, severity: Severity, code: str, text: str) -> None:
        self.diagnostics.append(self.ctx.diagnostic(node, severity, code, text))

    def component(self, expr: cst.BaseExpression, words: tuple[str, ...]) -> None:
        if isinstance(expr, cst.Name) and expr.value in self.ctx.constants:
            expr = self.ctx.constants[expr.value]
        if isinstance(expr, cst.Name) and expr.value in self.defined:
            self.target(self.defined[expr.value], words)
            return
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Name)
            and isinstance(self.defined.get(expr.func.value), cst.ClassDef)
        ):
            # fire.Fire(Widget()): an instance built by the script; its public methods are
            # the commands, __init__'s arguments are not on the command line
            cls = self.defined[expr.func.value]
            assert isinstance(cls, cst.ClassDef)
            self.target(cls, words, instance=True)
            return
        if isinstance(expr, cst.Dict):
            for element in expr.elements:
                key = element.key if isinstance(element, cst.DictElement) else None
                if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                    self.component(element.value, (*words, key.evaluated_value))
                else:
                    self.note(
                        element,
                        Severity.WARNING,
                        "fire-unknown-component",
                        "a fire.Fire() dict entry without a literal string key is left out",
                    )
            return
        self.note(
            expr,
            Severity.WARNING,
            "fire-unknown-component",
            f"fire.Fire() is given {self.ctx.code_for(expr)!r}, which is not a "
            "function, class or dict of them defined in this file; it is left out",
        )

    def target(self, node: _Target, words: tuple[str, ...], *, instance: bool = False) -> None:
        if isinstance(node, cst.FunctionDef):
            self.function(node, words, (), node, skip_first=False)
            return
        init = (
            None
            if instance
            else next((f for f in _methods(node) if f.name.value == "__init__"), None)
        )
        init_args: list[Arg] = []
        if init is not None:
            init_args = (
                signature(self.ctx, init, skip_first=True, diagnostics=self.diagnostics, owner=node)
                or []
            )
        init_params = tuple(self.param(arg, len(words), last=False) for arg in init_args)
        for method in _methods(node):
            if method.name.value.startswith("_") or _decorated(method, "property"):
                continue
            self.function(
                method,
                (*words, method.name.value),
                init_params,
                node,
                skip_first=not _decorated(method, "staticmethod"),
            )

    def function(
        self,
        fn: cst.FunctionDef,
        words: tuple[str, ...],
        outer: tuple[Param, ...],
        owner: _Target,
        *,
        skip_first: bool,
    ) -> None:
        args = signature(self.ctx, fn, skip_first=skip_first, diagnostics=self.diagnostics)
        if args is None:
            return
        summary = read_doc(fn).summary
        if summary is None and owner is not fn:
            summary = read_doc(owner).summary
        if summary is None and self.ctx.docstring:
            summary = self.ctx.docstring.strip().split("\n\n", 1)[0].strip() or None
        params = (*outer, *(self.param(arg, len(words), last=True) for arg in args))
        self.commands.append(
            Command(
                name=action_name(self.ctx.stem, words),
                path=words,
                description=summary,
                params=params,
                line=self.ctx.line_of(fn),
            )
        )

    def param(self, arg: Arg, level: int, *, last: bool) -> Param:
        option = f"--{arg.name}"
        ptype, default = arg.type, arg.default
        if ptype is ParamType.BOOLEAN and last:
            emit = Emit(ArgKind.FLAG_PAIR, option=option, off_option=f"--no{arg.name}", level=level)
        else:
            emit = Emit(
                ArgKind.OPTION,
                option=option,
                joiner=Joiner.EQUALS,
                true_token="True",
                false_token="False",
                level=level,
            )
        description = arg.description
        if ptype is ParamType.ARRAY:
            # one value per flag: fire reads a list from a Python literal such as [1, 2]
            ptype, default = ParamType.STRING, None
            hint = 'a Python list literal, e.g. ["a", "b"]'
            description = f"{description} ({hint})" if description else hint.capitalize()
        return Param(
            name=arg.name,
            dest=arg.name,
            emit=emit,
            type=ptype,
            description=description,
            default=default,
            required=arg.required,
            line=arg.line,
        )


def _methods(cls: cst.ClassDef) -> list[cst.FunctionDef]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return [
        node for node in body if isinstance(node, cst.FunctionDef) and node.asynchronous is None
    ]


def _decorated(fn: cst.FunctionDef, decorator: str) -> bool:
    return any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == decorator for d in fn.decorators
    )
