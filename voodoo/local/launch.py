"""The three local runners: python-script, local-shell-script, local-shell-cmd.

Each takes an action and its prepared parameters and returns ``(status, result, exit_code)``
with the result shaped as StackStorm shapes it. Processes run in their own session so a
timeout kills the whole process group, grandchildren included.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import functools
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from voodoo.errors import ActionError, ParameterError
from voodoo.local.action import ActionDef
from voodoo.local.params import Prepared
from voodoo.local.shell_args import script_args, script_command, sudo_command

SUCCEEDED, FAILED, TIMEOUT = "succeeded", "failed", "timeout"
#: Exit code of the python wrapper when run() returned a 2-tuple with a non-bool status.
INVALID_STATUS_EXIT_CODE = 220
#: Where voodoo keeps a pack's local state (datastore, execution log).
STATE_DIR = ".voodoo"

_WRAPPER = Path(__file__).with_name("python_child.py")


def st2stub_path() -> Path:
    """The folder to put on ``sys.path`` to import a wrapper without StackStorm installed."""
    return Path(str(resources.files("voodoo.local") / "st2stub"))


_STUB = st2stub_path()


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  #: succeeded, failed or timeout
    result: Any
    exit_code: int | None  #: the process's exit code (-9 when killed by the timeout)


@dataclass(frozen=True, slots=True)
class _Process:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool


def run(
    action: ActionDef,
    prepared: Prepared,
    config: Mapping[str, Any],
    timeout: float,
    python: str | None = None,
) -> Outcome:
    """Run ``action`` with the runner its metadata names; python-script actions under
    ``python`` (e.g. the pack virtualenv's interpreter; None: the one running voodoo)."""
    if action.runner_type == "python-script":
        return run_python(action, prepared, config, timeout, python)
    if action.runner_type == "local-shell-script":
        return run_shell_script(action, prepared, timeout)
    return run_shell_cmd(action, prepared, timeout)


def run_shell_script(action: ActionDef, prepared: Prepared, timeout: float) -> Outcome:
    assert action.script is not None
    if not os.access(action.script, os.X_OK):
        # StackStorm runs "chmod +x SCRIPT ; SCRIPT ...": voodoo changes no file it did
        # not write, so it runs the script only once it is executable.
        raise ActionError(
            f"entry_point {action.entry_point!r} is not executable "
            f"(StackStorm would chmod +x it): run chmod +x {action.script}",
            path=str(action.script),
        )
    schemas = {p.name: p.schema for p in action.params}
    kwarg_op = prepared.runner.get("kwarg_op") or ""
    args = script_args(prepared.action, schemas, kwarg_op)
    command = script_command(str(action.script), args).split(" ; ", 1)[1]  # (no chmod)
    return _shell(action, command, prepared.runner, timeout)


def run_shell_cmd(action: ActionDef, prepared: Prepared, timeout: float) -> Outcome:
    return _shell(action, str(prepared.runner.get("cmd") or ""), prepared.runner, timeout)


def run_python(
    action: ActionDef,
    prepared: Prepared,
    config: Mapping[str, Any],
    timeout: float,
    python: str | None = None,
) -> Outcome:
    """st2's python runner: ``python -u python_action_wrapper.py ...``, with ``python`` the
    pack virtualenv's interpreter in StackStorm (here: ``python`` or voodoo's own).

    The wrapper is run from a copy in a private temporary folder, so the folder on the
    front of ``sys.path`` holds nothing else (no ``-P``: that needs Python 3.11)."""
    assert action.script is not None
    interpreter = python or sys.executable
    if shutil.which(interpreter) is None:
        raise ActionError(f"python interpreter {interpreter!r} not found or not executable")
    runner = prepared.runner
    env = _environment(action, runner)
    lib = action.pack_dir.resolve() / "actions" / "lib"
    # st2 builds PYTHONPATH itself (a PYTHONPATH in ``env`` is ignored); its own paths go last.
    inherited = os.environ.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([str(lib), *([inherited] if inherited else [])])
    log_level = "DEBUG" if runner.get("debug") else str(runner.get("log_level") or "DEBUG")
    payload = json.dumps({"parameters": dict(prepared.action), "config": dict(config)})
    with tempfile.TemporaryDirectory(prefix="voodoo-run-") as tmp:
        result_file = Path(tmp) / "result.json"
        wrapper = Path(tmp) / "wrapper" / _WRAPPER.name
        wrapper.parent.mkdir()
        shutil.copyfile(_WRAPPER, wrapper)
        argv = [
            interpreter, "-u", str(wrapper),
            "--pack", action.pack,
            "--file-path", str(action.script.resolve()),
            "--datastore", str(state_dir(action.pack_dir).resolve() / "datastore.json"),
            "--stub-path", str(_STUB),
            "--result-file", str(result_file),
            "--log-level", log_level,
        ]  # fmt: skip
        proc = _spawn(argv, shell=False, env=env, cwd=None, stdin=payload, timeout=timeout)
        output = _read_json(result_file)
    return python_outcome(
        proc.returncode, proc.stdout, proc.stderr, output, proc.timed_out, timeout
    )


def refusals(action: ActionDef, prepared: Prepared) -> list[str]:
    """Why a voodoo-generated python-script action would refuse these parameters, checked
    before anything runs: a value its script's parser would read as an option or a
    sub-command, or that no command line can carry. ``[]`` for any other action.

    The wrapper's ``SPEC`` is read as a literal (never imported) and given to voodoo's own
    runtime, the code the pack's copy is written from; the pack's runtime refuses the same
    values again when StackStorm runs the action.
    """
    if action.runner_type != "python-script" or action.script is None:
        return []
    spec = _wrapper_spec(action.script)
    if spec is None or spec.get("invocation", "argv") != "argv":
        return []
    runtime = _runtime()
    values = dict(prepared.action)
    try:
        runtime.build_argv(spec, values)
        runtime.build_env(spec, values)
    except runtime.ArgvError as e:
        return [str(e)]
    return []


_SPEC_NAME = "SPEC"


def _wrapper_spec(path: Path) -> dict[str, Any] | None:
    """The ``SPEC = {...}`` literal of a wrapper voodoo generated; None for anything else."""
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    imports_runtime = any(
        isinstance(node, ast.ImportFrom) and node.module == "voodoo_runtime" for node in tree.body
    )
    for node in tree.body:
        if (
            imports_runtime
            and isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == _SPEC_NAME
        ):
            try:
                spec = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None  # float("nan") defaults are not literals: the runtime still checks
            return spec if isinstance(spec, dict) else None
    return None


@functools.cache
def _runtime() -> ModuleType:
    """voodoo's own copy of the pack runtime (stdlib only; it runs nothing when loaded)."""
    path = Path(__file__).parents[1] / "runtime" / "voodoo_runtime.py"  # voodoo/runtime/
    spec = importlib.util.spec_from_file_location("voodoo._pack_runtime", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_outcome(
    exit_code: int,
    stdout: str,
    stderr: str,
    output: Mapping[str, Any] | None,
    timed_out: bool = False,
    timeout: float = 0,
) -> Outcome:
    """Status and result of a python-script run, as st2's python runner decides them."""
    result: dict[str, Any] = {
        "result": "None",
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": exit_code,
    }
    if timed_out:
        result["error"] = f"Action failed to complete in {timeout:g} seconds"
        return Outcome(TIMEOUT, result, exit_code)
    if exit_code == INVALID_STATUS_EXIT_CODE:
        result["error"] = stderr.strip()
        return Outcome(FAILED, result, exit_code)
    if output is not None:
        result["result"] = output.get("result")
        status = output.get("status")
        if isinstance(status, bool):
            return Outcome(SUCCEEDED if status and exit_code == 0 else FAILED, result, exit_code)
    return Outcome(SUCCEEDED if exit_code == 0 else FAILED, result, exit_code)


def shell_result(exit_code: int, stdout: str, stderr: str) -> dict[str, Any]:
    """The local runners' result: one trailing newline stripped, then JSON-decoded if it parses."""
    return {
        "failed": exit_code != 0,
        "succeeded": exit_code == 0,
        "return_code": exit_code,
        "stdout": _try_json(_strip_newline(stdout)),
        "stderr": _try_json(_strip_newline(stderr)),
    }


def state_dir(pack_dir: Path) -> Path:
    """The pack's ``.voodoo`` folder (datastore, execution log); ActionError when it is
    a symlink leading outside the pack."""
    folder = pack_dir / STATE_DIR
    if not folder.resolve().is_relative_to(pack_dir.resolve()):
        raise ActionError(
            f"{STATE_DIR} leads outside the pack; refusing to write there", path=str(folder)
        )
    return folder


def _shell(action: ActionDef, command: str, runner: Mapping[str, Any], timeout: float) -> Outcome:
    stdin = None
    if runner.get("sudo"):
        password = runner.get("sudo_password")
        command = sudo_command(command, password=bool(password))
        stdin = f"{password}\n" if password else None
    cwd = runner.get("cwd") or None
    proc = _spawn(
        command, shell=True, env=_environment(action, runner), cwd=cwd, stdin=stdin, timeout=timeout
    )
    result = shell_result(proc.returncode, proc.stdout, proc.stderr)
    if proc.timed_out:
        result["error"] = f"Action failed to complete in {timeout:g} seconds"
        return Outcome(TIMEOUT, result, proc.returncode)
    return Outcome(SUCCEEDED if proc.returncode == 0 else FAILED, result, proc.returncode)


def _environment(action: ActionDef, runner: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (runner.get("env") or {}).items()})
    env["ST2_ACTION_PACK_NAME"] = action.pack
    env["ST2_ACTION_EXECUTION_ID"] = uuid.uuid4().hex[:24]
    return env


def _spawn(
    command: str | list[str],
    *,
    shell: bool,
    env: Mapping[str, str],
    cwd: str | None,
    stdin: str | None,
    timeout: float,
) -> _Process:
    try:
        proc = subprocess.Popen(
            command,
            shell=shell,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group, so a timeout kills all of it
        )
    except OSError as exc:
        if exc.errno != errno.E2BIG:
            raise
        words = [command] if isinstance(command, str) else command
        size = sum(len(os.fsencode(word)) + 1 for word in words)
        raise ParameterError(
            [
                f"the command line is too long for this system ({size:,} bytes with the "
                "parameters, and the environment on top): nothing was run; pass large values "
                "in a file the action reads"
            ]
        ) from None
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        return _Process(proc.returncode, out, err, timed_out=False)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # something left the group and holds the pipes
            proc.kill()
            out, err = "", ""
        proc.wait()
        return _Process(proc.returncode, out or "", err or "", timed_out=True)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    # Give the kernel a moment to reap, so pipes close before we read them.
    time.sleep(0.01)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _strip_newline(text: str) -> str:
    text = text[:-1] if text.endswith("\n") else text
    return text[:-1] if text.endswith("\r") else text


def _try_json(text: str) -> Any:
    if not text:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
