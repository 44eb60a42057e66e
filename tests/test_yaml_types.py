"""Every value voodoo writes to YAML, generated or merged, loads back as the same value of
the same type under YAML 1.1 (PyYAML, what StackStorm uses) and YAML 1.2 (issue #12,
item 4)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from voodoo.merge import merge
from voodoo.stackstorm import dump_yaml

TRICKY = ["off", "on", "yes", "no", "y", "N", "1:30", "0o17", "0x1F", "1_000", ".inf",
          "-.inf", ".nan", "~", "null", "Null", "1e3", "+1", "-.5", "true", "False", "010",
          "2001-12-14", "=", "<<", "0b101", "1.", "", " ", "0", "-0", "12:30:45"]

scalars = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12), st.integers(),
                    st.floats(allow_nan=False), st.booleans())
values = st.one_of(scalars, st.lists(scalars, max_size=4))


def _load12(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _action(default: Any, description: str = "generated") -> bytes:
    return dump_yaml({"name": "t", "description": description, "parameters": {
        "p": {"type": "string", "default": default}}}).encode()


def _check(text: bytes, value: Any) -> None:
    for loaded in (yaml.safe_load(text), _load12(text.decode())):
        got = loaded["parameters"]["p"]["default"]
        assert _same(got, value), (value, got, text.decode())


@settings(max_examples=400, deadline=None)
@given(values)
def test_generated_yaml_keeps_every_value_and_type(value: Any) -> None:
    _check(_action(value), value)


@settings(max_examples=400, deadline=None)
@given(values)
def test_merged_yaml_keeps_every_value_and_type(value: Any) -> None:
    base = _action("a")
    ours = _action("a", description="edited by hand")  # a hand edit: the file is merged
    merged = merge(base, ours, _action(value))
    assert merged is not None and not merged.conflicts
    _check(merged.data, value)
    assert yaml.safe_load(merged.data)["description"] == "edited by hand"


@pytest.mark.parametrize("value", ["off", "yes", "1:30"])
def test_the_values_of_the_issue_stay_strings_through_a_merge(value: str) -> None:
    merged = merge(_action("a"), _action("a", "edited"), _action(value))
    assert merged is not None
    assert yaml.safe_load(merged.data)["parameters"]["p"]["default"] == value
