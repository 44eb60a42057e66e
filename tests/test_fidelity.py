"""Fidelity: the argv a generated action builds means, to the script's own parser, exactly
the parameter values StackStorm was given. And each action, run for real through its
wrapper, exits as the script does when a person types that command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.fidelity import (
    EXAMPLES,
    ParserRejected,
    example_count,
    load_runtime,
    mismatches,
    params_strategy,
    parse_with_script,
    positionals_in_order,
    refused_by_the_scripts_own_rules,
    wrapper_class,
)
from voodoo.analysis import analyze_file
from voodoo.errors import ParameterError
from voodoo.ingest import ingest
from voodoo.local.execute import run_action
from voodoo.model import Command
from voodoo.wrapper import spec_for

RUNTIME = load_runtime()

SCRIPTS = [analyze_file(path) for path in sorted(EXAMPLES.glob("*.py"))]
#: action name -> its script's framework, as ingest hands it to the wrapper's spec
PARSER = {command.name: script.framework for script in SCRIPTS for command in script.commands}
#: every action that runs its script with a command line (not "call" actions): the
#: wrapper runs any script
ALL_CASES = [
    pytest.param(EXAMPLES / Path(script.path).name, command, id=command.name)
    for script in SCRIPTS
    for command in script.commands
    if command.invocation == "argv"
]
#: scripts whose parser this harness intercepts; click/typer round-trip in
#: test_fidelity_click.py, docopt and fire in tests/analyzers/
_HERE = {"argparse", "optparse", "getopt", "sysargv"}
CASES = [
    pytest.param(EXAMPLES / Path(script.path).name, command, id=command.name)
    for script in SCRIPTS
    if script.framework in _HERE
    for command in script.commands
]


def test_every_example_script_has_cases() -> None:
    scripts = {c.values[0].name for c in CASES}
    assert len(scripts) >= 14 and "opslib.py" not in scripts


@pytest.mark.parametrize(("script", "command"), CASES)
@settings(max_examples=example_count(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_argv_round_trips_through_the_scripts_own_parser(script: Path, command: Command,
                                                         data: st.DataObject) -> None:
    params = data.draw(params_strategy(command), label="params")
    assume(positionals_in_order(command, params))
    spec = spec_for(command, f"scripts/{script.name}", parser=PARSER[command.name])
    argv = RUNTIME.build_argv(spec, params)
    try:
        # a secret the script reads from its own variable is exported there, not typed
        with mock.patch.dict(os.environ, RUNTIME.build_env(spec, params)):
            namespace = parse_with_script(script, argv)
    except ParserRejected as e:
        # Legitimate refusals, which StackStorm metadata cannot express: options of a mutually
        # exclusive group given together, and a value the script's own type= function
        # (date.fromisoformat, ...) rejects. int/float refusals would be voodoo's bug.
        message = str(e)
        if "one of the arguments" in message:
            # a required group: the wrapper refuses the run before the script starts
            assert RUNTIME.one_of_problem(spec, params) is not None, message
        assume("one of the arguments" not in message)
        assume(not refused_by_the_scripts_own_rules(message))
        raise AssertionError(f"argv {argv!r} rejected: {e}") from None
    assert mismatches(command, params, namespace) == [], argv


# -- the real thing: the wrapper runs the script -------------------------------------------



@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("run") / "ops"
    assert ingest([EXAMPLES], pack).exit_code == 0
    return pack


def _working_directory(pack: Path, script: Path, command: Command) -> str:
    """Where the action runs the script (the runtime's documented working directory)."""
    wrapper = pack / "actions" / f"{command.name}.py"
    directory: str = RUNTIME.working_directory(str(wrapper), spec_for(command,
                                               f"scripts/{script.name}"))
    return directory


@pytest.mark.parametrize(("script", "command"), ALL_CASES)
@settings(max_examples=example_count(2), deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_action_runs_the_script_and_exits_as_it_does(pack: Path, script: Path, command: Command,
                                                     data: st.DataObject) -> None:
    params = data.draw(params_strategy(command), label="params")
    spec = spec_for(command, f"scripts/{script.name}", parser=PARSER[command.name])
    argv = RUNTIME.build_argv(spec, params)
    cwd = _working_directory(pack, script, command)

    def direct() -> subprocess.CompletedProcess[str]:
        # Raw bytes, decoded like the runtime does: text=True would turn "\r" into "\n".
        run = subprocess.run([sys.executable, str(pack / "actions/scripts" / script.name), *argv],
                             capture_output=True, timeout=60, stdin=subprocess.DEVNULL, cwd=cwd,
                             env={**os.environ, **RUNTIME.build_env(spec, params)})
        return subprocess.CompletedProcess(run.args, run.returncode,
                                           run.stdout.decode("utf-8", "replace"),
                                           run.stderr.decode("utf-8", "replace"))

    # Scripts may print the time (a dump's file name): the wrapper's run lies between two
    # direct runs, so its output equals one of them.
    before = direct()
    action = wrapper_class(pack, command.name)(config={})
    ok, result = action.run(**params)
    after = direct()
    assert result["exit_code"] == before.returncode == after.returncode
    assert ok is (before.returncode == 0)
    out = result["stdout"]
    # The runtime strips one trailing "\n" then one "\r", as StackStorm's runners do.
    expected = [run.stdout.removesuffix("\n").removesuffix("\r") if isinstance(out, str)
                else json.loads(run.stdout) for run in (before, after)]
    assert out in expected


@pytest.mark.parametrize(("script", "command"), ALL_CASES)
@settings(max_examples=example_count(1), deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_voodoo_run_gives_what_a_direct_run_gives(pack: Path, script: Path, command: Command,
                                                  data: st.DataObject) -> None:
    """``voodoo run``'s API: parameters checked, the wrapper run in its own process with the
    stand-in st2common, exactly like StackStorm's python-script runner would."""
    params = data.draw(params_strategy(command), label="params")
    spec = spec_for(command, f"scripts/{script.name}", parser=PARSER[command.name])
    try:
        argv = RUNTIME.build_argv(spec, params)
    except RUNTIME.ArgvError as refused:
        # no command line carries these values safely: voodoo run refuses them too, before
        # anything runs (test_argv_safety checks which values those are)
        with pytest.raises(ParameterError, match=re.escape(str(refused).split(":")[0])):
            run_action(pack, command.name, params, log=False)
        return
    direct = subprocess.run([sys.executable, str(pack / "actions/scripts" / script.name), *argv],
                            capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                            env={**os.environ, **RUNTIME.build_env(spec, params)},
                            cwd=_working_directory(pack, script, command))
    execution = run_action(pack, command.name, params, log=False)
    assert execution.status == ("succeeded" if direct.returncode == 0 else "failed")
    assert execution.result["result"]["exit_code"] == direct.returncode
