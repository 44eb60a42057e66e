"""One error boundary: every error voodoo raises on purpose is exported, documented and has
one exit code, and the ``voodoo`` command turns each into that code and one message."""

from __future__ import annotations

import ast
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import voodoo
from tests.packmaker import make_pack, shell_action
from voodoo import config, errors
from voodoo.boundary import json_errors
from voodoo.cli import cli, main
from voodoo.errors import (
    ActionError,
    ConfigError,
    ConflictError,
    LockError,
    PackError,
    ParameterError,
    ParseError,
    RunLogError,
    TooComplexError,
    VoodooError,
)
from voodoo.local.execute import Execution, run_action

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

#: The exit code of each error, as the README's table says: 1 the job failed, 2 nothing
#: was done as asked. A new error class fails the test below until it is decided here.
EXIT_CODES = {
    VoodooError: 1,
    ParseError: 1,
    TooComplexError: 1,
    PackError: 1,
    ConflictError: 1,
    LockError: 1,
    ConfigError: 1,  # a broken [tool.voodoo]: `voodoo ingest` exits 1; `init` when configured
    ParameterError: 2,  # `voodoo run` with parameters the action refuses
    ActionError: 2,  # no such action (run, show, history), no interpreter: nothing was run
    RunLogError: 1,  # (`voodoo run` exits with the action's own code instead: see below)
}

#: Exceptions that stay between voodoo's own modules, with where each is turned into a
#: VoodooError, a diagnostic or a refusal before it could reach a user.
INTERNAL = {
    "Python2Error": "parse.py (ParseError) and py2.pack_copy (the file is copied as it is)",
    "UnsupportedTemplate": "params.py: a ValueError, one of the ParameterError's problems",
    "UsageError": "analyzers/docopt_.py: a diagnostic of the script",
    "ArgvError": "the pack runtime's; local/launch.py: a refusal (ParameterError)",
    "_Give_up": "analyzers/_values.py: the value stays unknown",
}


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point (``python -m voodoo``), as a shell or CI job runs it."""
    return subprocess.run([sys.executable, "-m", "voodoo", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=ENV, check=False)


def _package_modules() -> list[str]:
    """Every module of voodoo that runs nothing when imported (not the pack-side runtime,
    the st2 stub or ``python -m voodoo``)."""
    skip = ("voodoo.runtime", "voodoo.local.st2stub", "voodoo.__main__")
    return [m.name for m in pkgutil.walk_packages(voodoo.__path__, "voodoo.")
            if not m.name.startswith(skip)]


def _voodoo_errors() -> set[type[VoodooError]]:
    for name in _package_modules():
        importlib.import_module(name)
    found: set[type[VoodooError]] = set()
    todo: list[type[VoodooError]] = [VoodooError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("voodoo"):
            found.add(cls)
        todo += cls.__subclasses__()
    return found


def test_every_error_class_is_exported_documented_and_has_its_exit_code() -> None:
    found = _voodoo_errors()
    assert found == set(EXIT_CODES), "decide the exit code of a new error in EXIT_CODES"
    for cls in found:
        assert cls.__module__ == "voodoo.errors", f"{cls.__name__}: define it in voodoo/errors.py"
        assert getattr(voodoo, cls.__name__) is cls and cls.__name__ in voodoo.__all__
        assert cls.__name__ in errors.__all__
        assert (vars(cls).get("__doc__") or "").strip(), f"{cls.__name__} has no docstring"
        assert cls.exit_code == EXIT_CODES[cls] and cls.exit_code in (1, 2), cls.__name__
    assert "AnalysisError" not in voodoo.__all__  # (exported, never raised: gone)
    assert config.ConfigError is ConfigError  # one class, also importable from config


def test_every_other_exception_class_stays_inside() -> None:
    """A class that derives from an exception and is not a VoodooError is one of the
    known internal ones: a new one must either be caught inside or become a VoodooError."""
    defined = set()
    for path in (ROOT / "voodoo").rglob("*.py"):
        if "st2stub" in path.parts:
            continue  # (StackStorm's own names, for actions that import them)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception"))
                    for b in node.bases):
                defined.add(node.name)
    assert defined - {cls.__name__ for cls in EXIT_CODES} == set(INTERNAL)


_EXECUTION = Execution(action="ops.act", runner_type="local-shell-script", status="succeeded",
                       parameters={}, result=None, exit_code=0,
                       started="2024-01-01T00:00:00.000+00:00", duration=0.1)


def _instance(cls: type[VoodooError]) -> VoodooError:
    if issubclass(cls, ParameterError):
        return cls(["n: expected an integer, got 'x'", "bogus: unknown parameter"])
    if issubclass(cls, RunLogError):
        return cls("cannot write the execution log: Is a directory", _EXECUTION, path="ops")
    return cls("something is wrong", path="scripts/tool.py", line=3)


def _boom(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """A ``voodoo boom [--format json]`` command that raises ``error``."""
    @click.command("boom")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                  callback=json_errors)
    def boom(fmt: str) -> None:
        raise error

    monkeypatch.setitem(cli.commands, "boom", boom)


@pytest.mark.parametrize("cls", sorted(EXIT_CODES, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_the_boundary_turns_each_error_into_its_code_and_one_message(
        cls: type[VoodooError], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    error = _instance(cls)
    _boom(monkeypatch, error)
    assert main(["boom"]) == EXIT_CODES[cls]
    out, err = capsys.readouterr()
    assert out == "" and err == f"voodoo: error: {error}\n"
    if cls is ParameterError:  # the header, then one line per problem
        assert err.splitlines() == ["voodoo: error: 2 invalid parameter(s), nothing was run:",
                                    "  - n: expected an integer, got 'x'",
                                    "  - bogus: unknown parameter"]
    else:
        assert err.count("\n") == 1 and f"{error.path}" in err  # one line, naming the file
    # with JSON output, the same message as one JSON document on stdout, nothing on stderr
    assert main(["boom", "--format", "json"]) == EXIT_CODES[cls]
    out, err = capsys.readouterr()
    problems = error.problems if isinstance(error, ParameterError) else []
    assert err == "" and json.loads(out) == {"error": str(error), "problems": problems}


@pytest.mark.parametrize("bug", [ValueError("a bug"), KeyError("key"), OSError(5, "I/O")],
                         ids=lambda e: type(e).__name__)
def test_the_boundary_lets_any_other_exception_through(
        bug: Exception, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A bug is not passed off as a clean failure: it goes on up, as itself."""
    _boom(monkeypatch, bug)
    with pytest.raises(type(bug)) as raised:
        main(["boom"])
    assert raised.value is bug
    assert "voodoo: error" not in capsys.readouterr().err


