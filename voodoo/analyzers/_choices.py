"""``choices=`` built from an Enum or a dict literal of the same file:

    choices=[level.value for level in Level]     # or .name, in list()/tuple()/sorted()
    choices=list(SCENARIOS.keys())               # or list(SCENARIOS), sorted(SCENARIOS)

``Level`` must be an ``enum`` class defined at the module's top level whose members are
literals; ``SCENARIOS`` a module-level dict literal with literal keys.
"""

from __future__ import annotations

import libcst as cst

from voodoo.analyzers._context import LINES, Context, dotted_name, iter_statements, statements_of
from voodoo.analyzers._values import Known, static_value
from voodoo.model import Json, freeze

__all__ = ["enum_members", "static_choices"]

_WRAPPERS = ("list", "tuple", "sorted")


def enum_members(ctx: Context) -> dict[str, dict[str, Json]]:
    """Top-level ``enum`` classes: class name -> {member name: literal value}."""
    found: dict[str, dict[str, Json]] = {}
    for statement in iter_statements(ctx.module.body):
        if not isinstance(statement, cst.ClassDef):
            continue
        if not any((ctx.qualname(b.value) or "").startswith("enum.") for b in statement.bases):
            continue
        members: dict[str, Json] = {}
        for line in statements_of(statement.body):
            if isinstance(line, LINES):
                for small in line.body:
                    if (
                        isinstance(small, cst.Assign)
                        and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)
                    ):
                        value = static_value(small.value)
                        if isinstance(value, Known) and isinstance(value.value, str | int | float):
                            members[small.targets[0].target.value] = freeze(value.value)
        found[statement.name.value] = members
    return found


def static_choices(ctx: Context, node: cst.BaseExpression) -> Known | None:
    """The choices as a list, or None when the expression is not one of these shapes."""
    wrapped = False
    if (
        isinstance(node, cst.Call)
        and dotted_name(node.func) in _WRAPPERS
        and len(node.args) == 1
        and not node.args[0].keyword
        and not node.args[0].star
    ):
        wrapped, sort = True, dotted_name(node.func) == "sorted"
        node = node.args[0].value
    else:
        sort = False
    values = _from_enum(ctx, node) if isinstance(node, cst.ListComp | cst.GeneratorExp) else None
    if values is None:
        values = _dict_keys(ctx, node, wrapped)
    if values is None:
        return None
    return Known(sorted(values, key=str) if sort else values)


def _from_enum(ctx: Context, comp: cst.ListComp | cst.GeneratorExp) -> list[Json] | None:
    clause = comp.for_in
    if clause.inner_for_in is not None or clause.ifs or not isinstance(clause.target, cst.Name):
        return None
    elt = comp.elt
    if not (
        isinstance(elt, cst.Attribute)
        and isinstance(elt.value, cst.Name)
        and elt.value.value == clause.target.value
        and elt.attr.value in ("value", "name")
    ):
        return None
    members = enum_members(ctx).get(dotted_name(clause.iter) or "")
    if not members:
        return None
    return list(members.values()) if elt.attr.value == "value" else list(members)


def _dict_keys(ctx: Context, node: cst.BaseExpression, wrapped: bool) -> list[Json] | None:
    """``D.keys()`` (any), or ``D`` itself inside list()/tuple()/sorted()."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "keys"
        and not node.args
    ):
        node = node.func.value
    elif not wrapped:
        return None
    table = ctx.constants.get(dotted_name(node) or "")
    if not isinstance(table, cst.Dict):
        return None
    keys: list[Json] = []
    for element in table.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = static_value(element.key)
        if not (isinstance(key, Known) and isinstance(key.value, str | int)):
            return None
        keys.append(freeze(key.value))
    return keys
