"""Three-way merge of an action's YAML, field by field. Pure: bytes in, bytes and conflicts out.

``base`` is what voodoo generated last time (the manifest keeps it), ``ours`` the file as a
person left it, ``theirs`` what voodoo generates now from the changed script. Per field
(top-level keys, each parameter, each key of a parameter):

- only the script changed it: take the script's value;
- only the person changed it (a description, a default, ``secret``, an ``enum``, a removed
  parameter, an extra key): keep the person's;
- both changed it differently: a ``FieldConflict``; the person's value wins unless
  ``prefer="theirs"``.

The result is ``ours`` edited in place with ruamel.yaml's round-trip mode, so a person's
comments, key order and quoting survive.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from voodoo._yamlsafe import NEEDS_ESCAPES, needs_quotes

Prefer = Literal["ours", "theirs"]
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """Both the person and the script changed one field."""

    field: str  #: dotted path, e.g. ``parameters.retries.default``
    ours: object  #: the person's value (``None`` when they removed the field)
    theirs: object  #: the script's new value (``None`` when the script dropped it)
    taken: Prefer  #: whose value the merged file has


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs between two versions of an action."""

    field: str
    old: object  #: ``None`` when the field is new
    new: object  #: ``None`` when the field is gone

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.field}: added {_show(self.new)}"
        if self.new is None:
            return f"{self.field}: removed (was {_show(self.old)})"
        return f"{self.field}: {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True, slots=True)
class Merged:
    data: bytes
    conflicts: tuple[FieldConflict, ...]


def _show(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def _rt() -> Any:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.representer.add_representer(float, _represent_float)
    return rt


def _represent_float(representer: Any, value: float) -> Any:
    """A float as PyYAML writes it (``1.0e-05``, not ``1e-05``, which YAML 1.1 reads as a
    string): the same number under YAML 1.1 and 1.2."""
    if value != value:
        text = ".nan"
    elif value in (float("inf"), float("-inf")):
        text = ".inf" if value > 0 else "-.inf"
    else:
        text = repr(value).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


#: libyaml's parser when PyYAML has it: the pure-Python one took a tenth of a one-change
#: sync, parsing the old and new YAML of the changed action to list its changed fields
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _plain(data: bytes) -> Any:
    for loader in (_FAST_LOADER, yaml.SafeLoader):  # (what libyaml refuses, Python decides)
        try:
            return yaml.load(data, Loader=loader)  # (both loaders are the safe ones)
        except yaml.YAMLError:
            continue
    return _MISSING


def merge(base: bytes, ours: bytes, theirs: bytes, *, prefer: Prefer = "ours") -> Merged | None:
    """Merge per field; None when a side is not a YAML mapping (then nothing is merged)."""
    b, t = _plain(base), _plain(theirs)
    rt = _rt()
    try:
        o = rt.load(ours)
    except Exception:  # ruamel raises many error types; any of them means "not mergeable"
        return None
    if not all(isinstance(x, Mapping) for x in (b, o, t)):
        return None
    conflicts: list[FieldConflict] = []
    _merge_map(b, o, t, "", prefer, conflicts, depth=0)
    return Merged(_dump(rt, o), tuple(conflicts))


def _dump(rt: Any, doc: Any) -> bytes:
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue().encode("utf-8")


def _merge_map(
    b: Mapping[str, Any],
    o: Any,
    t: Mapping[str, Any],
    prefix: str,
    prefer: Prefer,
    conflicts: list[FieldConflict],
    depth: int,
) -> None:
    # depth 0: the action; 1: ``parameters``; 2: one parameter. Deeper values merge whole.
    for key in [*t, *(k for k in b if k not in t)]:
        bv, ov, tv = b.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING)
        name = f"{prefix}{key}"
        if _same(ov, tv) or _same(tv, bv):
            continue  # nothing new from the script, or both agree
        if _same(ov, bv):
            _set(o, t, key, tv)
            continue
        nested = (depth == 0 and key == "parameters") or depth == 1
        if nested and all(isinstance(v, Mapping) for v in (bv, ov, tv)):
            _merge_map(bv, ov, tv, f"{name}.", prefer, conflicts, depth + 1)
            continue
        if nested and isinstance(ov, Mapping) and isinstance(tv, Mapping) and bv is _MISSING:
            # both added the same parameter: merge its keys against an empty base
            _merge_map({}, ov, tv, f"{name}.", prefer, conflicts, depth + 1)
            continue
        conflicts.append(FieldConflict(name, _value(ov), _value(tv), prefer))
        if prefer == "theirs":
            _set(o, t, key, tv)