def test_a_broken_configuration_is_one_json_document_with_format_json(tmp_path: Path) -> None:
    """``--format json`` promises one document on stdout: an error is one too (it was a
    line on stderr and nothing on stdout). The exit code stays ConfigError's, 1."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.voodoo]\nsources = ["src"]\npack = "ops"\nmax-size = "big"\n')
    (tmp_path / "src").mkdir()
    for command in ("ingest", "check"):
        proc = _cli(command, "--format", "json", cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        document = json.loads(proc.stdout)
        assert document["problems"] == [] and "pyproject.toml" in document["error"]
        assert "max-size" in document["error"] and proc.stderr == ""
        text = _cli(command, cwd=tmp_path)  # without it: the line on stderr, as before
        assert text.returncode == 1 and text.stdout == ""
        assert text.stderr.startswith("voodoo: error: ") and "pyproject.toml" in text.stderr
    assert not (tmp_path / "ops").exists()


def test_a_broken_configuration_ends_the_local_commands_with_one_line(tmp_path: Path) -> None:
    """run, history and actions read [tool.voodoo] for the pack outside any handler: a
    broken one was a traceback. Now it is ConfigError's line and code, as for ingest."""
    (tmp_path / "pyproject.toml").write_text('[tool.voodoo]\npack = "ops"\nmax-size = "big"\n')
    for args in (["run", "act"], ["history"], ["actions"], ["history", "--json"]):
        proc = _cli(*args, cwd=tmp_path)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        if "--json" in args:
            assert "max-size" in json.loads(proc.stdout)["error"] and proc.stderr == ""
        else:
            assert proc.stderr.startswith("voodoo: error: ") and proc.stderr.count("\n") == 1
            assert "pyproject.toml" in proc.stderr and "max-size" in proc.stderr


def _unloggable_pack(tmp_path: Path, exit_status: int) -> Path:
    """A pack whose action touches a marker and exits ``exit_status``, and whose execution
    log cannot be written: a folder stands where ``.voodoo/executions.jsonl`` goes."""
    script = f'#!/bin/sh\ntouch "$(dirname "$0")/ran.marker"\necho done\nexit {exit_status}\n'
    pack = make_pack(tmp_path, {"act": shell_action({}, script)})
    (pack / ".voodoo/executions.jsonl").mkdir(parents=True)
    return pack


def test_an_action_that_ran_keeps_its_exit_code_when_its_log_cannot_be_written(
        tmp_path: Path) -> None:
    """The action ran and succeeded: ``voodoo run`` exits 0, shows the run, and warns on
    stderr that the run is not in the log. It used to exit 2 ("usage") with only the log
    error, as if nothing had run."""
    pack = _unloggable_pack(tmp_path, 0)
    proc = _cli("run", str(pack), "act")
    assert (pack / "actions/ran.marker").exists()  # it did run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "status: succeeded" in proc.stdout and "done" in proc.stdout
    assert "warning" in proc.stderr and "the execution log: Is a directory" in proc.stderr
    assert "Traceback" not in proc.stderr
    # --json: the execution is still the one document on stdout
    as_json = _cli("run", str(pack), "act", "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["status"] == "succeeded"
    assert "the execution log: Is a directory" in as_json.stderr
    # left alone: the folder in the log's place (nothing written into or over it)
    assert not any((pack / ".voodoo/executions.jsonl").iterdir())
    # the library still raises (an ActionError, as before), now with the run it made
    with pytest.raises(ActionError, match="execution log") as raised:
        run_action(pack, "act")
    assert isinstance(raised.value, RunLogError)
    assert raised.value.execution.status == "succeeded"


def test_an_action_that_failed_exits_1_when_its_log_cannot_be_written(tmp_path: Path) -> None:
    """The action's own outcome decides: a failed run is 1 (failed), not 2 (usage)."""
    pack = _unloggable_pack(tmp_path, 3)
    proc = _cli("run", str(pack), "act")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "status: failed" in proc.stdout
    assert "the execution log: Is a directory" in proc.stderr
