"""docopt: the command line is the usage text passed to ``docopt(...)``.

The text is found statically (the module docstring for ``docopt(__doc__)``, else a
module-level string constant) and read with docopt-ng's own usage parser
(``_docopt_usage``). A docopt script is one action: its usage patterns' literal command
words become boolean parameters emitted as the bare word in place (mapping.md).
"""

from __future__ import annotations

import libcst as cst

from voodoo.analyzers._context import LINES, Context, iter_statements
from voodoo.analyzers._docopt_usage import HELP_OPTIONS, Leaf, Usage, UsageError, read_usage
from voodoo.analyzers._values import Known, Value, keyword_arg, static_value
from voodoo.analyzers._walk import find_all
from voodoo.model import ArgKind, Command, Diagnostic, Emit, Joiner, Param, ParamType, Severity
from voodoo.naming import action_name

__all__ = ["analyze", "detect", "name"]

name = "docopt"


def detect(ctx: Context) -> bool:
    """The file imports docopt and calls ``docopt(...)``."""
    return ctx.imports_module("docopt") and _find_call(ctx) is not None


def analyze(ctx: Context) -> tuple[list[Command], list[Diagnostic]]:
    """One command from the usage text given to the first ``docopt(...)`` call."""
    call = _find_call(ctx)
    if call is None:
        return [], []
    doc = keyword_arg(call, "docstring", 0) or keyword_arg(call, "doc")
    if doc is None:
        return [], [
            _diag(
                ctx,
                call,
                Severity.WARNING,
                "docopt-no-usage",
                "docopt() is called without a usage text",
            )
        ]
    text = _usage_text(ctx, doc)
    if not isinstance(text, Known) or not isinstance(text.value, str):
        reason = getattr(text, "reason", "not a string")
        return [], [
            _diag(
                ctx,
                call,
                Severity.WARNING,
                "docopt-unknown-usage",
                f"the usage text cannot be known statically ({reason})",
            )
        ]
    try:
        usage = read_usage(text.value)
    except UsageError as err:
        where = _usage_node(ctx, doc) or call
        return [], [
            _diag(
                ctx,
                where,
                Severity.ERROR,
                "docopt-usage-error",
                f"docopt cannot parse the usage text: {err}",
            )
        ]
    diagnostics: list[Diagnostic] = []
    order = _positional_order(usage, ctx, call, diagnostics)
    _note_partly_repeated(usage, ctx, call, diagnostics)
    double_dash = any(leaf.key == "--" for leaf in usage.leaves)
    params = [
        _param(leaf, usage, order)
        for leaf in usage.leaves
        if leaf.key not in HELP_OPTIONS and leaf.key != "--"
    ]
    command = Command(
        name=action_name(ctx.stem),
        description=_description(ctx.docstring),
        params=tuple(params),
        double_dash=double_dash,
        line=ctx.line_of(call),
    )
    return [command], diagnostics


def _find_call(ctx: Context) -> cst.Call | None:
    for statement in iter_statements(ctx.module.body):
        if not isinstance(statement, LINES):
            continue
        for node in find_all(statement, cst.Call):
            if isinstance(node, cst.Call) and ctx.refers_to(node.func, "docopt.docopt"):
                return node
    return None


def _usage_text(ctx: Context, doc: cst.BaseExpression) -> Value:
    seen: set[str] = set()

    def lookup(expr: cst.BaseExpression) -> Value | None:
        if isinstance(expr, cst.Name):
            if expr.value == "__doc__" and ctx.docstring is not None:
                return Known(_raw_docstring(ctx) or ctx.docstring)
            if expr.value in ctx.constants and expr.value not in seen:
                seen.add(expr.value)
                return static_value(ctx.constants[expr.value], lookup)
        return None

    return static_value(doc, lookup)


def _raw_docstring(ctx: Context) -> str | None:
    # docopt gets ``__doc__`` as written (not cleaned): read it the same way.
    return ctx.module.get_docstring(clean=False)


def _usage_node(ctx: Context, doc: cst.BaseExpression) -> cst.CSTNode | None:
    if isinstance(doc, cst.Name) and doc.value == "__doc__" and ctx.module.body:
        return ctx.module.body[0]
    if isinstance(doc, cst.Name) and doc.value in ctx.constants:
        return ctx.constants[doc.value]
    return None


