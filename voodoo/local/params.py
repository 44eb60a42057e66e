"""Action parameters, from ``name=value`` words to the values a runner receives.

The steps follow ``st2 run`` and the st2 action runner: cast each given value by its declared
type, refuse unknown and immutable parameters, apply defaults and render the Jinja that
``templates`` supports in given values and defaults alike (what it does not support is
refused, never passed on literally), then validate everything against the merged
parameter schema. Every problem is collected and raised at once as ``ParameterError``;
nothing here runs anything.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from voodoo.errors import ActionError, ParameterError
from voodoo.local.action import ActionDef, ParamSpec
from voodoo.local.templates import is_template, render

#: What a secret value is replaced with wherever it is shown or logged.
SECRET_MASK = "********"

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True, slots=True)
class Prepared:
    """Validated parameters, split the way the runner consumes them."""

    #: the action's own parameters (not runner ones), every declared one; None when unset
    action: Mapping[str, Any] = field(hash=False)
    #: runner parameters after overrides and defaults; None when unset
    runner: Mapping[str, Any] = field(hash=False)
    #: what may be shown or logged: set values of declared or given parameters, secrets masked
    masked: Mapping[str, Any] = field(hash=False)


def prepare_parameters(
    action: ActionDef, raw: list[str] | Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Prepared:
    """Parse, cast, default, render and validate ``raw`` for ``action``.

    ``raw`` is either ``st2 run`` words (``name=value``, ``name=@file``) or a mapping of
    values (strings are cast like the st2 API casts them). Raises ``ParameterError``.
    """
    given, problems = parse_words(action, raw) if isinstance(raw, list) else coerce(action, raw)
    problems += [
        f"{name}: immutable parameter cannot be overridden"
        for name in given
        if (spec := action.param(name)) is not None and spec.immutable
    ]
    values, render_problems = apply_defaults(action, given, config or {})
    problems += render_problems
    # A value already refused (bad cast, broken default) is not also reported as missing.
    refused = {_name_of(p) for p in problems}
    problems += [p for p in validate(action, values) if _name_of(p) not in refused]
    if problems:
        raise ParameterError(list(dict.fromkeys(problems)))
    shown = {
        p.name: values.get(p.name)
        for p in action.params
        if (p.declared or p.name in given) and values.get(p.name) is not None
    }
    return Prepared(
        action={p.name: values.get(p.name) for p in action.params if not p.runner},
        runner={p.name: values.get(p.name) for p in action.params if p.runner},
        masked=mask(action, shown),
    )


def mask(action: ActionDef, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every secret parameter's value replaced by ``SECRET_MASK``."""
    out = {}
    for name, value in values.items():
        spec = action.param(name)
        secret = spec is not None and spec.secret and value is not None
        out[name] = SECRET_MASK if secret else value
    return out


def parse_words(action: ActionDef, words: list[str]) -> tuple[dict[str, Any], list[str]]:
    """``name=value`` words to typed values, with the problems found (``st2 run`` rules)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for word in words:
        name, sep, text = word.partition("=")
        if not sep or not name:
            problems.append(f"{word!r}: expected name=value")
            continue
        spec = action.param(name)
        if spec is None:
            problems.append(_unknown(action, name))
            continue
        if text.startswith("@"):
            try:
                text = Path(text[1:]).read_text(encoding="utf-8")
            except OSError as e:
                problems.append(f"{name}: cannot read {text[1:]!r}: {e.strerror}")
                continue
        try:
            values[name] = cast_word(spec, text)
        except ValueError as e:
            problems.append(f"{name}: {e}")
    return values, problems


def coerce(action: ActionDef, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A mapping of values: unknown names refused, strings cast as the st2 API casts them."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in raw.items():
        spec = action.param(name)
        if spec is None:
            problems.append(_unknown(action, name))
        elif value is not None:
            try:
                values[name] = cast_value(spec.type, value)
            except (ValueError, SyntaxError) as e:
                problems.append(f"{name}: {e}")
    return values, problems


def cast_word(spec: ParamSpec, text: str) -> Any:
    """Cast one command-line value by the parameter's type; ValueError says what was expected."""
    kind = spec.type
    if kind == "integer":
        return _parse(int, text, "an integer")
    if kind == "number":
        return _parse(float if any(c in text for c in ".eE") else int, text, "a number")
    if kind == "boolean":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"expected a boolean (true/false/yes/no/1/0), got {text!r}")
    if kind == "array":
        return _array(spec, text)
    if kind == "object":
        value = _json(text)
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {text!r}")
        return value
    return text


def cast_value(kind: str | None, value: Any) -> Any:
    """StackStorm's server-side cast (st2common/util/casts.py) of a value to a declared type."""
    if not isinstance(value, str):
        return value
    if kind in ("array", "object"):
        try:
            return json.loads(value)
        except ValueError:
            return ast.literal_eval(value)
    if kind == "boolean":
        return ast.literal_eval(value.capitalize())
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value) if "." in value else int(value)
    return value


