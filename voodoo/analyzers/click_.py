"""click: read the commands and groups a script declares with decorators, without running it.

Commands are the functions decorated with ``@click.command``/``@click.group`` (or
``@group.command()``/``@group.group()``), attached by decorator or ``add_command``. The
entry point is the command called under ``if __name__ == "__main__":``; every leaf below
it becomes a ``Command``, its groups' options included at their level.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import libcst as cst

from voodoo.analyzers._click_params import (
    ParamSpec,
    TypeSpec,
    build_level,
    json_type,
)
from voodoo.analyzers._context import LINES, Context, is_main_test, iter_statements
from voodoo.analyzers._values import Known, constant_lookup, positional_args, static_value
from voodoo.analyzers._walk import find_all
from voodoo.model import Command, Diagnostic, Param, ParamType, Severity, freeze
from voodoo.naming import action_name

__all__ = ["analyze", "detect", "name"]

name = "click"


def _group_class(ctx: Context, target: cst.BaseExpression) -> bool:
    """``@click.command(cls=AliasedGroup)``: a group when ``cls`` is ``click.Group`` or a
    class of this file derived from it (directly or through another such class)."""
    if not isinstance(target, cst.Call):
        return False
    cls = next((a.value for a in target.args if a.keyword and a.keyword.value == "cls"), None)
    if cls is None:
        return False
    classes = {s.name.value: s for s in ctx.module.body if isinstance(s, cst.ClassDef)}
    seen: set[str] = set()

    def is_group(expr: cst.BaseExpression) -> bool:
        qualified = ctx.qualname(expr) or ""
        if qualified.startswith("click.") and qualified.endswith(("Group", "MultiCommand")):
            return True
        local = classes.get(qualified)
        if local is None or qualified in seen:
            return False
        seen.add(qualified)
        return any(is_group(base.value) for base in local.bases)

    return is_group(cls)


_COMMAND_SUFFIXES = ("_command", "_cmd", "_group", "_grp")
_SCALARS = {
    "click.INT": ParamType.INTEGER,
    "int": ParamType.INTEGER,
    "click.FLOAT": ParamType.NUMBER,
    "float": ParamType.NUMBER,
    "click.BOOL": ParamType.BOOLEAN,
    "bool": ParamType.BOOLEAN,
    "click.STRING": ParamType.STRING,
    "str": ParamType.STRING,
}
_RANGES = {"click.IntRange": ParamType.INTEGER, "click.FloatRange": ParamType.NUMBER}
#: decorators that add a parameter, with the settings click gives them
_PARAM_DECORATORS: dict[str, dict[str, object]] = {
    "click.option": {},
    "click.argument": {},
    "click.password_option": {
        "decls": ["--password"],
        "prompt": True,
        "hide_input": True,
    },
    "click.confirmation_option": {"decls": ["--yes"], "expose_value": False},
}
_IGNORED_DECORATORS = ("click.version_option", "click.help_option")


@dataclass(slots=True)
class ClickCommand:
    """One decorated function: a command or a group."""

    function: str
    word: str
    node: cst.FunctionDef
    is_group: bool
    params: list[ParamSpec] = field(default_factory=list)
    help: str | None = None
    children: list[tuple[str, ClickCommand]] = field(default_factory=list)
    attached: bool = False
    #: the file the command is defined in, when not the analyzed one (a typer sub-app
    #: imported from a sibling module)
    context: Context | None = None


def detect(ctx: Context) -> bool:
    """The file imports click, and (when it also imports argparse) declares a command."""
    if not ctx.imports_module("click"):
        return False
    return not ctx.imports_module("argparse") or bool(_decorated(ctx))


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    commands = _collect(ctx, diagnostics)
    if not commands:
        return [], diagnostics
    roots = _entry_points(ctx, commands, diagnostics)
    result: list[Command] = []
    for root in roots:
        for chain in _leaves(ctx, root, [root], diagnostics):
            result.append(build_command(ctx, chain, diagnostics))
    return result, list(dict.fromkeys(diagnostics))


def build_command(
    ctx: Context, chain: list[ClickCommand], diagnostics: list[Diagnostic]
) -> Command:
    """The leaf at the end of ``chain`` (root first) with every level's parameters."""
    levels = [
        build_level(c.context or ctx, c.params, level, diagnostics) for level, c in enumerate(chain)
    ]
    params: list[Param] = []
    for index, level_params in enumerate(levels):
        deeper = {p.name for later in levels[index + 1 :] for p in later}
        params.extend(p for p in level_params if p.name not in deeper)
    words = tuple(word for word, _ in _words(chain))
    leaf = chain[-1]
    description = leaf.help
    if not description and ctx.docstring:
        description = ctx.docstring.strip().split("\n\n", 1)[0].strip() or None
    return Command(
        name=action_name(ctx.stem, words),
        path=words,
        description=description,
        params=tuple(params),
        line=(leaf.context or ctx).line_of(leaf.node),
    )


