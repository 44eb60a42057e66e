"""merge's YAML reading: libyaml's parser when there is one, PyYAML's own otherwise; the
fields found to differ do not depend on which one read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from voodoo import merge
from voodoo.stackstorm import dump_yaml

EXPECTED = Path(__file__).parent / "expected" / "ops"

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8)


def _both(data: bytes) -> tuple[Any, Any]:
    return (yaml.load(data, Loader=merge._FAST_LOADER),
            yaml.load(data, Loader=yaml.SafeLoader))


@pytest.mark.parametrize("path", sorted(EXPECTED.glob("**/*.yaml")), ids=lambda p: p.name)
def test_both_parsers_read_the_expected_packs_yaml_alike(path: Path) -> None:
    fast, python = _both(path.read_bytes())
    assert fast == python


@given(st.dictionaries(_text, _values, max_size=6))
def test_both_parsers_read_what_voodoo_dumps_alike(doc: dict[str, Any]) -> None:
    fast, python = _both(dump_yaml(doc).encode())
    assert fast == python == doc


def test_what_libyaml_refuses_python_still_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing(yaml.SafeLoader):
        def get_single_data(self) -> Any:
            raise yaml.YAMLError("refused")

    monkeypatch.setattr(merge, "_FAST_LOADER", Refusing)
    changes = merge.diff(b"name: a\ndescription: old\n", b"name: a\ndescription: new\n")
    assert [(c.field, c.old, c.new) for c in changes] == [("description", "old", "new")]


def test_what_neither_reads_is_not_yaml() -> None:
    assert merge.diff(b"name: [unclosed\n", b"name: a\n")[0].field == "(file)"
