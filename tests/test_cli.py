"""The CLI through click's CliRunner, and once through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.fidelity import EXAMPLES
from voodoo import __version__
from voodoo.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_version() -> None:
    assert run("--version") == (0, f"voodoo {__version__}\n")


@pytest.mark.parametrize("command", ["ingest", "inspect", "validate", "init", "actions", "show",
                                     "check", "sync", "watch", "history"])
def test_every_command_has_help(command: str) -> None:
    code, out = run(command, "--help")
    assert code == 0 and "Usage: cli " + command in out.replace("voodoo", "cli")


def test_ingest_examples_prints_a_summary_and_exits_0(tmp_path: Path) -> None:
    code, out = run("ingest", str(EXAMPLES), "--pack", str(tmp_path / "ops"))
    assert code == 0, out
    assert "deploy_component.py" in out and "ingested" in out and "skipped" in out
    assert (tmp_path / "ops/pack.yaml").is_file()


def test_ingest_with_a_broken_file_exits_1_and_writes_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    (src / "broken.py").write_text("def f(:\n")
    code, out = run("ingest", str(src), "--pack", str(tmp_path / "ops"))
    assert code == 1
    assert "broken.py:1" in out and "failed" in out
    assert (tmp_path / "ops/actions/run_puppet.yaml").is_file()


@pytest.mark.parametrize("args", [[], ["--pack", "x"], ["nonexistent-folder", "--pack", "x"]],
                         ids=["nothing", "no-source", "missing-source"])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run("ingest", *args)[0] == 2


def test_pack_name_option_sets_the_ref(tmp_path: Path) -> None:
    code, _ = run("ingest", str(EXAMPLES / "run_puppet.py"), "--pack", str(tmp_path / "p"),
                  "--name", "Ops Tools")
    assert code == 0
    assert yaml.safe_load((tmp_path / "p/pack.yaml").read_text())["ref"] == "ops_tools"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_inspect_machine_formats(fmt: str) -> None:
    code, out = run("inspect", str(EXAMPLES / "restart-service.py"), "--format", fmt)
    assert code == 0
    data = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    (script,) = data
    (action,) = script["actions"]
    assert action["name"] == "restart_service"
    assert action["parameters"]["mode"]["required"] is True


def test_inspect_table_and_nothing_written(tmp_path: Path) -> None:
    code, out = run("inspect", str(EXAMPLES / "db_dump.py"))
    assert code == 0 and "db_dump" in out and "password" in out
    assert list(tmp_path.iterdir()) == []


def test_validate_good_and_bad_pack(tmp_path: Path) -> None:
    pack = tmp_path / "ops"
    assert run("ingest", str(EXAMPLES), "--pack", str(pack))[0] == 0
    assert run("validate", str(pack)) == (0, (
        "pack.yaml:email: is voodoo's placeholder address: set the pack maintainer's email"
        f" (warning)\n{pack}: valid (1 warning(s))\n"))
    action = pack / "actions/run_puppet.yaml"
    meta = yaml.safe_load(action.read_text())
    meta["parameters"]["tags"]["type"] = "list"
    action.write_text(yaml.safe_dump(meta))
    code, out = run("validate", str(pack))
    assert code == 1
    assert "actions/run_puppet.yaml:parameters.tags.type" in out


def test_installed_console_script(tmp_path: Path) -> None:
    exe = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(exe).exists():
        pytest.skip("the voodoo console script is not installed in this environment")
    proc = subprocess.run([exe, "ingest", str(EXAMPLES), "--pack", str(tmp_path / "ops")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ops/actions/deploy_component.yaml").is_file()
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout == f"voodoo {__version__}\n"
