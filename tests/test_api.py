"""The library's public face: ``import voodoo`` and what it shows."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import voodoo
from tests.fidelity import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = sorted(set(voodoo.__all__) - {"__version__"})


def _type_checking_imports() -> set[str]:
    tree = ast.parse((ROOT / "voodoo/__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If)
                 and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING")
    return {alias.asname or alias.name for n in block.body if isinstance(n, ast.ImportFrom)
            for alias in n.names}


def test_all_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    assert set(PUBLIC) == set(voodoo._LAZY) == _type_checking_imports()
    assert "__version__" in voodoo.__all__


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_importable_and_documented(name: str) -> None:
    obj = getattr(voodoo, name)
    assert not inspect.ismodule(obj)
    # its own docstring: not one inherited (StrEnum's) or made up (a dataclass signature)
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__
    assert doc and not doc.startswith(f"{name}("), f"{name} has no docstring"
    exec(f"from voodoo import {name}", {})
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    library = readme.split("## Library", 1)[1].split("\n## ", 1)[0]
    assert f"`{name}" in library, f"{name} is not in the README's Library section"


def test_dir_shows_the_public_names() -> None:
    assert dir(voodoo) == sorted(voodoo.__all__)
    assert "TYPE_CHECKING" not in dir(voodoo)


def test_ingest_can_be_called_twice_in_one_process(tmp_path: Path) -> None:
    """In a fresh interpreter: importing the submodule voodoo/ingest.py used to replace
    the function ``voodoo.ingest`` with the module after the first call."""
    code = ("import sys, voodoo\n"
            "a = voodoo.ingest([sys.argv[1]], sys.argv[2])\n"
            "b = voodoo.ingest([sys.argv[1]], sys.argv[2])\n"
            "import voodoo.check, voodoo.watch\n"
            "print(a.exit_code, b.exit_code, callable(voodoo.check), callable(voodoo.watch),"
            " voodoo.check([sys.argv[1]], sys.argv[2]).in_sync)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "run_puppet.py"),
                           str(tmp_path / "ops")], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "0", "True", "True", "True"]
    # and the module is still there, for whoever needs it
    assert inspect.ismodule(importlib.import_module("voodoo.ingest"))


def test_one_source_given_as_a_string_is_one_source(tmp_path: Path) -> None:
    script = str(EXAMPLES / "run_puppet.py")
    result = voodoo.ingest(script, tmp_path / "ops")  # type: ignore[arg-type]
    assert result.exit_code == 0 and result.actions == ("run_puppet",)
    assert voodoo.check(script, tmp_path / "ops").in_sync  # type: ignore[arg-type]
    assert voodoo.ingest(Path(script), tmp_path / "ops").exit_code == 0  # type: ignore[arg-type]


def test_ingest_result_lists_the_actions_it_wrote(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("run_puppet.py", "cluster_ctl.py"):
        (src / name).write_bytes((EXAMPLES / name).read_bytes())
    first = voodoo.ingest([src], tmp_path / "ops")
    assert sorted(first.written_actions) == sorted(first.actions)
    assert "cluster_ctl_node_drain" in first.written_actions
    again = voodoo.ingest([src], tmp_path / "ops")
    assert again.written_actions == () and again.actions == first.actions
    script = src / "run_puppet.py"
    script.write_text(script.read_text().replace("puppet agent pass", "puppet run"))
    assert voodoo.ingest([src], tmp_path / "ops").written_actions == ("run_puppet",)
