"""typer: read a ``typer.Typer`` app (or ``typer.run(function)``) without running it.

typer turns each function parameter into a click parameter: no default -> argument, a
default -> ``--name-with-dashes`` option, bool options -> ``--x/--no-x``; ``typer.Option``/
``typer.Argument`` (as the default or inside ``Annotated``) override that. This module
describes those click parameters as ``ParamSpec``s; ``_click_params`` applies click's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import libcst as cst

from voodoo.analyzers._choices import enum_members as _enum_members
from voodoo.analyzers._click_params import ParamSpec, TypeSpec, json_type
from voodoo.analyzers._context import LINES, Context, is_main_test, iter_statements
from voodoo.analyzers._values import Known, Value, constant_lookup, positional_args, static_value
from voodoo.analyzers._walk import find_all
from voodoo.analyzers.click_ import ClickCommand, build_command
from voodoo.errors import ParseError
from voodoo.limits import DEFAULT_MAX_SIZE
from voodoo.model import Command, Diagnostic, Json, ParamType, Severity

__all__ = ["analyze", "detect", "name"]

name = "typer"

_SCALARS = {
    "int": ParamType.INTEGER,
    "float": ParamType.NUMBER,
    "bool": ParamType.BOOLEAN,
    "str": ParamType.STRING,
}
_LISTS = ("list", "typing.List", "List", "typing.Sequence", "collections.abc.Sequence", "set")
_OPTIONALS = ("typing.Optional", "Optional")
_ANNOTATED = ("typing.Annotated", "Annotated", "typing_extensions.Annotated")
_CONTEXTS = ("typer.Context", "click.Context")


@dataclass(slots=True)
class _App:
    node: cst.CSTNode
    commands: list[ClickCommand] = field(default_factory=list)
    callback: cst.FunctionDef | None = None
    subs: list[tuple[str, _App]] = field(default_factory=list)
    attached: bool = False
    #: the sibling module the app is defined in (None: this file)
    context: Context | None = None


def detect(ctx: Context) -> bool:
    """The file imports typer."""
    return ctx.imports_module("typer")


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    enums = _enums(ctx)
    apps: dict[str, _App] = {}
    runs: list[ClickCommand] = []
    functions: dict[str, cst.FunctionDef] = {}
    for statement in iter_statements(ctx.module.body):
        if isinstance(statement, cst.FunctionDef):
            functions[statement.name.value] = statement
            _register(ctx, statement, apps, enums, diagnostics)
        elif isinstance(statement, LINES):
            for small in statement.body:
                _statement(ctx, small, apps, functions, enums, runs, diagnostics)
    root = _entry_point(ctx, apps, runs)
    roots: list[ClickCommand]
    if root is None:
        roots = [c for c in (*_app_roots(ctx, apps, diagnostics), *runs)]
        if roots:
            diagnostics.append(
                ctx.diagnostic(
                    None,
                    Severity.INFO,
                    "no-entry-point",
                    "no typer app is called under if __name__ == '__main__'; "
                    "every top-level app is analyzed",
                )
            )
    else:
        roots = [root]
    result: list[Command] = []
    for command in roots:
        for chain in _leaves(command, [command]):
            result.append(build_command(ctx, chain, diagnostics))
    return result, list(dict.fromkeys(diagnostics))


# -- apps ------------------------------------------------------------------------------


def _statement(
    ctx: Context,
    small: cst.BaseSmallStatement,
    apps: dict[str, _App],
    functions: dict[str, cst.FunctionDef],
    enums: dict[str, tuple[Json, ...]],
    runs: list[ClickCommand],
    diagnostics: list[Diagnostic],
) -> None:
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and isinstance(small.value, cst.Call)
        and ctx.refers_to(small.value.func, "typer.Typer")
    ):
        apps[small.targets[0].target.value] = _App(small.value)
        return
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return
    call = small.value
    func = call.func
    args = positional_args(call)
    if ctx.refers_to(func, "typer.run") and args and isinstance(args[0], cst.Name):
        target = functions.get(args[0].value)
        if target is not None:
            runs.append(_command(ctx, target, None, enums, diagnostics))
        return
    if (
        (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value == "add_typer"
        )
        and args
        and isinstance(args[0], cst.Name | cst.Attribute)
    ):
        assert isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
        parent = apps.get(func.value.value)
        child = (
            apps.get(args[0].value)
            if isinstance(args[0], cst.Name)
            else sibling_app(ctx, args[0], diagnostics)
        )
        word = _keyword(ctx, call, "name")
        if child is not None and word is None and isinstance(child.node, cst.Call):
            word = _keyword(ctx, child.node, "name")
        if parent is None or child is None or word is None:
            diagnostics.append(
                ctx.diagnostic(
                    call,
                    Severity.WARNING,
                    "command-lost",
                    f"{ctx.code_for(call)}: the sub-app or its name is not known "
                    "statically; its commands are missing",
                )
            )
            return
        parent.subs.append((word, child))
        child.attached = True


#: a sibling module larger than this is not read (as for the files voodoo analyzes)
_SIBLING_MAX = DEFAULT_MAX_SIZE


def sibling_app(ctx: Context, ref: cst.Attribute, diagnostics: list[Diagnostic]) -> _App | None:
    """``users.app`` where ``users`` is a module next to this file (``import users``,
    ``from . import users``, ``from pkg import users``): that module's typer app, read
    from disk (never imported). Its commands keep their own file for defaults and lines."""
    if ctx.origin is None or not isinstance(ref.value, cst.Name):
        return None
    local = ref.value.value
    module = ctx.aliases.get(local, local).rpartition(".")[2] or local
    here = Path(ctx.origin).parent
    path = here / f"{module}.py"
    try:
        if path.resolve() == Path(ctx.origin).resolve() or path.stat().st_size > _SIBLING_MAX:
            return None
        from voodoo.parse import parse

        parsed = parse(path.read_bytes(), str(path))
    except (OSError, ParseError, SyntaxError, RecursionError):
        return None
    shown = str(PurePosixPath(ctx.path.replace("\\", "/")).parent / path.name)
    sibling = Context(parsed.module, shown, parsed.text, str(path))
    enums = _enums(sibling)
    apps: dict[str, _App] = {}
    functions: dict[str, cst.FunctionDef] = {}
    runs: list[ClickCommand] = []
    for statement in iter_statements(sibling.module.body):
        if isinstance(statement, cst.FunctionDef):
            functions[statement.name.value] = statement
            _register(sibling, statement, apps, enums, diagnostics)
        elif isinstance(statement, LINES):
            for small in statement.body:
                _statement(sibling, small, apps, functions, enums, runs, diagnostics)
    app = apps.get(ref.attr.value)
    if app is None:
        return None
    ctx.mounted.append(shown)
    for command in _all_commands(app):
        command.context = sibling
    if app.callback is not None:
        app.context = sibling
    return app


def _all_commands(app: _App) -> list[ClickCommand]:
    found = list(app.commands)
    for _, sub in app.subs:
        found.extend(_all_commands(sub))
    return found


def _register(
    ctx: Context,
    function: cst.FunctionDef,
    apps: dict[str, _App],
    enums: dict[str, tuple[Json, ...]],
    diagnostics: list[Diagnostic],
) -> None:
    for decorator in function.decorators:
        target = decorator.decorator
        func = target.func if isinstance(target, cst.Call) else target
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            continue
        app = apps.get(func.value.value)
        if app is None:
            continue
        call = target if isinstance(target, cst.Call) else None
        if func.attr.value == "command":
            word = _keyword(ctx, call, "name", 0) if call is not None else None
            app.commands.append(_command(ctx, function, word, enums, diagnostics, call))
        elif func.attr.value == "callback":
            app.callback = function


def _app_command(
    ctx: Context,
    app: _App,
    word: str,
    enums: dict[str, tuple[Json, ...]],
    diagnostics: list[Diagnostic],
    *,
    top: bool = True,
) -> ClickCommand:
    """typer's rule: an app with one command and no callback or sub-apps is that command
    (no word); a sub-app added with ``add_typer`` is always a group."""
    if top and len(app.commands) == 1 and app.callback is None and not app.subs:
        return app.commands[0]
    help_text = _keyword(ctx, app.node, "help") if isinstance(app.node, cst.Call) else None
    group = ClickCommand(
        function="",
        word=word,
        node=app.callback
        or cst.FunctionDef(cst.Name("_"), cst.Parameters(), cst.IndentedBlock([])),
        is_group=True,
    )
    if app.callback is not None:
        home = app.context or ctx
        callback = _command(home, app.callback, word, _enums(home), diagnostics)
        group.params = callback.params
        group.context = app.context
        help_text = help_text or callback.help
    group.help = help_text
    group.children = [(c.word, c) for c in app.commands]
    for sub_word, sub in app.subs:
        child = _app_command(ctx, sub, sub_word, enums, diagnostics, top=False)
        group.children.append((sub_word, child))
    return group


def _app_roots(
    ctx: Context, apps: dict[str, _App], diagnostics: list[Diagnostic]
) -> list[ClickCommand]:
    enums = _enums(ctx)
    return [_app_command(ctx, a, "", enums, diagnostics) for a in apps.values() if not a.attached]


def _entry_point(
    ctx: Context, apps: dict[str, _App], runs: list[ClickCommand]
) -> ClickCommand | None:
    enums = _enums(ctx)
    for statement in iter_statements(ctx.module.body):
        if isinstance(statement, cst.If) and is_main_test(statement.test):
            for call in find_all(statement.body, cst.Call):
                assert isinstance(call, cst.Call)
                if isinstance(call.func, cst.Name) and call.func.value in apps:
                    return _app_command(ctx, apps[call.func.value], "", enums, [])
                if ctx.refers_to(call.func, "typer.run") and runs:
                    return runs[-1]
    return None


def _leaves(command: ClickCommand, chain: list[ClickCommand]) -> list[list[ClickCommand]]:
    if not command.is_group:
        return [chain]
    result: list[list[ClickCommand]] = []
    for _, child in command.children:
        result.extend(_leaves(child, [*chain, child]))
    return result


# -- commands and parameters -----------------------------------------------------------


def _command(
    ctx: Context,
    function: cst.FunctionDef,
    word: str | None,
    enums: dict[str, tuple[Json, ...]],
    diagnostics: list[Diagnostic],
    call: cst.Call | None = None,
) -> ClickCommand:
    help_text = _keyword(ctx, call, "help") if call is not None else None
    help_text = help_text or function.get_docstring(clean=True)
    specs = [
        spec
        for param in (*function.params.params, *function.params.kwonly_params)
        if (spec := _param(ctx, param, enums, diagnostics)) is not None
    ]
    return ClickCommand(
        function=function.name.value,
        word=word or function.name.value.lower().replace("_", "-"),
        node=function,
        is_group=False,
        params=specs,
        help=(help_text.split("\f", 1)[0].strip() or None) if help_text else None,
    )


def _param(
    ctx: Context,
    param: cst.Param,
    enums: dict[str, tuple[Json, ...]],
    diagnostics: list[Diagnostic],
) -> ParamSpec | None:
    pname = param.name.value
    annotation = param.annotation.annotation if param.annotation is not None else None
    info: cst.Call | None = None
    alias = ctx.constants.get(annotation.value) if isinstance(annotation, cst.Name) else None
    if isinstance(alias, cst.Subscript) and ctx.qualname(alias.value) in _ANNOTATED:
        annotation = alias  # ``Region = Annotated[str, typer.Option("--aws-region")]``
    if isinstance(annotation, cst.Subscript) and (ctx.qualname(annotation.value) in _ANNOTATED):
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        annotation = elements[0] if elements else None
        info = next((e for e in elements[1:] if isinstance(e, cst.Call) and _is_info(ctx, e)), None)
    if annotation is not None and ctx.qualname(annotation) in _CONTEXTS:
        return None
    lookup = constant_lookup(ctx.constants)
    default_node = param.default
    kw: dict[str, Value] = {}
    kw_nodes: dict[str, cst.BaseExpression] = {}
    decls: list[str] = []
    positional = positional_args(info) if info is not None else []
    if isinstance(default_node, cst.Call) and _is_info(ctx, default_node):
        info = default_node
        positional = positional_args(info)
        default_node = positional[0] if positional else None
        positional = positional[1:]
    if info is not None:
        for arg in info.args:
            if arg.keyword is not None:
                kw_nodes[arg.keyword.value] = arg.value
                kw[arg.keyword.value] = static_value(arg.value, lookup)
        if "default" in kw_nodes:
            default_node = kw_nodes.pop("default")
            kw.pop("default")
        for node in positional:
            value = static_value(node, lookup)
            if not (isinstance(value, Known) and isinstance(value.value, str)):
                diagnostics.append(
                    ctx.diagnostic(
                        info,
                        Severity.WARNING,
                        "parameter-lost",
                        f"parameter lost: the names in {ctx.code_for(info)} are not known "
                        "statically",
                    )
                )
                return None
            decls.append(value.value)
    is_option = (info is not None and _info_kind(ctx, info) == "Option") or (
        info is None and default_node is not None
    )
    factory = kw_nodes.pop("default_factory", None)
    kw.pop("default_factory", None)
    if (
        isinstance(factory, cst.Lambda)
        and not factory.params.params
        and isinstance(static_value(factory.body, lookup), Known)
    ):
        # default_factory=lambda: ["a", "b"]: the default is that literal
        default_node, factory = factory.body, None
    required = factory is None and (default_node is None or isinstance(default_node, cst.Ellipsis))
    if factory is not None:
        # typer calls default_factory when the value is not given: optional, the default
        # is computed at run time
        diagnostics.append(
            ctx.diagnostic(
                factory,
                Severity.INFO,
                "unknown-default",
                f"the default of {pname!r} is computed at run time by "
                f"{ctx.code_for(factory)}; the parameter is optional without a default",
            )
        )
    kw["required"] = Known(required)
    if not required and default_node is not None:
        kw_nodes["default"] = default_node
        kw["default"] = _default(ctx, default_node)
    type_spec, many, flag = _annotation_type(ctx, annotation, enums)
    if info is not None:
        bounds = [kw.pop(k, None) for k in ("min", "max")]
        known = [b.value if isinstance(b, Known) else None for b in bounds]
        if any(v is not None for v in known):
            type_spec = TypeSpec(
                type_spec.type, type_spec.enum, known[0], known[1], type_spec.arity
            )
    if many:
        kw["multiple" if is_option else "nargs"] = Known(True if is_option else -1)
    if is_option and flag:
        kw["is_flag"] = Known(True)
        if not decls:
            dashed = pname.replace("_", "-")
            decls = [f"--{dashed}/--no-{dashed}"]
    if is_option and not decls:
        decls = [f"--{pname.replace('_', '-')}"]
    return ParamSpec(
        node=param,
        is_option=is_option,
        decls=[pname, *decls] if is_option else [pname],
        kw=kw,
        kw_nodes=kw_nodes,
        type=type_spec,
    )


def _default(ctx: Context, node: cst.BaseExpression) -> Value:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        members = _enum_members(ctx).get(node.value.value)
        if members is not None and node.attr.value in members:
            return Known(members[node.attr.value])
    return static_value(node, constant_lookup(ctx.constants))


def _annotation_type(
    ctx: Context, node: cst.BaseExpression | None, enums: dict[str, tuple[Json, ...]]
) -> tuple[TypeSpec, bool, bool]:
    """(type, is a list, is a bool) for an annotation."""
    if node is None:
        return TypeSpec(ParamType.STRING), False, False
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        # X | None
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, cst.Name) and other.value == "None":
                return _annotation_type(ctx, side, enums)
    if isinstance(node, cst.Subscript):
        outer = ctx.qualname(node.value) or ""
        inner = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        if outer in _OPTIONALS and inner:
            return _annotation_type(ctx, inner[0], enums)
        if outer in _LISTS and inner:
            item, _, _ = _annotation_type(ctx, inner[0], enums)
            return item, True, False
        if outer in ("tuple", "typing.Tuple", "Tuple") and inner:
            items = [_annotation_type(ctx, e, enums)[0] for e in inner]
            kinds = {i.type for i in items}
            return (
                TypeSpec(kinds.pop() if len(kinds) == 1 else None, arity=len(items)),
                False,
                False,
            )
    label = ctx.qualname(node) or ""
    if label in enums:
        values = enums[label]
        kinds = {json_type(v) for v in values}
        return (
            TypeSpec(kinds.pop() if len(kinds) == 1 else ParamType.STRING, enum=values),
            False,
            False,
        )
    scalar = _SCALARS.get(label.removeprefix("builtins."), ParamType.STRING)
    return TypeSpec(scalar, label=label), False, scalar is ParamType.BOOLEAN


def _enums(ctx: Context) -> dict[str, tuple[Json, ...]]:
    return {k: tuple(v.values()) for k, v in _enum_members(ctx).items() if v}


def _is_info(ctx: Context, call: cst.Call) -> bool:
    return _info_kind(ctx, call) is not None


def _info_kind(ctx: Context, call: cst.Call) -> str | None:
    for kind in ("Option", "Argument"):
        if ctx.refers_to(call.func, f"typer.{kind}"):
            return kind
    return None


def _keyword(
    ctx: Context, call: cst.Call | None, key: str, position: int | None = None
) -> str | None:
    if call is None:
        return None
    node = next((a.value for a in call.args if a.keyword and a.keyword.value == key), None)
    if node is None and position is not None:
        args = positional_args(call)
        node = args[position] if position < len(args) else None
    if node is None:
        return None
    value = static_value(node, constant_lookup(ctx.constants))
    return value.value if isinstance(value, Known) and isinstance(value.value, str) else None