def _positional_order(
    usage: Usage, ctx: Context, call: cst.Call, diagnostics: list[Diagnostic]
) -> dict[str, int]:
    """One order of arguments and command words that agrees with every usage pattern."""
    positional = {leaf.key for leaf in usage.leaves if leaf.kind != "option"}
    sequences = [[key for key in pattern if key in positional] for pattern in usage.patterns]
    first_seen = list(dict.fromkeys(key for seq in sequences for key in seq))
    before: dict[str, set[str]] = {key: set() for key in first_seen}
    for seq in sequences:
        for i, key in enumerate(seq):
            before[key].update(seq[:i])
    order: list[str] = []
    pending = list(first_seen)
    while pending:
        ready = next((k for k in pending if before[k] <= set(order)), None)
        if ready is None:  # the patterns disagree: keep the first pattern's order
            ready = pending[0]
            diagnostics.append(
                _diag(
                    ctx,
                    call,
                    Severity.WARNING,
                    "docopt-order",
                    "the usage patterns put arguments in different orders; "
                    f"{ready!r} is placed as in the first pattern that uses it",
                )
            )
        order.append(ready)
        pending.remove(ready)
    return {key: i for i, key in enumerate(order)}


def _note_partly_repeated(
    usage: Usage, ctx: Context, call: cst.Call, diagnostics: list[Diagnostic]
) -> None:
    # docopt returns a list in every pattern once one pattern repeats the argument
    for leaf in usage.leaves:
        if leaf.kind != "argument" or not leaf.repeated:
            continue
        single = [
            keys
            for keys, again in zip(usage.patterns, usage.repeated, strict=True)
            if leaf.key in keys and leaf.key not in again
        ]
        if single:
            diagnostics.append(
                _diag(
                    ctx,
                    call,
                    Severity.INFO,
                    "docopt-partly-repeated",
                    f"{leaf.key} is repeated in some usage patterns only: the parameter is an "
                    "array; give it one item for the others",
                )
            )


def _param(leaf: Leaf, usage: Usage, order: dict[str, int]) -> Param:
    required = _is_required(leaf.key, usage)
    if leaf.kind == "option":
        return _option_param(leaf, required)
    pname = _name(leaf.key.strip("<>") if leaf.key.startswith("<") else leaf.key)
    position = order.get(leaf.key, 0)
    if leaf.kind == "command":
        return Param(
            name=pname,
            dest=leaf.key,
            emit=Emit(ArgKind.COMMAND, option=leaf.key, position=position),
            type=ParamType.BOOLEAN,
            required=required,
            default=None if required else False,
        )
    if leaf.repeated:
        return Param(
            name=pname,
            dest=leaf.key,
            emit=Emit(ArgKind.POSITIONAL, position=position),
            type=ParamType.ARRAY,
            items_type=ParamType.STRING,
            required=required,
            min_items=1 if required else None,
        )
    return Param(
        name=pname,
        dest=leaf.key,
        emit=Emit(ArgKind.POSITIONAL, position=position),
        type=ParamType.STRING,
        required=required,
    )


def _option_param(leaf: Leaf, required: bool) -> Param:
    option = leaf.long or leaf.short or leaf.key
    pname = _name(option.lstrip("-"))
    joiner = Joiner.EQUALS if option.startswith("--") else Joiner.ATTACHED
    if not leaf.takes_value:
        if leaf.repeated:
            return Param(
                name=pname,
                dest=leaf.key,
                emit=Emit(ArgKind.COUNT, option=option),
                type=ParamType.INTEGER,
                description=leaf.help,
                required=required,
            )
        return Param(
            name=pname,
            dest=leaf.key,
            emit=Emit(ArgKind.FLAG, option=option),
            type=ParamType.BOOLEAN,
            description=leaf.help,
            required=required,
            default=None if required else False,
        )
    if leaf.repeated:
        default = tuple(leaf.default.split()) if leaf.default else None
        return Param(
            name=pname,
            dest=leaf.key,
            emit=Emit(ArgKind.APPEND, option=option, joiner=joiner),
            type=ParamType.ARRAY,
            items_type=ParamType.STRING,
            description=leaf.help,
            default=default,
            required=required,
        )
    return Param(
        name=pname,
        dest=leaf.key,
        emit=Emit(ArgKind.OPTION, option=option, joiner=joiner),
        type=ParamType.STRING,
        description=leaf.help,
        default=leaf.default,
        required=required,
    )


def _is_required(key: str, usage: Usage) -> bool:
    relevant = [
        (keys, needed)
        for keys, needed in zip(usage.patterns, usage.required, strict=True)
        if not set(keys) <= HELP_OPTIONS
    ]
    return bool(relevant) and all(key in needed for _, needed in relevant)


def _name(text: str) -> str:
    return text.replace("-", "_").lower()


def _description(docstring: str | None) -> str | None:
    """The docstring's first paragraph, unless it is the usage itself."""
    if not docstring:
        return None
    first = docstring.strip().split("\n\n", 1)[0].strip()
    return None if not first or first.lower().startswith("usage:") else first


def _diag(
    ctx: Context, node: cst.CSTNode | None, severity: Severity, code: str, message: str
) -> Diagnostic:
    return ctx.diagnostic(node, severity, code, message)
