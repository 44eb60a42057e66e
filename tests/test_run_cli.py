from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.packmaker import FIXTURE, make_pack, shell_action
from voodoo.cli import cli as CLI  # the real group: its error boundary gives the exit codes


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    copy = tmp_path / "handwritten"
    shutil.copytree(FIXTURE, copy)
    (tmp_path / "config.yaml").write_text("api_token: s3cr3t-token\n")
    return copy


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(CLI, list(args), catch_exceptions=False)


def test_run_prints_status_parameters_and_result(pack: Path) -> None:
    result = invoke("run", str(pack), "list_files", f"directory={pack}", "pattern=*.md")
    assert result.exit_code == 0, result.output
    assert "status: succeeded" in result.output
    assert "action: handwritten.list_files (local-shell-script)" in result.output
    assert f"directory: {pack}" in result.output
    assert "stdout: README.md" in result.output
    assert "duration: " in result.output


def test_run_json_and_pack_ref(pack: Path) -> None:
    config = str(pack.parent / "config.yaml")
    result = invoke(
        "run", str(pack), "handwritten.lookup_host", "host=h1", "--config", config, "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "succeeded"
    assert data["action"] == "handwritten.lookup_host"
    assert data["result"]["result"]["host"] == "h1"
    assert data["parameters"]["host"] == "h1"


def test_secrets_never_in_output_or_log(pack: Path) -> None:
    config = str(pack.parent / "config.yaml")
    for extra in ((), ("--json",)):
        result = invoke(
            "run",
            str(pack),
            "lookup_host",
            "host=h1",
            "password=hunter2",
            "--config",
            config,
            *extra,
        )
        assert result.exit_code == 0, result.output
        assert "hunter2" not in result.output and "s3cr3t-token" not in result.output
        assert "********" in result.output
    log = (pack / ".voodoo" / "executions.jsonl").read_text()
    assert "hunter2" not in log and "s3cr3t-token" not in log
    history = invoke("history", "--pack", str(pack))
    assert "hunter2" not in history.output and "********" in history.output


def test_bad_parameters_exit_2_listing_every_problem(tmp_path: Path) -> None:
    script = '#!/bin/sh\ntouch "$(dirname "$0")/ran.marker"\n'
    params = {
        "n": {"type": "integer", "required": True},
        "mode": {"type": "string", "enum": ["a", "b"]},
        "on": {"type": "boolean"},
    }
    pack = make_pack(tmp_path, {"act": shell_action(params, script)})
    result = invoke(
        "run", str(pack), "act", "n=x", "mode=c", "on=perhaps", "bogus=1", "--timeout", "5"
    )
    assert result.exit_code == 2
    assert "4 invalid parameter(s), nothing was run" in result.output
    for expected in (
        "n: expected an integer, got 'x'",
        "mode: 'c' is not one of ['a', 'b']",
        "on: expected a boolean",
        "bogus: unknown parameter",
    ):
        assert expected in result.output
    assert not (pack / "actions" / "ran.marker").exists()
    assert not (pack / ".voodoo" / "executions.jsonl").exists()
    as_json = json.loads(invoke("run", str(pack), "act", "--json").output)
    assert as_json["problems"] == ["n: required parameter missing"]


def test_failed_action_exits_1(pack: Path) -> None:
    result = invoke("run", str(pack), "lookup_host", "host=h1")  # no --config: api_token missing
    assert result.exit_code == 1
    assert "status: failed" in result.output


def test_timeout_exits_124_and_kills_the_group(tmp_path: Path) -> None:
    script = "#!/bin/sh\nsleep 30 &\nsleep 30\n"
    pack = make_pack(tmp_path, {"slow": shell_action({}, script)})
    start = time.monotonic()
    result = invoke("run", str(pack), "slow", "--timeout", "0.5")
    assert result.exit_code == 124
    assert time.monotonic() - start < 10
    assert "status: timeout" in result.output


def test_unknown_action_is_a_usage_error(pack: Path) -> None:
    result = invoke("run", str(pack), "nope")
    assert result.exit_code == 2
    assert "no action named 'nope'" in result.output
    assert invoke("run").exit_code == 2


def test_action_help_prints_description_and_parameter_table(pack: Path) -> None:
    result = invoke("run", str(pack), "lookup_host", "--help")
    assert result.exit_code == 0
    out = result.output
    assert "handwritten.lookup_host (python-script)" in out
    assert "Look a host up in the inventory" in out
    for header in ("name", "type", "required", "default", "choices", "description"):
        assert header in out
    host_row = next(line for line in out.splitlines() if "│ host " in line)
    assert "string" in host_row and "yes" in host_row and "Host name to look up." in host_row
    log_row = next(line for line in out.splitlines() if "log_level (runner)" in line)
    assert "DEBUG" in log_row and "AUDIT, CRITICAL, ERROR, WARNING, INFO, DEBUG" in log_row
    assert not (pack / ".voodoo").exists()


def test_run_help_without_action_shows_usage() -> None:
    result = invoke("run", "--help")
    assert result.exit_code == 0
    assert "Run ACTION of the pack in PACK_DIR locally" in result.output


def test_history_table_filter_and_limit(pack: Path) -> None:
    assert invoke("history", "--pack", str(pack)).output.strip() == (
        f"no executions recorded in {pack}")
    invoke("run", str(pack), "disk_free")
    invoke("run", str(pack), "list_files", f"directory={pack}")
    result = invoke("history", "--pack", str(pack))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    listed = [x for x in lines if "handwritten." in x]
    assert "list_files" in listed[0] and "disk_free" in listed[1]
    assert "succeeded" in listed[0]
    only = invoke("history", "disk_free", "--pack", str(pack), "-n", "5")
    assert "list_files" not in only.output and "handwritten.disk_free" in only.output
    one = invoke("history", "--pack", str(pack), "-n", "1", "--json")
    entries = [json.loads(line) for line in one.output.splitlines()]
    assert [e["action"] for e in entries] == ["handwritten.list_files"]
