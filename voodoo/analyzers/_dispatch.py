"""Sub-commands dispatched by name at run time (OpenStack operator tools and the like):

    getattr(self, "do_" + args.command)(args)      # methods do_list, do_show, ...
    HANDLERS[args.action](args)                    # HANDLERS = {"list": ..., "show": ...}

When the names are statically visible (methods with the prefix in a class of the file, a
module-level dict literal with string keys), the dispatching parameter gets them as its
``enum``. A parameter that already has an ``enum`` (``choices=``) is left as it is; names
that cannot be seen leave the parameter a free string.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from voodoo.analyzers._context import Context, dotted_name
from voodoo.analyzers._values import Known, static_value
from voodoo.analyzers._walk import find_all
from voodoo.model import Command, Diagnostic, Json, ParamType, Severity

__all__ = ["dispatched_names", "with_dispatch_enums"]


def dispatched_names(ctx: Context) -> dict[str, tuple[tuple[str, ...], cst.CSTNode, str]]:
    """dest -> (the names it dispatches to, the dispatching node, where they come from)."""
    found: dict[str, tuple[tuple[str, ...], cst.CSTNode, str]] = {}
    # two walks of the whole module at most, and only when the text can hold a dispatch
    calls = find_all(ctx.module, cst.Call) if ctx.mentions("getattr") else []
    tables = any(isinstance(v, cst.Dict) for v in ctx.constants.values())
    for call in calls:
        if dotted_name(call.func) == "getattr" and len(call.args) >= 2:
            read = _prefixed_dest(call.args[1].value)
            if read is not None:
                prefix, dest = read
                names = _methods(ctx, prefix)
                if names:
                    found.setdefault(dest, (names, call, f"the {prefix}* methods"))
    for sub in find_all(ctx.module, cst.Subscript) if tables else []:
        if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
            continue
        key = _attribute_dest(sub.slice[0].slice.value)
        table = ctx.constants.get(dotted_name(sub.value) or "")
        if key is not None and isinstance(table, cst.Dict):
            keys = _string_keys(table)
            if keys:
                found.setdefault(key, (keys, sub, f"the keys of {dotted_name(sub.value)}"))
    return found


def with_dispatch_enums(
    ctx: Context, commands: list[Command], diagnostics: list[Diagnostic]
) -> list[Command]:
    """Each command's dispatching string parameter with its visible names as ``enum``."""
    dispatch = dispatched_names(ctx)
    if not dispatch:
        return commands
    out = []
    for command in commands:
        params = []
        for param in command.params:
            hit = dispatch.get(param.dest)
            if hit is not None and param.enum is None and param.type in (None, ParamType.STRING):
                names, node, source = hit
                enum: tuple[Json, ...] = names
                if param.default is not None and param.default not in enum:
                    enum = (*enum, param.default)
                param = dataclasses.replace(param, enum=enum)
                diagnostics.append(
                    ctx.diagnostic(
                        node,
                        Severity.INFO,
                        "dispatched-commands",
                        f"{param.dest!r} is looked up by name at run time; its values are "
                        f"{source}: {', '.join(names)}",
                    )
                )
            params.append(param)
        out.append(dataclasses.replace(command, params=tuple(params)))
    return out


def _attribute_dest(expr: cst.BaseExpression) -> str | None:
    """``args.command`` (maybe ``.replace("-", "_")``/``.lower()``) -> "command"."""
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in ("replace", "lower", "strip")
    ):
        expr = expr.func.value
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return expr.attr.value
    return None


def _prefixed_dest(expr: cst.BaseExpression) -> tuple[str, str] | None:
    """``"do_" + args.command``, ``f"do_{args.command}"``, ``"do_%s" % args.command``."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add | cst.Modulo):
        prefix = static_value(expr.left)
        dest = _attribute_dest(expr.right)
        if isinstance(prefix, Known) and isinstance(prefix.value, str) and dest is not None:
            text = prefix.value
            if isinstance(expr.operator, cst.Modulo):
                if not text.endswith("%s") or text.count("%") != 1:
                    return None
                text = text[:-2]
            return (text, dest) if text else None
    if isinstance(expr, cst.FormattedString) and len(expr.parts) == 2:
        head, tail = expr.parts
        if isinstance(head, cst.FormattedStringText) and isinstance(
            tail, cst.FormattedStringExpression
        ):
            dest = _attribute_dest(tail.expression)
            if dest is not None and head.value:
                return head.value, dest
    return None


def _methods(ctx: Context, prefix: str) -> tuple[str, ...]:
    names: list[str] = []
    for cls in find_all(ctx.module, cst.ClassDef):
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef):
                name = statement.name.value
                if name.startswith(prefix) and len(name) > len(prefix):
                    names.append(name[len(prefix) :])
    return tuple(dict.fromkeys(names))


def _string_keys(table: cst.Dict) -> tuple[str, ...]:
    keys: list[str] = []
    for element in table.elements:
        if not isinstance(element, cst.DictElement):
            return ()
        key = static_value(element.key)
        if not (isinstance(key, Known) and isinstance(key.value, str)):
            return ()
        keys.append(key.value)
    return tuple(keys)
