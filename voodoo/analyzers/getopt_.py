"""getopt: the declared options of ``getopt.getopt``/``gnu_getopt`` (mapping.md).

The option specs (``"hvp:"``, ``["help", "port="]``) say what exists and what takes a
value; the ``for o, a in opts:`` loop says which strings are one option (one branch) and,
through the variable a branch assigns, the type (``int(a)``) and default (a literal
initial value of that variable). A declared option the loop does not handle is still a
parameter. Items of the returned ``args`` the script reads become ``arg1``, ...; the list
used as a whole (looped over, passed on, indexed by a variable) or from ``args[k:]`` on is
one array parameter ``args``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from voodoo.analyzers._context import LINES, Context, dotted_name, statements_of
from voodoo.analyzers._list_reads import find_reads, positional_params
from voodoo.analyzers._values import (
    Known,
    Lookup,
    constant_lookup,
    keyword_arg,
    static_value,
)
from voodoo.analyzers._walk import find_all, iter_nodes, walk
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
)
from voodoo.naming import action_name

__all__ = ["analyze", "detect", "name", "variables"]

name = "getopt"

_FUNCTIONS = ("getopt.getopt", "getopt.gnu_getopt")
_HELP = ("-h", "--help")
_CASTS = {"int": ParamType.INTEGER, "float": ParamType.NUMBER}


@dataclass
class _Option:
    strings: list[str]
    takes_value: bool
    variable: str | None = None
    cast: ParamType | None = None
    node: cst.CSTNode | None = None
    #: what the branch sets the variable to when that is ``True`` or ``False`` (a switch)
    sets: bool | None = None


@dataclass
class _Call:
    node: cst.Call
    opts: str | None = None
    args: str | None = None
    declared: dict[str, bool] = field(default_factory=dict)  # option string -> takes value


def detect(ctx: Context) -> bool:
    """The file imports getopt (anything from it)."""
    return ctx.imports_module("getopt")


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """One command: the declared options, grouped by the handling loop, then positionals."""
    diagnostics: list[Diagnostic] = []
    calls = _calls(ctx)
    if not calls:
        return [], diagnostics
    call = calls[0]
    lookup = constant_lookup(ctx.constants)
    _declare(ctx, call, lookup, diagnostics)
    loop = _find_loop(ctx.module, call.opts)
    groups: list[_Option] = []
    if loop is None:
        diagnostics.append(
            ctx.diagnostic(
                call.node,
                Severity.WARNING,
                "getopt-loop",
                "no 'for o, a in opts:' loop found; every declared "
                "option is its own parameter, typed as text",
            )
        )
    else:
        groups = _branches(ctx, loop, diagnostics)
    handled = {s for g in groups for s in g.strings}
    for string, takes in call.declared.items():
        if string not in handled:
            groups.append(_Option([string], takes))
    initial = {} if loop is None else _initial_values(ctx, loop, lookup)
    params: list[Param] = []
    for group in groups:
        strings = _declared_strings(group, call.declared)
        if not strings:
            continue
        params.append(_param(strings, call.declared, group, initial))
    if call.args is not None:
        names = {call.args}
        found = find_reads(ctx, lambda e: isinstance(e, cst.Name) and e.value in names)
        if found.escapes and (found.rest is None or found.rest[0] > 0):
            # ``for host in args:``, ``run(args)``, ``args[i]``: the script takes any
            # number of arguments, which is what an array parameter passes
            found.rest = (0, found.escapes[0])
        params.extend(positional_params(ctx, found, first=0, prefix="arg", diagnostics=diagnostics))
    command = Command(
        name=action_name(ctx.stem, ()),
        description=ctx.docstring.strip().split("\n\n", 1)[0].strip() or None
        if ctx.docstring
        else None,
        params=tuple(params),
        double_dash=True,
    )
    return [command], diagnostics


def variables(ctx: Context) -> dict[str, str]:
    """Variable the options loop assigns -> the dest (option string) of its parameter, so
    what the script later does with the variable (``pw or getpass.getpass()``) is tied to
    the parameter."""
    calls = _calls(ctx)
    loop = _find_loop(ctx.module, calls[0].opts) if calls else None
    if loop is None:
        return {}
    _declare(ctx, calls[0], constant_lookup(ctx.constants), [])
    out: dict[str, str] = {}
    for group in _branches(ctx, loop, []):
        strings = _declared_strings(group, calls[0].declared)
        longs = [s for s in strings if s.startswith("--")]
        if group.variable is not None and strings:
            out.setdefault(group.variable.rpartition(".")[2], (longs or strings)[0])
    return out


def _declared_strings(group: _Option, declared: dict[str, bool]) -> list[str]:
    """The group's declared option strings; ``-h``/``--help`` only when they take a value
    (``h:`` is then an option like any other, e.g. ``--host``'s short form)."""
    return [s for s in group.strings if s in declared and (s not in _HELP or declared[s])]


def _param(
    strings: list[str], declared: dict[str, bool], group: _Option, initial: dict[str, Json]
) -> Param:
    longs = [s for s in strings if s.startswith("--")]
    option = longs[0] if longs else strings[0]
    pname = option.lstrip("-").replace("-", "_")
    takes = any(declared[s] for s in strings)
    dest = option
    if takes and not declared[option]:
        # ``h:`` with ``--host`` declared without ``=``: getopt refuses ``--host=x``, so
        # the value goes to the spelling that takes one (the name stays the long one)
        option = next(s for s in [*longs, *strings] if declared[s])
    default = initial.get(group.variable) if group.variable else None
    if not takes:
        if isinstance(default, bool) and group.sets is not None:
            # true: the flag is given. ``color = True`` then ``--no-color`` -> ``color =
            # False``: not given by default (passing it would turn the colour off)
            default = default == group.sets
        return Param(
            name=pname,
            dest=option,
            emit=Emit(ArgKind.FLAG, option),
            type=ParamType.BOOLEAN,
            default=default if isinstance(default, bool) else None,
        )
    ptype = group.cast or ParamType.STRING
    if group.cast is None and isinstance(default, int | float) and not isinstance(default, bool):
        ptype = ParamType.INTEGER if isinstance(default, int) else ParamType.NUMBER
    if isinstance(default, bool) or (ptype is ParamType.STRING and not isinstance(default, str)):
        default = None
    if ptype is ParamType.INTEGER and not isinstance(default, int):
        default = None
    joiner = Joiner.EQUALS if option.startswith("--") else Joiner.ATTACHED
    return Param(
        name=pname,
        dest=dest,
        emit=Emit(ArgKind.OPTION, option, joiner=joiner),
        type=ptype,
        default=default,
    )


def _calls(ctx: Context) -> list[_Call]:
    found: list[_Call] = []

    class _Find(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            value = node.value
            if isinstance(value, cst.Call) and any(
                ctx.refers_to(value.func, f) for f in _FUNCTIONS
            ):
                target = node.targets[0].target
                call = _Call(value)
                if isinstance(target, cst.Tuple | cst.List) and len(target.elements) == 2:
                    first, second = (e.value for e in target.elements)
                    call.opts = first.value if isinstance(first, cst.Name) else None
                    call.args = second.value if isinstance(second, cst.Name) else None
                found.append(call)

    walk(ctx.module, _Find())
    return found


def _declare(ctx: Context, call: _Call, lookup: Lookup, diagnostics: list[Diagnostic]) -> None:
    shorts = keyword_arg(call.node, "shortopts", 1)
    longs = keyword_arg(call.node, "longopts", 2)
    for node, is_long in ((shorts, False), (longs, True)):
        if node is None:
            continue
        value = static_value(node, lookup)
        if not isinstance(value, Known):
            diagnostics.append(
                ctx.diagnostic(
                    node,
                    Severity.WARNING,
                    "parameter-lost",
                    f"parameters lost: {ctx.code_for(node)} is not known statically",
                )
            )
            continue
        spec = value.value
        if not is_long and isinstance(spec, str):
            for index, letter in enumerate(spec):
                if letter != ":":
                    call.declared[f"-{letter}"] = spec[index + 1 : index + 2] == ":"
        elif is_long:
            items = [spec] if isinstance(spec, str) else list(spec)
            for item in items:
                call.declared[f"--{item.rstrip('=')}"] = item.endswith("=")


def _find_loop(module: cst.Module, opts: str | None) -> cst.For | None:
    found: list[cst.For] = []

    class _Find(cst.CSTVisitor):
        def visit_For(self, node: cst.For) -> None:
            if isinstance(node.iter, cst.Name) and node.iter.value == opts:
                found.append(node)

    if opts is not None:
        walk(module, _Find())
    return found[0] if found else None


def _branches(ctx: Context, loop: cst.For, diagnostics: list[Diagnostic]) -> list[_Option]:
    target = loop.target
    if not (isinstance(target, cst.Tuple) and len(target.elements) == 2):
        diagnostics.append(
            ctx.diagnostic(
                loop,
                Severity.WARNING,
                "getopt-loop",
                "the opts loop does not unpack (option, value)",
            )
        )
        return []
    opt_name = dotted_name(target.elements[0].value)
    val_name = dotted_name(target.elements[1].value)
    groups: list[_Option] = []
    for statement in statements_of(loop.body):
        branch: cst.BaseStatement | cst.BaseSuite | None = statement
        while isinstance(branch, cst.If):
            strings = _strings(branch.test, opt_name, constant_lookup(ctx.constants))
            if strings is None:
                diagnostics.append(
                    ctx.diagnostic(
                        branch.test,
                        Severity.WARNING,
                        "getopt-branch",
                        f"cannot read the branch "
                        f"'{ctx.code_for(branch.test)}'; its options "
                        "are parameters of their own",
                    )
                )
            else:
                variable, cast, sets = _assignment(branch.body, val_name)
                groups.append(_Option(strings, False, variable, cast, branch, sets))
            orelse = branch.orelse
            branch = orelse if isinstance(orelse, cst.If) else None
    return groups


def _strings(test: cst.BaseExpression, opt: str | None, lookup: Lookup) -> list[str] | None:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        left = _strings(test.left, opt, lookup)
        right = _strings(test.right, opt, lookup)
        return None if left is None or right is None else left + right
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return None
    if dotted_name(test.left) != opt:
        return None
    comp = test.comparisons[0]
    value = static_value(comp.comparator, lookup)
    if not isinstance(value, Known):
        return None
    if isinstance(comp.operator, cst.Equal) and isinstance(value.value, str):
        return [value.value]
    if isinstance(comp.operator, cst.In) and isinstance(value.value, tuple | list):
        return [v for v in value.value if isinstance(v, str)]
    return None


def _assignment(
    body: cst.BaseSuite, val: str | None
) -> tuple[str | None, ParamType | None, bool | None]:
    """The variable the branch assigns, its cast of the value, and the switch value it
    sets (``verbose = True``: True)."""
    for statement in statements_of(body):  # (``if o == "-v": verbose = True`` too)
        if not isinstance(statement, LINES):
            continue
        for small in statement.body:
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
                continue
            variable = dotted_name(small.targets[0].target)
            value = small.value
            if (
                isinstance(value, cst.Call)
                and len(value.args) == 1
                and dotted_name(value.args[0].value) == val
            ):
                return variable, _CASTS.get(dotted_name(value.func) or ""), None
            if isinstance(value, cst.Name):
                switch = {"True": True, "False": False}.get(value.value)
                return variable, None, switch
    return None, None, None


def _initial_values(ctx: Context, loop: cst.For, lookup: Lookup) -> dict[str, Json]:
    """The literal value each variable holds when ``loop`` starts, where the code says so
    for certain: the plain assignments (``a = 1``, ``a, b = 1, 2``) among the statements
    run straight before the one holding the loop, in its function (at module level: the
    module's). An assignment in a branch, another function or after the loop is not one."""
    module = ctx.module
    body, global_names = _scope_of(ctx, loop)
    values: dict[str, Json] = {}
    if global_names:  # ``global verbose``: the module's value, unless the function sets one
        values.update(
            (k, v)
            for k, v in _assigned_before(module.body, None, lookup).items()
            if k in global_names
        )
    values.update(_assigned_before(body, loop, lookup))
    return values


def _scope_of(ctx: Context, loop: cst.For) -> tuple[Sequence[cst.CSTNode], set[str]]:
    """The statements of the function that runs ``loop`` (else the module's), and the
    names that function declares ``global``."""
    node = ctx.parent(loop)
    while node is not None and not isinstance(node, cst.FunctionDef):
        node = ctx.parent(node)
    if node is None:
        return ctx.module.body, set()
    names = {
        n.name.value
        for small in find_all(node.body, cst.Global)
        for n in small.names
        if isinstance(n.name, cst.Name)
    }
    return statements_of(node.body), names


def _assigned_before(
    statements: Sequence[cst.CSTNode], loop: cst.For | None, lookup: Lookup
) -> dict[str, Json]:
    """Literal plain assignments among ``statements`` before the one holding ``loop`` (the
    last one of a variable wins: it is the value the loop sees)."""
    values: dict[str, Json] = {}
    for statement in statements:
        if loop is not None and any(n is loop for n in iter_nodes(statement)):
            break
        if not isinstance(statement, LINES):
            # a branch or a loop that may set it: its value is no longer known for certain
            for name in _set_within(statement):
                values.pop(name, None)
            continue
        for small in statement.body:
            if isinstance(small, cst.AugAssign | cst.AnnAssign):
                values.pop(dotted_name(small.target) or "", None)
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
                for each in small.targets if isinstance(small, cst.Assign) else ():
                    values.pop(dotted_name(each.target) or "", None)
                continue
            target: cst.BaseExpression = small.targets[0].target
            value = small.value
            pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]] = [(target, value)]
            if (
                isinstance(target, cst.Tuple | cst.List)
                and isinstance(value, cst.Tuple | cst.List)
                and len(target.elements) == len(value.elements)
            ):
                pairs = [
                    (t.value, v.value) for t, v in zip(target.elements, value.elements, strict=True)
                ]
            for name_node, value_node in pairs:
                variable = dotted_name(name_node)
                if variable is None:
                    continue
                found = static_value(value_node, lookup)
                if isinstance(found, Known) and isinstance(found.value, str | int | float | bool):
                    values[variable] = found.value
                else:
                    values.pop(variable, None)  # set to something not known: no default
    return values


def _set_within(statement: cst.CSTNode) -> set[str]:
    """Names a statement before the loop may assign: a ``def`` or ``class`` its own name,
    a compound statement every name assigned anywhere in it (over-cautious: a function
    defined inside it counts too; the cost is a default left out, never a wrong one)."""
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return {statement.name.value}
    names: set[str] = set()
    for node in iter_nodes(statement):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, cst.AugAssign | cst.AnnAssign | cst.For):
            targets = [node.target]
        elif isinstance(node, cst.AsName):
            targets = [node.name] if isinstance(node.name, cst.BaseExpression) else []
        for target in targets:
            for name in iter_nodes(target):
                dotted = dotted_name(name) if isinstance(name, cst.BaseExpression) else None
                if dotted is not None:
                    names.add(dotted)
    return names
