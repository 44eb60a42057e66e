"""Build small throwaway StackStorm packs for the executor tests."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

FIXTURE = Path(__file__).parent / "fixtures" / "handwritten_pack"


def make_pack(
    root: Path, actions: dict[str, tuple[dict[str, Any], str]], ref: str = "tpack"
) -> Path:
    """A pack ``root/ref`` with one action per entry: ``name -> (metadata, script source)``.

    The script goes to ``actions/<entry_point>``; ``{python}`` in a source is the current
    interpreter (for shebangs).
    """
    pack = root / ref
    (pack / "actions").mkdir(parents=True)
    meta = {"ref": ref, "name": ref, "description": "test pack", "version": "0.1.0", "author": "t",
            "email": "t@example.com"}
    (pack / "pack.yaml").write_text(yaml.safe_dump(meta))
    for name, (metadata, source) in actions.items():
        metadata = {"name": name, **metadata}
        (pack / "actions" / f"{name}.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False))
        entry = metadata.get("entry_point")
        if entry:
            script = pack / "actions" / entry
            text = textwrap.dedent(source).lstrip().replace("{python}", sys.executable)
            script.write_text(text)
            script.chmod(0o755)
    return pack


def python_action(body: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    """A python-script action whose ``run(self, **kw)`` has ``body`` (indented 8 spaces)."""
    source = "from st2common.runners.base_action import Action\n\n\nclass Act(Action):\n"
    source += "    def run(self, **kw):\n" + textwrap.indent(textwrap.dedent(body), " " * 8)
    meta = {"runner_type": "python-script", "entry_point": "act.py", "parameters": params or {}}
    return meta, source


ARGV_SCRIPT = """
#!{python}
import json, sys
print(json.dumps(sys.argv[1:]))
"""


def shell_action(params: dict[str, Any], source: str = ARGV_SCRIPT) -> tuple[dict[str, Any], str]:
    """A local-shell-script action; by default it prints its argv as a JSON list."""
    meta = {"runner_type": "local-shell-script", "entry_point": "act.sh", "parameters": params}
    return meta, source