def _same(x: Any, y: Any) -> bool:
    if x is _MISSING or y is _MISSING:
        return x is y
    return bool(_normal(x) == _normal(y))


def _normal(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _normal(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_normal(x) for x in v]
    if isinstance(v, str):
        return str(v)
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    return v


def _value(v: Any) -> object:
    return None if v is _MISSING else _normal(v)


def _quoted(value: Any) -> Any:
    """``value`` (from a plain load) with each string YAML 1.1 or 1.2 would read as
    something else marked to be written quoted (the round-trip dumper writes YAML 1.2,
    where a plain ``off`` is a string; StackStorm reads YAML 1.1, where it is False)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if isinstance(value, str):
        if NEEDS_ESCAPES.search(value):
            return DoubleQuotedScalarString(value)
        return SingleQuotedScalarString(value) if needs_quotes(value) else value
    if isinstance(value, list):
        return [_quoted(v) for v in value]
    if isinstance(value, dict):
        return {k: _quoted(v) for k, v in value.items()}
    return value


def _set(o: Any, t: Mapping[str, Any], key: str, value: Any) -> None:  # o: CommentedMap
    """Set or remove ``key`` in the round-trip map ``o``, placed as in ``t`` when new."""
    value = value if value is _MISSING else _quoted(value)
    if value is _MISSING:
        if key in o:
            del o[key]
        return
    if key in o:
        o[key] = value
        return
    keys = list(t)
    position = len(o)
    for before in reversed(keys[: keys.index(key)]):
        if before in o:
            position = list(o).index(before) + 1
            break
    else:
        position = 0 if keys.index(key) == 0 else len(o)
    o.insert(position, key, value)


def disable(ours: bytes) -> bytes | None:
    """``ours`` with ``enabled: false`` (comments kept); None when it is not a YAML mapping."""
    return set_enabled(ours, False)


def set_enabled(ours: bytes, value: bool) -> bytes | None:
    """``ours`` with ``enabled: <value>`` (comments kept); None when it is not a mapping."""
    rt = _rt()
    try:
        loaded = rt.load(ours)
    except Exception:  # see merge()
        return None
    if not isinstance(loaded, Mapping):
        return None
    doc: Any = loaded  # a ruamel CommentedMap
    if "enabled" in doc:
        doc["enabled"] = value
    else:
        keys = list(doc)
        doc.insert(
            keys.index("runner_type") + 1 if "runner_type" in keys else len(keys), "enabled", value
        )
    return _dump(rt, doc)


def diff(old: bytes | None, new: bytes | None) -> tuple[FieldChange, ...]:
    """The fields that differ between two versions of an action's YAML (same depth rules)."""
    o = {} if old is None else _plain(old)
    n = {} if new is None else _plain(new)
    if not isinstance(o, Mapping) or not isinstance(n, Mapping):
        return (FieldChange("(file)", "not YAML" if old else None, "changed"),)
    out: list[FieldChange] = []
    _diff(o, n, "", 0, out)
    return tuple(out)


def _diff(
    o: Mapping[str, Any], n: Mapping[str, Any], prefix: str, depth: int, out: list[FieldChange]
) -> None:
    for key in [*o, *(k for k in n if k not in o)]:
        ov, nv = o.get(key, _MISSING), n.get(key, _MISSING)
        if _same(ov, nv):
            continue
        nested = (depth == 0 and key == "parameters") or depth == 1
        if nested and isinstance(ov, Mapping) and isinstance(nv, Mapping):
            _diff(ov, nv, f"{prefix}{key}.", depth + 1, out)
        else:
            out.append(FieldChange(f"{prefix}{key}", _value(ov), _value(nv)))


__all__ = ["FieldChange", "FieldConflict", "Merged", "Prefer", "diff", "disable", "merge"]
