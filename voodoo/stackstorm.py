"""Render the neutral model as StackStorm pack and action metadata (pure: no disk access).

StackStorm's rules are in the shared spec (``stackstorm/README.md``); the ones that shape
the output here:

- actions use the ``python-script`` runner, so ``position`` is never emitted (that runner
  ignores it; the wrapper builds the command line itself);
- string defaults are Jinja-rendered by StackStorm, so literal ``{{``/``{%`` are wrapped in
  ``{% raw %}...{% endraw %}`` here (``raw_jinja``) and nowhere else: the model holds the
  script's own value for every framework, so a default is wrapped exactly once;
- key order is fixed so the same model always gives byte-identical YAML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from voodoo._yamlsafe import dump_yaml as dump_yaml  # (the renderer's: one YAML emitter)
from voodoo.errors import PackError
from voodoo.model import Command, Json, Param, ParamType, thaw

RUNNER_TYPE = "python-script"
PYTHON_VERSIONS = ("3",)

#: st2common/st2common/constants/pack.py PACK_REF_WHITELIST_REGEX
PACK_REF_PATTERN = re.compile(r"^[a-z0-9_]+$")
#: pack.yaml ``version``: semver, as PackAPI checks it
SEMVER_PATTERN = re.compile(
    r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
    r"(?:-[\da-z\-]+(?:\.[\da-z\-]+)*)?(?:\+[\da-z\-]+(?:\.[\da-z\-]+)*)?$"
)
#: refs StackStorm rejects (``_global``), reserves (``core``, ``packs``) or ships (system packs)
FORBIDDEN_PACK_REFS = frozenset({"_global", "core", "packs", "chatops", "linux"})

#: pack.yaml ``email`` when none is configured or found in git: clearly not an address
#: (``.invalid`` is reserved, RFC 2606); ingest warns and validate flags it until replaced
PLACEHOLDER_EMAIL = "set-pack-email@example.invalid"

_NOT_REF_CHARS = re.compile(r"[^a-z0-9]+")
_JINJA_OPENERS = ("{{", "{%")
_ENDRAW = re.compile(r"(?<=\{%)(?=-?\s*endraw\s*-?%\})")


def pack_ref(name: str) -> str:
    """Normalize ``name`` to a pack ref (``^[a-z0-9_]+$``); PackError for unusable names."""
    lowered = name.strip().lower()
    ref = _NOT_REF_CHARS.sub("_", lowered).strip("_")
    if not ref:
        raise PackError(f"pack name {name!r} has no letters or digits to make a pack ref from")
    for candidate in (lowered, ref):
        if candidate in FORBIDDEN_PACK_REFS:
            raise PackError(
                f"pack ref {candidate!r} is reserved by StackStorm; choose another pack name"
            )
    return ref


def pack_metadata(
    ref: str,
    name: str,
    description: str,
    version: str = "0.1.0",
    author: str = "voodoo",
    email: str = PLACEHOLDER_EMAIL,
) -> dict[str, object]:
    """``pack.yaml`` content. ``ref`` is always emitted: the pack directory must equal it.
    ``email`` too: the schema calls it optional, but StackStorm's registration reads it
    unconditionally and rejects the pack without it (``PackAPI.to_model``)."""
    if not PACK_REF_PATTERN.match(ref) or ref in FORBIDDEN_PACK_REFS:
        raise PackError(f"invalid pack ref {ref!r}: use pack_ref() to make one")
    if not SEMVER_PATTERN.match(version):
        raise PackError(f"pack version {version!r} is not semver (for example 0.1.0)")
    return {
        "ref": ref,
        "name": name,
        "description": description,
        "version": version,
        "author": author,
        "email": email,
        "python_versions": list(PYTHON_VERSIONS),
    }


def action_metadata(
    command: Command, *, pack_ref: str | None, entry_point: str
) -> dict[str, object]:
    """One action's metadata (``actions/<name>.yaml``) for a leaf command, in fixed key order.

    ``pack_ref`` None leaves ``pack`` out: for a pack whose folder is not named like its
    ref, StackStorm registers the actions under the folder's name until ``st2 pack
    install`` renames the folder to the ref, and an action's ``pack`` must equal the folder
    it is registered from; without it, the action takes whichever that is."""
    data: dict[str, object] = {"name": command.name, "runner_type": RUNNER_TYPE}
    description = (command.description or "").strip()
    if description:
        data["description"] = description
    data["enabled"] = True
    data["entry_point"] = entry_point
    if pack_ref is not None:
        data["pack"] = pack_ref
    data["parameters"] = {param.name: parameter_metadata(param) for param in command.params}
    return data


def parameter_metadata(param: Param) -> dict[str, object]:
    """One entry of an action's ``parameters``, in fixed key order."""
    data: dict[str, object] = {}
    if param.type is not None:
        data["type"] = param.type.value
    if param.description:
        data["description"] = param.description
    if param.required:
        data["required"] = True
    if param.default is not None:
        data["default"] = raw_jinja(thaw(param.default))
    if param.secret:
        data["secret"] = True
    if param.enum is not None:
        data["enum"] = [thaw(value) for value in param.enum]
    items = _items_schema(param)
    if items:
        data["items"] = items
    for key, value in (
        ("minimum", param.minimum),
        ("maximum", param.maximum),
        ("minItems", param.min_items),
        ("maxItems", param.max_items),
    ):
        if value is not None:
            data[key] = value
    return data


