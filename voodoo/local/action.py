"""Read one action of a StackStorm pack (any pack, voodoo-made or not) and its pack config.

The action's parameters are merged with its runner's parameters the way StackStorm merges
them: an action parameter named like a runner parameter overrides it, and may only change
the attributes in ``runners.OVERRIDABLE_ATTRIBUTES``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voodoo.errors import ActionError
from voodoo.runners import LOCAL, OVERRIDABLE_ATTRIBUTES, RUNNERS, described

_PACK_REF = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter as the execution sees it: action and runner definitions merged."""

    name: str
    schema: Mapping[str, Any] = field(hash=False)  #: the merged definition (st2 dialect)
    runner: bool = False  #: a runner parameter (possibly overridden by the action)
    declared: bool = True  #: declared in the action metadata (False: runner-only)

    @property
    def type(self) -> str | None:
        t = self.schema.get("type")
        return t if isinstance(t, str) else None

    @property
    def secret(self) -> bool:
        return bool(self.schema.get("secret"))

    @property
    def immutable(self) -> bool:
        return bool(self.schema.get("immutable"))

    @property
    def required(self) -> bool:
        return bool(self.schema.get("required"))


@dataclass(frozen=True, slots=True)
class ActionDef:
    """An action ready to run: metadata, merged parameters, resolved script path."""

    pack: str  #: the pack ref
    pack_dir: Path
    name: str
    runner_type: str
    metadata_path: Path
    description: str = ""
    entry_point: str = ""
    #: the entry point resolved under ``<pack>/actions``; None for local-shell-cmd
    script: Path | None = None
    params: tuple[ParamSpec, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.pack}.{self.name}"

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def pack_ref(pack_dir: Path) -> str:
    """The pack's ref, chosen as StackStorm does: ``ref``, then the directory, then ``name``."""
    meta = _read_yaml(pack_dir / "pack.yaml")
    if not isinstance(meta, dict):
        raise ActionError("pack.yaml is not a mapping", path=str(pack_dir / "pack.yaml"))
    for candidate in (meta.get("ref"), pack_dir.resolve().name, meta.get("name")):
        if isinstance(candidate, str) and _PACK_REF.match(candidate):
            return candidate
    raise ActionError("no valid pack ref (ref, directory name or name)", path=str(pack_dir))


def load_action(pack_dir: str | Path, name: str) -> ActionDef:
    """Find action ``name`` (or ``pack.name``) in ``pack_dir/actions`` and merge its parameters.

    Raises ``ActionError`` when the pack, the action or its runner cannot be used locally.
    """
    pack_dir = Path(pack_dir)
    ref = pack_ref(pack_dir)
    if name.startswith(ref + "."):
        name = name[len(ref) + 1 :]
    elif "." in name:
        raise ActionError(f"action {name!r} is not in pack {ref!r}", path=str(pack_dir))
    found = _find_metadata(pack_dir, name)
    if found is None:
        raise ActionError(f"no action named {name!r} in actions/", path=str(pack_dir))
    path, meta = found
    runner_name = meta.get("runner_type")
    runner = RUNNERS.get(runner_name) if runner_name in LOCAL else None
    if runner is None:
        supported = ", ".join(LOCAL)
        raise ActionError(
            f"runner_type {runner_name!r} cannot run locally (supported: {supported})",
            path=str(path),
        )
    entry_point = meta.get("entry_point") or ""
    if not isinstance(entry_point, str):
        raise ActionError("entry_point must be a string", path=str(path))
    script = _script_path(pack_dir, entry_point, runner.entry_point, path)
    declared = meta.get("parameters") or {}
    if not isinstance(declared, dict):
        raise ActionError("parameters must be a mapping", path=str(path))
    return ActionDef(
        pack=ref,
        pack_dir=pack_dir,
        name=name,
        runner_type=runner.name,
        metadata_path=path,
        description=str(meta.get("description") or ""),
        entry_point=entry_point,
        script=script,
        params=merge_parameters(declared, described(runner), path),
    )


def merge_parameters(
    declared: Mapping[str, Any], runner: Mapping[str, Mapping[str, Any]], path: Path | None = None
) -> tuple[ParamSpec, ...]:
    """Action parameters (in order) then runner-only parameters, overrides merged in."""
    problems: list[str] = []
    specs: list[ParamSpec] = []
    for pname, definition in declared.items():
        if not isinstance(definition, dict):
            problems.append(f"parameter {pname!r}: definition must be a mapping")
            continue
        base = runner.get(pname)
        if base is None:
            specs.append(ParamSpec(str(pname), dict(definition)))
            continue
        for key, value in definition.items():
            if key not in OVERRIDABLE_ATTRIBUTES and key in base and base[key] != value:
                problems.append(f"parameter {pname!r} overrides runner parameter {key!r}")
            elif key not in OVERRIDABLE_ATTRIBUTES and key not in base:
                problems.append(f"parameter {pname!r}: {key!r} cannot be set on a runner parameter")
        merged = {**base, **{k: v for k, v in definition.items() if k in OVERRIDABLE_ATTRIBUTES}}
        specs.append(ParamSpec(str(pname), merged, runner=True))
    if problems:
        where = str(path) if path else None
        raise ActionError("; ".join(problems), path=where)
    specs += [
        ParamSpec(rname, dict(rdef), runner=True, declared=False)
        for rname, rdef in runner.items()
        if rname not in declared
    ]
    return tuple(specs)