def apply_defaults(
    action: ActionDef, given: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Given values plus defaults; strings with Jinja (given or default) rendered, then
    cast by type. A given name the action does not declare is kept as it is."""
    resolver = _Defaults(action, given, config)
    for spec in action.params:
        resolver.resolve(spec.name)
    values = {**{k: v for k, v in given.items() if action.param(k) is None}, **resolver.values}
    return values, resolver.problems


def validate(action: ActionDef, values: Mapping[str, Any]) -> list[str]:
    """Every schema violation of ``values`` (None means unset), as ``name: message`` lines."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: draft4(p.schema) for p in action.params},
    }
    if required := [p.name for p in action.params if p.required]:
        schema["required"] = required  # draft-04 wants a non-empty list
    instance = {k: v for k, v in values.items() if v is not None and action.param(k) is not None}
    try:
        jsonschema.Draft4Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        path = str(action.metadata_path)
        raise ActionError(f"invalid parameter schema: {e.message}", path=path) from None
    problems = []
    errors = jsonschema.Draft4Validator(schema).iter_errors(instance)
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required" and not path:
            missing = error.message.split("'")[1]
            problems.append(f"{missing}: required parameter missing")
        else:
            problems.append(f"{path}: {error.message}")
    return problems


def draft4(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A parameter schema in standard draft-04: boolean ``required`` moved to the parent."""
    out = {
        k: v for k, v in schema.items() if k not in ("required", "secret", "immutable", "position")
    }
    props = schema.get("properties")
    if isinstance(props, dict):
        out["properties"] = {k: draft4(v) if isinstance(v, dict) else v for k, v in props.items()}
        required = [
            k for k, v in props.items() if isinstance(v, dict) and v.get("required") is True
        ]
        if required:
            out["required"] = required
    elif isinstance(schema.get("required"), list):
        out["required"] = schema["required"]
    for key in ("items", "additionalItems", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            out[key] = draft4(schema[key])
    if isinstance(schema.get("items"), list):
        out["items"] = [draft4(s) for s in schema["items"]]
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            out[key] = [draft4(s) for s in schema[key]]
    for key in ("patternProperties", "definitions"):
        if isinstance(schema.get(key), dict):
            out[key] = {k: draft4(v) for k, v in schema[key].items()}
    return out


class _Defaults:
    """Resolves defaults lazily so ``{{ other }}`` sees ``other``'s final value."""

    def __init__(self, action: ActionDef, given: Mapping[str, Any], config: Mapping[str, Any]):
        self.action = action
        self.config = config
        self.given = dict(given)
        self.values: dict[str, Any] = {}
        self.problems: list[str] = []
        self._active: list[str] = []

    def resolve(self, name: str) -> Any:
        """The value of ``name``: given or default, a template in either rendered (st2
        renders the values a run is given like the defaults)."""
        if name in self.values:
            return self.values[name]
        spec = self.action.param(name)
        if name in self.given:
            default, what = self.given[name], "value"
        else:
            default, what = (spec.schema.get("default") if spec is not None else None), "default"
        if spec is None or not (isinstance(default, str) and is_template(default)):
            self.values[name] = default
            return default
        if name in self._active:
            cycle = " -> ".join([*self._active[self._active.index(name) :], name])
            raise ValueError(f"circular reference in defaults: {cycle}")
        self._active.append(name)
        try:
            value: Any = cast_value(spec.type, render(default, self._lookup))
        except (ValueError, SyntaxError) as e:
            if self._active[0] == name:
                self.problems.append(f"{name}: {what} {default!r}: {e}")
            value = None
            if len(self._active) > 1:
                raise
        finally:
            self._active.pop()
        self.values[name] = value
        return value

    def _lookup(self, name: str, attr: str | None) -> object:
        if name == "config_context" and attr is not None:
            if attr not in self.config:
                raise ValueError(f"config_context.{attr} is not in the pack config")
            return self.config[attr]
        if attr is not None:
            raise ValueError(f"unsupported reference {name}.{attr}")
        if self.action.param(name) is None:
            raise ValueError(f"unknown parameter {name!r}")
        return self.resolve(name)


def _unknown(action: ActionDef, name: str) -> str:
    known = ", ".join(p.name for p in action.params)
    return f"{name}: unknown parameter (known: {known})"


def _parse(kind: type, text: str, what: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"expected {what}, got {text!r}") from None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _array(spec: ParamSpec, text: str) -> list[Any]:
    value = _json(text)
    if isinstance(value, list):
        return value
    items = [v.strip() for v in text.split(",")] if text else []
    item_schema = spec.schema.get("items")
    if isinstance(item_schema, dict) and isinstance(item_schema.get("type"), str):
        item_spec = ParamSpec(spec.name, item_schema)
        return [cast_word(item_spec, item) for item in items]
    return items


def _name_of(problem: str) -> str:
    return problem.partition(":")[0].partition(".")[0]