def _words(chain: list[ClickCommand]) -> list[tuple[str, ClickCommand]]:
    out: list[tuple[str, ClickCommand]] = []
    for parent, child in itertools.pairwise(chain):
        out.append(next((w, c) for w, c in parent.children if c is child))
    return out


# -- collection ------------------------------------------------------------------------


def _decorated(ctx: Context) -> list[tuple[cst.FunctionDef, cst.Decorator]]:
    found = []
    for statement in iter_statements(ctx.module.body):
        if isinstance(statement, cst.FunctionDef):
            for decorator in statement.decorators:
                target = decorator.decorator
                func = target.func if isinstance(target, cst.Call) else target
                if (
                    ctx.refers_to(func, "click.command")
                    or ctx.refers_to(func, "click.group")
                    or (isinstance(func, cst.Attribute) and func.attr.value in ("command", "group"))
                ):
                    found.append((statement, decorator))
                    break
    return found


def _collect(ctx: Context, diagnostics: list[Diagnostic]) -> dict[str, ClickCommand]:
    commands: dict[str, ClickCommand] = {}
    for function, decorator in _decorated(ctx):
        command = _command(ctx, function, decorator, commands, diagnostics)
        if command is not None:
            commands[function.name.value] = command
    for statement in iter_statements(ctx.module.body):
        if isinstance(statement, LINES):
            for small in statement.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    _add_command(ctx, small.value, commands, diagnostics)
    return commands


def _command(
    ctx: Context,
    function: cst.FunctionDef,
    decorator: cst.Decorator,
    commands: dict[str, ClickCommand],
    diagnostics: list[Diagnostic],
) -> ClickCommand | None:
    target = decorator.decorator
    func = target.func if isinstance(target, cst.Call) else target
    parent: ClickCommand | None = None
    if isinstance(func, cst.Attribute) and not (
        ctx.refers_to(func, "click.command") or ctx.refers_to(func, "click.group")
    ):
        owner = func.value.value if isinstance(func.value, cst.Name) else None
        parent = commands.get(owner or "")
        if parent is None:
            return None  # some other object's .command(): not click
    is_group = (
        func.attr.value
        if isinstance(func, cst.Attribute)
        else (ctx.qualname(func) or "").rpartition(".")[2]
    ) == "group" or _group_class(ctx, target)
    word = _default_word(function.name.value)
    help_text: str | None = None
    if isinstance(target, cst.Call):
        lookup = constant_lookup(ctx.constants)
        name_node = next(
            (a.value for a in target.args if a.keyword and a.keyword.value == "name"),
            positional_args(target)[0] if positional_args(target) else None,
        )
        if name_node is not None:
            value = static_value(name_node, lookup)
            if isinstance(value, Known) and isinstance(value.value, str):
                word = value.value
            elif not (isinstance(value, Known) and value.value is None):
                diagnostics.append(
                    ctx.diagnostic(
                        name_node,
                        Severity.WARNING,
                        "command-lost",
                        "a command whose name is not known statically is missing",
                    )
                )
                return None
        help_node = next(
            (a.value for a in target.args if a.keyword and a.keyword.value == "help"), None
        )
        if help_node is not None:
            value = static_value(help_node, lookup)
            if isinstance(value, Known) and isinstance(value.value, str):
                help_text = value.value
    if help_text is None:
        help_text = function.get_docstring(clean=True)
    command = ClickCommand(
        function=function.name.value,
        word=word,
        node=function,
        is_group=is_group,
        params=_params(ctx, function, diagnostics),
        help=(help_text.split("\f", 1)[0].strip() or None) if help_text else None,
    )
    if parent is not None:
        parent.children.append((word, command))
        command.attached = True
    return command


def _default_word(function: str) -> str:
    # click >= 8.2 also drops these suffixes (init_data_command -> init-data).
    word = function.lower()
    for suffix in _COMMAND_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            word = word[: -len(suffix)]
            break
    return word.replace("_", "-")


