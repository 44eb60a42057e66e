"""Our schemas (voodoo/schemas, written from the spec) agree with the reference st2 schemas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fidelity import st2_reference
from voodoo.model import ArgKind, Command, Emit, Param, ParamType, freeze
from voodoo.stackstorm import action_metadata, pack_metadata, pack_ref

OURS = Path(__file__).resolve().parents[1] / "voodoo" / "schemas"

PAIRS = {
    "action": ("action.json", "action.schema.json"),
    "pack": ("pack.json", "pack.schema.json"),
    "param": ("params.json", "action_params.schema.json"),
    "config": ("config_schema.json", "config.schema.meta.json"),
}


@cache
def _validator(path: Path) -> Any:
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def verdicts(kind: str, document: object) -> tuple[bool, bool]:
    """(ours accepts, reference accepts)."""
    ours, reference = PAIRS[kind]
    return (
        _validator(OURS / ours).is_valid(document),
        _validator(st2_reference(reference)).is_valid(document),
    )


def test_reference_data_is_there() -> None:
    assert st2_reference("action.schema.json").is_file()


# --- rendered documents ----------------------------------------------------------------------

EMIT = Emit(ArgKind.OPTION, "--x")
FULL = Command(
    name="deploy",
    description="Deploy {{ things }}",
    params=(
        Param(name="host", dest="host", emit=EMIT, type=ParamType.STRING, required=True),
        Param(name="port", dest="port", emit=EMIT, type=ParamType.INTEGER, default=0, minimum=1),
        Param(name="ratio", dest="ratio", emit=EMIT, type=ParamType.NUMBER, default=0.5),
        Param(name="dry_run", dest="dry_run", emit=EMIT, type=ParamType.BOOLEAN, default=False),
        Param(name="password", dest="password", emit=EMIT, type=ParamType.STRING, secret=True),
        Param(name="fmt", dest="fmt", emit=EMIT, type=ParamType.STRING, enum=("a", "b")),
        Param(
            name="pairs",
            dest="pairs",
            emit=EMIT,
            type=ParamType.ARRAY,
            items_type=ParamType.ARRAY,
            items_items_type=ParamType.STRING,
            default=freeze([["a", "{{b}}"]]),
            min_items=1,
            max_items=4,
        ),
        Param(name="opts", dest="opts", emit=EMIT, type=ParamType.OBJECT, default=freeze({"k": 1})),
        Param(name="anything", dest="anything", emit=EMIT),
    ),
)


def test_rendered_action_is_valid_for_both() -> None:
    document = action_metadata(FULL, pack_ref="ops", entry_point="deploy.py")
    assert verdicts("action", document) == (True, True)
    for parameter in document["parameters"].values():  # type: ignore[attr-defined]
        assert verdicts("param", parameter) == (True, True)


def test_rendered_pack_is_valid_for_both() -> None:
    assert verdicts("pack", pack_metadata(pack_ref("My Ops"), "My Ops", "d")) == (True, True)


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
types = st.none() | st.sampled_from(ParamType)


@st.composite
def params(draw: st.DrawFn) -> Param:
    name = draw(st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True))
    enum = draw(st.none() | st.lists(json_scalars, min_size=1, max_size=3, unique_by=repr))
    return Param(
        name=name,
        dest=name,
        emit=EMIT,
        type=draw(types),
        description=draw(st.none() | st.text()),
        default=freeze(draw(json_values)),
        required=draw(st.booleans()),
        secret=draw(st.booleans()),
        enum=None if enum is None or len(set(map(json.dumps, enum))) < len(enum) else tuple(enum),
        items_type=draw(types),
        items_enum=None,
        items_items_type=draw(types),
        minimum=draw(st.none() | st.integers()),
        maximum=draw(st.none() | st.floats(allow_nan=False, allow_infinity=False)),
        min_items=draw(st.none() | st.integers(0, 5)),
        max_items=draw(st.none() | st.integers(0, 5)),
    )


@settings(max_examples=150)
@given(st.lists(params(), max_size=5, unique_by=lambda p: p.name), st.text())
def test_any_rendered_action_is_valid_for_both(parameters: list[Param], description: str) -> None:
    command = Command(name="x", description=description, params=tuple(parameters))
    document = action_metadata(command, pack_ref="p", entry_point="x.py")
    assert verdicts("action", document) == (True, True)


# --- a table of hand-written cases: both schemas give the same verdict ---------------------

NESTED_EVERYTHING = {
    "type": ["object", "null"],
    "format": "date-time",
    "properties": {"a": {"type": "string", "required": True, "format": "ipv4"}},
    "patternProperties": {"^x": {"type": "integer"}},
    "additionalProperties": {"type": "string"},
    "dependencies": {"a": ["b"], "c": {"type": "object"}},
}
PARAM_EVERYTHING = {
    "type": "array",
    "title": "T",
    "description": "D",
    "default": [],
    "required": False,
    "secret": False,
    "immutable": False,
    "position": 0,
    "enum": [[1]],
    "minItems": 0,
    "maxItems": 3,
    "uniqueItems": True,
    "items": [{"type": "string"}, NESTED_EVERYTHING],
    "additionalItems": False,
}

ACTIONS: list[tuple[str, bool, dict[str, Any]]] = [
    ("minimal", True, {"name": "a", "runner_type": "noop"}),
    (
        "all-top-level",
        True,
        {
            "name": "a",
            "runner_type": "python-script",
            "description": "d",
            "enabled": False,
            "entry_point": "a.py",
            "pack": "p",
            "parameters": {},
            "output_schema": {"type": "object", "properties": {"x": {"type": "integer"}}},
            "tags": [{"name": "n", "value": "v"}],
            "notify": {"on-complete": {"message": "m", "data": {}, "routes": [], "channels": []}},
            "id": "i",
            "ref": "p.a",
            "uid": "u",
            "metadata_file": "actions/a.yaml",
        },
    ),
    (
        "param-everything",
        True,
        {"name": "a", "runner_type": "noop", "parameters": {"p": PARAM_EVERYTHING}},
    ),
    (
        "numbers",
        True,
        {
            "name": "a",
            "runner_type": "noop",
            "parameters": {
                "n": {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMinimum": True,
                    "maximum": 9.5,
                    "exclusiveMaximum": False,
                    "multipleOf": 0.5,
                },
                "s": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^a"},
                "o": {"type": "object", "minProperties": 1, "maxProperties": 2},
                "c": {
                    "allOf": [{"type": "string"}],
                    "anyOf": [{}],
                    "oneOf": [{}],
                    "not": {"type": "null"},
                },
                "u": {"definitions": {"d": {"type": "string"}}},
                "w": {"type": "string", "position": 1.5},
            },
        },
    ),
    ("unicode-param-name", True, {"name": "a", "runner_type": "noop", "parameters": {"héllo": {}}}),
    ("no-name", False, {"runner_type": "noop"}),
    ("no-runner", False, {"name": "a"}),
    ("name-int", False, {"name": 1, "runner_type": "noop"}),
    ("unknown-key", False, {"name": "a", "runner_type": "noop", "timeout": 5}),
    ("enabled-string", False, {"name": "a", "runner_type": "noop", "enabled": "yes"}),
    ("entry-point-null", False, {"name": "a", "runner_type": "noop", "entry_point": None}),
    ("parameters-list", False, {"name": "a", "runner_type": "noop", "parameters": []}),
    ("param-name-dash", False, {"name": "a", "runner_type": "noop", "parameters": {"a-b": {}}}),
    ("param-name-space", False, {"name": "a", "runner_type": "noop", "parameters": {"a b": {}}}),
    ("tags-strings", False, {"name": "a", "runner_type": "noop", "tags": ["x"]}),
    ("notify-unknown", False, {"name": "a", "runner_type": "noop", "notify": {"on-start": {}}}),
    (
        "notify-message-int",
        False,
        {"name": "a", "runner_type": "noop", "notify": {"on-success": {"message": 1}}},
    ),
    (
        "notify-extra",
        False,
        {"name": "a", "runner_type": "noop", "notify": {"on-success": {"x": 1}}},
    ),
    # st2's output schema only checks the keywords it knows
    ("output-format", True, {"name": "a", "runner_type": "noop", "output_schema": {"format": "x"}}),
    ("output-unknown", True, {"name": "a", "runner_type": "noop", "output_schema": {"foo": 1}}),
    ("output-bad-type", False, {"name": "a", "runner_type": "noop", "output_schema": {"type": 1}}),
    ("output-list", False, {"name": "a", "runner_type": "noop", "output_schema": []}),
]

BAD_PARAMS: list[tuple[str, dict[str, Any]]] = [
    ("unknown-key", {"type": "string", "help": "x"}),
    ("format", {"type": "string", "format": "uri"}),
    ("ref", {"$ref": "#/definitions/x"}),
    ("examples", {"examples": ["x"]}),
    ("type-list", {"type": ["string", "null"]}),
    ("type-unknown", {"type": "str"}),
    ("required-array", {"type": "object", "required": ["a"]}),
    ("required-string", {"required": "yes"}),
    ("secret-string", {"secret": "yes"}),
    ("immutable-int", {"immutable": 1}),
    ("position-negative", {"position": -1}),
    ("position-string", {"position": "1"}),
    ("enum-empty", {"enum": []}),
    ("enum-duplicate", {"enum": ["a", "a"]}),
    ("exclusive-min-alone", {"exclusiveMinimum": True}),
    ("exclusive-max-alone", {"exclusiveMaximum": True}),
    ("multiple-of-zero", {"multipleOf": 0}),
    ("min-length-negative", {"minLength": -1}),
    ("max-items-float", {"maxItems": 1.5}),
    ("items-empty-list", {"items": []}),
    ("all-of-empty", {"allOf": []}),
    ("nested-unknown", {"items": {"type": "string", "help": "x"}}),
    ("nested-required-array", {"properties": {"a": {"type": "object", "required": ["b"]}}}),
    ("nested-type-unknown", {"items": {"type": ["string", "text"]}}),
    ("nested-type-empty-list", {"items": {"type": []}}),
    ("dependencies-bad", {"dependencies": {"a": "b"}}),
    ("additional-properties-string", {"additionalProperties": "no"}),
]
ACTIONS += [
    (f"param-{name}", False, {"name": "a", "runner_type": "noop", "parameters": {"p": spec}})
    for name, spec in BAD_PARAMS
]

PACKS: list[tuple[str, bool, dict[str, Any]]] = [
    ("minimal", True, {"name": "n", "description": "d", "version": "0.1.0", "author": "a"}),
    (
        "everything",
        True,
        {
            "ref": "my_pack",
            "name": "My Pack",
            "description": "d",
            "version": "1.2.3-rc.1+build.5",
            "author": "a",
            "email": "not checked",
            "keywords": ["k"],
            "contributors": ["x" * 100],
            "dependencies": ["core=1.0.0"],
            "system": {},
            "stackstorm_version": ">=3.0.0, <4.0.0",
            "python_versions": ["2", "3"],
            "anything_else": {"is": "allowed"},
        },
    ),
    ("no-name", False, {"description": "d", "version": "0.1.0", "author": "a"}),
    ("no-description", False, {"name": "n", "version": "0.1.0", "author": "a"}),
    ("no-version", False, {"name": "n", "description": "d", "author": "a"}),
    ("no-author", False, {"name": "n", "description": "d", "version": "0.1.0"}),
]
BASE_PACK: dict[str, Any] = {"name": "n", "description": "d", "version": "0.1.0", "author": "a"}
PACK_CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("version-two-parts", {"version": "0.1"}),
    ("version-v", {"version": "v1.0.0"}),
    ("version-number", {"version": 1.0}),
    ("version-leading-zero", {"version": "01.0.0"}),
    ("ref-upper", {"ref": "Ops"}),
    ("ref-dot", {"ref": "a.b"}),
    ("ref-dash", {"ref": "a-b"}),
    ("python-38", {"python_versions": ["3.8"]}),
    ("python-int", {"python_versions": [3]}),
    ("python-empty", {"python_versions": []}),
    ("python-duplicate", {"python_versions": ["3", "3"]}),
    ("contributor-long", {"contributors": ["x" * 101]}),
    ("stackstorm-version", {"stackstorm_version": "3.0"}),
    ("keywords-string", {"keywords": "k"}),
    ("name-int", {"name": 1}),
    ("system-list", {"system": []}),
]
PACKS += [(name, False, {**BASE_PACK, **change}) for name, change in PACK_CHANGES]

CONFIGS: list[tuple[str, bool, object]] = [
    ("one-key", True, {"api_key": {"type": "string", "secret": True, "required": True}}),
    ("nested", True, {"region": {"type": "object", "properties": {"a": {"required": True}}}}),
    ("empty", False, {}),
    ("not-object", False, ["a"]),
    ("bad-key", False, {"a-b": {"type": "string"}}),
    ("bad-param", False, {"a": {"type": "string", "format": "uri"}}),
    ("value-not-object", False, {"a": "string"}),
]


def _cases(kind: str, table: list[tuple[str, bool, Any]]) -> Any:
    return [pytest.param(kind, valid, doc, id=f"{kind}-{name}") for name, valid, doc in table]


@pytest.mark.parametrize(
    ("kind", "valid", "document"),
    _cases("action", ACTIONS) + _cases("pack", PACKS) + _cases("config", CONFIGS),
)
def test_schemas_agree_with_reference(kind: str, valid: bool, document: object) -> None:
    assert verdicts(kind, document) == (valid, valid)


@pytest.mark.parametrize(("name", "spec"), BAD_PARAMS, ids=[name for name, _ in BAD_PARAMS])
def test_param_schema_agrees_with_reference(name: str, spec: dict[str, Any]) -> None:
    assert verdicts("param", spec) == (False, False)
    assert verdicts("param", PARAM_EVERYTHING) == (True, True)


def test_our_runner_table_is_the_reference_runners_parameters() -> None:
    """voodoo/runners.py is written from runners.json: every runner, its entry point rule
    and its parameters (key order included; descriptions are left out)."""
    from voodoo.runners import RUNNERS

    reference = json.loads(st2_reference("runners.json").read_text(encoding="utf-8"))
    theirs = {r["name"]: r for r in reference["runners"]}
    assert set(RUNNERS) == set(theirs)
    for name, runner in RUNNERS.items():
        expected = {p["name"]: {k: v for k, v in p.items() if k not in ("name", "description")}
                    for p in theirs[name]["runner_parameters"]}
        assert runner.parameters == expected, name
        assert list(runner.parameters) == list(expected), name
        assert runner.entry_point == theirs[name]["entry_point"], name