def load_config(pack_dir: str | Path, config_file: str | Path | None = None) -> dict[str, Any]:
    """The pack config: ``config_file`` (YAML) over the defaults of ``config.schema.yaml``."""
    pack_dir = Path(pack_dir)
    values: Any = {}
    if config_file is not None:
        values = _read_yaml(Path(config_file)) or {}
        if not isinstance(values, dict):
            raise ActionError("config must be a mapping", path=str(config_file))
    schema_path = pack_dir / "config.schema.yaml"
    schema = _read_yaml(schema_path) if schema_path.is_file() else {}
    if not isinstance(schema, dict):
        raise ActionError("config schema must be a mapping", path=str(schema_path))
    return _with_defaults(values, schema)


def _with_defaults(values: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    # Like st2's config loader: defaults fill missing keys, nested object defaults included.
    out = dict(values)
    for key, definition in properties.items():
        if not isinstance(definition, dict):
            continue
        if key not in out and "default" in definition:
            out[key] = definition["default"]
        nested = definition.get("properties")
        if isinstance(nested, dict) and definition.get("type") == "object":
            current = out.get(key)
            if current is None and any(
                "default" in d for d in nested.values() if isinstance(d, dict)
            ):
                current = {}
            if isinstance(current, dict):
                out[key] = _with_defaults(current, nested)
    return out


def list_actions(pack_dir: str | Path) -> list[tuple[str, str]]:
    """Each action of the pack as (name, description), sorted by name."""
    actions = Path(pack_dir) / "actions"
    if not actions.is_dir():
        raise ActionError("no actions/ directory", path=str(pack_dir))
    found: dict[str, str] = {}
    for path in sorted(actions.iterdir()):
        if path.suffix not in (".yaml", ".yml") or path.name == "config.yaml" or not path.is_file():
            continue
        try:
            meta = _read_yaml(path)
        except ActionError:
            continue  # (validate reports it)
        if isinstance(meta, dict) and isinstance(meta.get("name"), str):
            found[meta["name"]] = str(meta.get("description") or "")
    return sorted(found.items())


def _find_metadata(pack_dir: Path, name: str) -> tuple[Path, dict[str, Any]] | None:
    actions = pack_dir / "actions"
    if not actions.is_dir():
        raise ActionError("no actions/ directory", path=str(pack_dir))
    found = None
    # Sorted, last wins: StackStorm silently keeps the later of two same-named actions.
    for path in sorted(actions.iterdir()):
        if path.suffix not in (".yaml", ".yml") or path.name == "config.yaml" or not path.is_file():
            continue
        meta = _read_yaml(path)
        if isinstance(meta, dict) and meta.get("name") == name:
            found = (path, meta)
    return found


def _script_path(pack_dir: Path, entry_point: str, rule: str, meta_path: Path) -> Path | None:
    if rule == "must_be_empty":
        if entry_point:
            raise ActionError("entry_point must be empty for this runner", path=str(meta_path))
        return None
    if not entry_point:
        raise ActionError("entry_point is required for this runner", path=str(meta_path))
    actions = (pack_dir / "actions").resolve()
    parts = Path(entry_point).parts
    if Path(entry_point).is_absolute():
        script = Path(entry_point)
    elif any(p in (".", "..") for p in entry_point.split("/")) or not parts:
        raise ActionError(f"entry_point {entry_point!r} is not normalized", path=str(meta_path))
    else:
        script = actions / entry_point
    # Resolved: a symlink (the file, or a folder on the way) must not lead a run, or the
    # runner's chmod, outside the pack.
    script = script.resolve()
    if not script.is_relative_to(pack_dir.resolve()):
        raise ActionError(f"entry_point {entry_point!r} is outside the pack", path=str(meta_path))
    if not script.is_file():
        raise ActionError(f"entry_point {entry_point!r} does not exist", path=str(meta_path))
    return script


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ActionError(f"cannot read: {e.strerror}", path=str(path)) from None
    except yaml.YAMLError as e:
        raise ActionError(f"invalid YAML: {e}", path=str(path)) from None