def _add_command(
    ctx: Context, call: cst.Call, commands: dict[str, ClickCommand], diagnostics: list[Diagnostic]
) -> None:
    func = call.func
    if not (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.attr.value == "add_command"
    ):
        return
    group = commands.get(func.value.value)
    args = positional_args(call)
    if group is None or not args:
        return
    child = commands.get(args[0].value) if isinstance(args[0], cst.Name) else None
    if child is None:
        diagnostics.append(
            ctx.diagnostic(
                call,
                Severity.WARNING,
                "command-lost",
                f"{ctx.code_for(call)}: the command is not known statically; it is missing",
            )
        )
        return
    word = child.word
    name_node = next(
        (a.value for a in call.args if a.keyword and a.keyword.value == "name"),
        args[1] if len(args) > 1 else None,
    )
    if name_node is not None:
        value = static_value(name_node, constant_lookup(ctx.constants))
        if not (isinstance(value, Known) and isinstance(value.value, str)):
            diagnostics.append(
                ctx.diagnostic(
                    call,
                    Severity.WARNING,
                    "command-lost",
                    "a command whose name is not known statically is missing",
                )
            )
            return
        word = value.value
    group.children.append((word, child))
    child.attached = True


# -- parameters ------------------------------------------------------------------------


def _warn_if_it_adds_options(
    ctx: Context, decorator: cst.Decorator, diagnostics: list[Diagnostic]
) -> None:
    """``parameter-lost`` for a decorator that applies click options the analysis does not
    follow: a function of this file whose body makes them (``def common_options(f):
    f = click.option(...)(f)``), or one given module values that hold them
    (``@add_options(common)``, ``common = [click.option(...), ...]``)."""
    target = decorator.decorator
    func = target.func if isinstance(target, cst.Call) else target
    places: list[cst.CSTNode] = []
    name = func.value if isinstance(func, cst.Name) else None
    places.extend(
        s for s in ctx.module.body if isinstance(s, cst.FunctionDef) and s.name.value == name
    )
    if isinstance(target, cst.Call):
        for arg in target.args:
            places.append(arg.value)
            if isinstance(arg.value, cst.Name) and arg.value.value in ctx.constants:
                places.append(ctx.constants[arg.value.value])
    for place in places:
        for call in find_all(place, cst.Call):
            if any(ctx.refers_to(call.func, q) for q in _PARAM_DECORATORS):
                diagnostics.append(
                    ctx.diagnostic(
                        decorator,
                        Severity.WARNING,
                        "parameter-lost",
                        f"@{ctx.code_for(target)} applies click options the analysis does "
                        "not follow; they are missing from the action (use @click.option "
                        "on the command, or a variable holding one)",
                    )
                )
                return


def _params(
    ctx: Context, function: cst.FunctionDef, diagnostics: list[Diagnostic]
) -> list[ParamSpec]:
    specs: list[ParamSpec] = []
    lookup = constant_lookup(ctx.constants)
    for decorator in function.decorators:  # top to bottom: click's order
        target = decorator.decorator
        shared = ctx.constants.get(target.value) if isinstance(target, cst.Name) else None
        if isinstance(shared, cst.Call):
            target = shared  # ``region_option = click.option(...)`` then ``@region_option``
        func = target.func if isinstance(target, cst.Call) else target
        kind = next((q for q in _PARAM_DECORATORS if ctx.refers_to(func, q)), None)
        if kind is None:
            _warn_if_it_adds_options(ctx, decorator, diagnostics)
            continue
        implied = dict(_PARAM_DECORATORS[kind])
        call = target if isinstance(target, cst.Call) else cst.Call(func=func)
        decls: list[str] = []
        lost = False
        for arg in call.args:
            if arg.keyword is not None:
                continue
            value = static_value(arg.value, lookup)
            if arg.star or not (isinstance(value, Known) and isinstance(value.value, str)):
                lost = True
                break
            decls.append(value.value)
        if lost:
            diagnostics.append(
                ctx.diagnostic(
                    decorator,
                    Severity.WARNING,
                    "parameter-lost",
                    f"parameter lost: the names in {ctx.code_for(call)} are not known statically",
                )
            )
            continue
        implied_decls = implied.pop("decls", [])
        decls = decls or (list(implied_decls) if isinstance(implied_decls, list) else [])
        spec = ParamSpec(
            node=decorator, is_option=kind != "click.argument", decls=decls, implied=implied
        )
        for arg in call.args:
            if arg.keyword is None:
                if arg.star == "**":
                    diagnostics.append(
                        ctx.diagnostic(
                            arg.value,
                            Severity.WARNING,
                            "unknown-keywords",
                            f"**{ctx.code_for(arg.value)} is not "
                            "followed; settings passed through it "
                            "are missing",
                        )
                    )
                continue
            key = arg.keyword.value
            spec.kw_nodes[key] = arg.value
            if key == "type":
                spec.type = click_type(ctx, arg.value)
            else:
                spec.kw[key] = static_value(arg.value, lookup)
        specs.append(spec)
    return specs


