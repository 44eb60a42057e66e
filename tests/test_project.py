"""The project as a person gets it: a plain clone, the README's test command, .ci/run."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import fidelity

ROOT = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("# Run the tests:\n", 1)[1].split("\n", 1)[0]
    return block.rsplit(" && ", 1)[1]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = _readme_test_command()
    assert command.startswith("python -m pytest -n ")  # in parallel (pytest-xdist)
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert [line for line in ci if line.startswith("python -m pytest")] == [command]


def test_the_test_extra_installs_what_the_test_command_needs() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    test_extra = pyproject.split("test = [", 1)[1].split("]", 1)[0]
    assert re.search(r'"pytest-xdist[>=<]', test_extra)


def test_the_version_is_said_once_and_pyproject_agrees() -> None:
    import tomllib

    from voodoo import __version__
    from voodoo._version import __version__ as in_its_module

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert __version__ is in_its_module
    assert pyproject["project"]["version"] == __version__
    # the module every other one takes it from imports nothing
    tree = ast.parse((ROOT / "voodoo/_version.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def test_a_test_needing_the_reference_files_skips_without_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fidelity, "SHARED", tmp_path / "absent")
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/stackstorm"):
        fidelity.st2_reference("action.schema.json")
    monkeypatch.setattr(fidelity, "SHARED", tmp_path)
    assert fidelity.st2_reference("action.schema.json") == tmp_path / "action.schema.json"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_refuses_to_run_without_the_reference_files(tmp_path: Path) -> None:
    """Before it installs anything: CI never runs the suite with those tests skipped."""
    checkout = tmp_path / "voodoo"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / ".ci/run", checkout / ".ci/run")
    proc = subprocess.run(["bash", str(checkout / ".ci/run")], capture_output=True, text=True,
                          env={**os.environ, "PATH": os.environ.get("PATH", "")}, timeout=60)
    assert proc.returncode == 1
    assert "../shared/stackstorm" in proc.stderr and "missing" in proc.stderr
    assert not (checkout / ".venv").exists()