def _items_schema(param: Param) -> dict[str, object]:
    items: dict[str, object] = {}
    if param.items_type is not None:
        items["type"] = param.items_type.value
    if param.items_enum is not None:
        items["enum"] = [thaw(value) for value in param.items_enum]
    if param.items_items_type is not None:
        items["items"] = {"type": param.items_items_type.value}
    return items


def raw_jinja(value: object) -> object:
    """Protect literal Jinja syntax in a default from StackStorm's rendering (recursively)."""
    if isinstance(value, str):
        if any(opener in value for opener in _JINJA_OPENERS):
            # A literal endraw tag would end the block early: split it across two blocks.
            pieces = _ENDRAW.split(value)
            return "".join("{% raw %}" + piece + "{% endraw %}" for piece in pieces)
        return value
    if isinstance(value, list):
        return [raw_jinja(item) for item in value]
    if isinstance(value, dict):
        return {key: raw_jinja(item) for key, item in value.items()}
    return value


def action_yaml(command: Command, pack_ref: str | None) -> str:
    """The action metadata file of ``command`` (its entry point: the wrapper beside it)."""
    return dump_yaml(action_metadata(command, pack_ref=pack_ref, entry_point=f"{command.name}.py"))


# --- README -----------------------------------------------------------------------------


def readme_from_sections(pack_ref: str, sections: Iterable[tuple[str, str]]) -> str:
    """The README from ``(action name, readme_section(...))`` pairs, sorted by name."""
    lines = [
        f"# {pack_ref}",
        "",
        "Generated by voodoo from the scripts below. Each action runs its script with the",
        "command line built from the action's parameters.",
        "",
        "## Actions",
        "",
    ]
    lines.extend(text for _, text in sorted(sections, key=lambda pair: pair[0]))
    return "\n".join(lines).rstrip("\n") + "\n"


def readme_section(pack_ref: str, command: Command, script: str) -> str:
    """One action's part of the README (ingest caches it per script)."""
    lines = [f"### `{pack_ref}.{command.name}`", ""]
    if command.description:
        lines.extend([command.description.strip(), ""])
    words = " ".join(command.path)
    lines.append(f"Runs `{script}`" + (f" `{words}`" if words else "") + ".")
    lines.append("")
    if command.params:
        lines.extend(_param_table(command.params))
    else:
        lines.append("No parameters.")
    lines.append("")
    return "\n".join(lines)


def _param_table(params: Sequence[Param]) -> list[str]:
    rows = [
        "| Parameter | Type | Required | Default | Description |",
        "|---|---|---|---|---|",
    ]
    for param in params:
        default = "" if param.default is None else _code(_json(param.default))
        cells = [
            _code(param.name),
            _type_label(param),
            "yes" if param.required else "no",
            default,
            _cell(param.description or ""),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _type_label(param: Param) -> str:
    if param.type is None:
        return "any"
    if param.type is ParamType.ARRAY and param.items_type is not None:
        return f"array of {param.items_type.value}"
    return param.type.value


def _json(value: Json) -> str:
    return json.dumps(thaw(value), ensure_ascii=False)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