def click_type(ctx: Context, node: cst.BaseExpression) -> TypeSpec:
    """A click ``type=`` expression (not evaluated) as a ``TypeSpec``."""
    qualified = ctx.qualname(node)
    if qualified is not None:
        return TypeSpec(_SCALARS.get(qualified, ParamType.STRING), label=qualified)
    if isinstance(node, cst.Tuple):
        items = [click_type(ctx, e.value) for e in node.elements]
        kinds = {i.type for i in items}
        return TypeSpec(kinds.pop() if len(kinds) == 1 else None, arity=len(items))
    if isinstance(node, cst.Call):
        callee = ctx.qualname(node.func) or ""
        lookup = constant_lookup(ctx.constants)
        if callee == "click.Choice":
            args = positional_args(node)
            choices = static_value(args[0], lookup) if args else None
            if isinstance(choices, Known) and isinstance(choices.value, list | tuple):
                values = tuple(freeze(v) for v in choices.value)
                kinds = {json_type(v) for v in values}
                return TypeSpec(kinds.pop() if len(kinds) == 1 else ParamType.STRING, enum=values)
            return TypeSpec(ParamType.STRING, label=callee)
        if callee in _RANGES:
            bounds: list[int | float | None] = [None, None]
            for index, key in enumerate(("min", "max")):
                value_node = next(
                    (a.value for a in node.args if a.keyword and a.keyword.value == key),
                    positional_args(node)[index] if len(positional_args(node)) > index else None,
                )
                value = static_value(value_node, lookup) if value_node is not None else None
                if isinstance(value, Known) and isinstance(value.value, int | float):
                    bounds[index] = value.value
            return TypeSpec(_RANGES[callee], minimum=bounds[0], maximum=bounds[1], label=callee)
    return TypeSpec(ParamType.STRING, label=ctx.code_for(node))


# -- entry point -----------------------------------------------------------------------


def _entry_points(
    ctx: Context, commands: dict[str, ClickCommand], diagnostics: list[Diagnostic]
) -> list[ClickCommand]:
    functions = {
        s.name.value: s for s in iter_statements(ctx.module.body) if isinstance(s, cst.FunctionDef)
    }
    for statement in iter_statements(ctx.module.body):
        if isinstance(statement, cst.If) and is_main_test(statement.test):
            called = _called_names(statement.body)
            for callee in called:
                if callee in commands:
                    return [commands[callee]]
            for callee in called:  # def main(): cli(obj={}) ... main()
                if callee in functions:
                    for inner in _called_names(functions[callee].body):
                        if inner in commands:
                            return [commands[inner]]
    roots = [c for c in commands.values() if not c.attached]
    diagnostics.append(
        ctx.diagnostic(
            None,
            Severity.INFO,
            "no-entry-point",
            "no click command is called under "
            "if __name__ == '__main__'; every top-level command "
            "is analyzed",
        )
    )
    return roots


def _called_names(body: cst.CSTNode) -> list[str]:
    names: list[str] = []
    for call in find_all(body, cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "main":
            func = func.value
        if isinstance(func, cst.Name):
            names.append(func.value)
    return names


def _leaves(
    ctx: Context, command: ClickCommand, chain: list[ClickCommand], diagnostics: list[Diagnostic]
) -> list[list[ClickCommand]]:
    if not command.is_group:
        return [chain]
    if not command.children:
        diagnostics.append(
            ctx.diagnostic(
                command.node,
                Severity.WARNING,
                "group-empty",
                f"group {command.word!r} has no commands; no action is generated for it",
            )
        )
        return []
    result: list[list[ClickCommand]] = []
    for _, child in command.children:
        if child in chain:
            continue  # a cycle: cannot happen in click, but never loop
        result.extend(_leaves(ctx, child, [*chain, child], diagnostics))
    return result
