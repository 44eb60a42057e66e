"""``voodoo init``: write a project's configuration and its pre-commit hook.

The configuration goes into ``pyproject.toml`` as ``[tool.voodoo]`` (appended: the rest of
the file is left byte for byte as it was) or, without a ``pyproject.toml``, into a new
``voodoo.yaml``. The hook is a ``repo: local`` entry of ``.pre-commit-config.yaml`` that
runs the installed ``voodoo sync``, so it needs no repository URL or tag.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voodoo.config import ConfigError, find

PRE_COMMIT = ".pre-commit-config.yaml"

#: The hook entry (a list item of ``repos:``), as ``.pre-commit-hooks.yaml`` defines it.
HOOK = """\
- repo: local
  hooks:
  - id: voodoo-sync
    name: voodoo sync (update the StackStorm pack)
    entry: voodoo sync
    language: system
    pass_filenames: true
    require_serial: true
    types_or: [python, yaml, toml, markdown, text]
"""


@dataclass(frozen=True, slots=True)
class Written:
    """What ``init`` wrote: (path, what) pairs, and what it left as it was."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def _metadata(author: str | None, email: str | None) -> dict[str, str]:
    return {k: v for k, v in (("author", author), ("email", email)) if v}


def init(
    root: Path,
    sources: Sequence[str],
    pack: str,
    *,
    author: str | None = None,
    email: str | None = None,
    yaml_file: bool = False,
    pre_commit: bool = True,
) -> Written:
    """Configure the project in ``root``; ConfigError when it already is configured."""
    done = Written()
    pyproject = root / "pyproject.toml"
    existing = find(root)
    if existing is not None and existing.path.parent == root.resolve():
        raise ConfigError(
            "this project is already configured; edit it there", path=str(existing.path)
        )
    meta = _metadata(author, email)
    if pyproject.is_file() and not yaml_file:
        text = pyproject.read_text(encoding="utf-8")
        block = [
            "",
            "[tool.voodoo]",
            f"sources = [{', '.join(_toml_string(s) for s in sources)}]",
            f"pack = {_toml_string(pack)}",
        ]
        if meta:
            block += ["", "[tool.voodoo.metadata]  # used when pack.yaml is first created"]
            block += [f"{k} = {_toml_string(v)}" for k, v in meta.items()]
        sep = "" if text.endswith("\n") or not text else "\n"
        pyproject.write_text(text + sep + "\n".join(block) + "\n", encoding="utf-8")
        done.files.append((pyproject, "[tool.voodoo]"))
    else:
        from voodoo._yamlsafe import dump_yaml

        target = root / "voodoo.yaml"
        if target.exists():
            raise ConfigError("already exists; edit it there", path=str(target))
        data: dict[str, object] = {"sources": list(sources), "pack": pack}
        if meta:
            data["metadata"] = meta
        target.write_text(dump_yaml(data), encoding="utf-8")
        done.files.append((target, "the configuration"))
    found = find(root)  # what was written reads back (ConfigError otherwise)
    assert found is not None and found.pack is not None
    if pre_commit:
        _pre_commit(root / PRE_COMMIT, done)
    return done


def _pre_commit(path: Path, done: Written) -> None:
    if not path.exists():
        path.write_text("repos:\n" + HOOK, encoding="utf-8")
        done.files.append((path, "the voodoo-sync hook"))
        return
    text = path.read_text(encoding="utf-8")
    if "voodoo-sync" in text:
        done.kept.append((path, "it already has the voodoo-sync hook"))
        return
    lines = text.splitlines()
    if "repos:" not in (line.rstrip() for line in lines):
        raise ConfigError("has no top-level `repos:` list; add the hook by hand", path=str(path))
    if any(line.rstrip() == "repos: []" for line in lines):
        raise ConfigError("`repos: []`: add the hook by hand", path=str(path))
    # ``repos:`` is a block list; an item appended at the end joins it only when nothing
    # else (another top-level key) follows it.
    top = [line for line in lines if line and not line[0].isspace() and line[0] not in "-#"]
    if top and top[-1].rstrip() != "repos:":
        raise ConfigError(
            "`repos:` is not the last top-level key; add the hook by hand", path=str(path)
        )
    start = [line.rstrip() for line in lines].index("repos:")
    items = [line for line in lines[start + 1 :] if line.lstrip().startswith("- ")]
    indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else ""
    hook = "".join(indent + line + "\n" if line else "\n" for line in HOOK.splitlines())
    sep = "" if text.endswith("\n") else "\n"
    path.write_text(text + sep + hook, encoding="utf-8")
    done.files.append((path, "the voodoo-sync hook"))
