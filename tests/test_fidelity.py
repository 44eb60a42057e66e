"""Fidelity: the argv a generated action builds means, to the script's own parser, exactly
the parameter values StackStorm was given. And each action, run for real through its
wrapper, exits as the script does when a person types that command line."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.fidelity import (
    EXAMPLES,
    ParserRejected,
    load_runtime,
    mismatches,
    parse_with_script,
    params_strategy,
)
from voodoo.analysis import analyze_file
from voodoo.ingest import ingest
from voodoo.model import Command
from voodoo.wrapper import spec_for

RUNTIME = load_runtime()

SCRIPTS = [analyze_file(path) for path in sorted(EXAMPLES.glob("*.py"))]
#: every action that runs its script with a command line (not "call" actions)
CASES = [
    pytest.param(EXAMPLES / Path(script.path).name, command, id=command.name)
    for script in SCRIPTS
    for command in script.commands
    if command.invocation == "argv"
]
#: the argparse ones; docopt and fire have their own round trips (tests/analyzers/)
ARGPARSE_CASES = [
    pytest.param(EXAMPLES / Path(script.path).name, command, id=command.name)
    for script in SCRIPTS
    if script.framework == "argparse"
    for command in script.commands
]


def test_every_example_script_has_cases() -> None:
    scripts = {c.values[0].name for c in CASES}
    assert len(scripts) >= 14 and "opslib.py" not in scripts


@pytest.mark.parametrize(("script", "command"), ARGPARSE_CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_argv_round_trips_through_the_scripts_own_parser(script: Path, command: Command,
                                                         data: st.DataObject) -> None:
    params = data.draw(params_strategy(command), label="params")
    argv = RUNTIME.build_argv(spec_for(command, f"scripts/{script.name}"), params)
    try:
        namespace = parse_with_script(script, argv)
    except ParserRejected as e:
        # The only legitimate refusal: options of a mutually exclusive group given together,
        # which StackStorm metadata cannot express. Anything else is a voodoo bug.
        assume("not allowed with argument" not in str(e))
        raise AssertionError(f"argv {argv!r} rejected: {e}") from None
    assert mismatches(command, params, namespace) == [], argv


# -- the real thing: the wrapper runs the script -------------------------------------------

ST2STUB = Path(__file__).resolve().parents[1] / "voodoo" / "st2stub"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("run") / "ops"
    assert ingest([EXAMPLES], pack).exit_code == 0
    return pack


def _wrapper_class(pack: Path, name: str) -> Any:
    for extra in (str(ST2STUB), str(pack / "actions/lib")):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    spec = importlib.util.spec_from_file_location(name, pack / "actions" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (cls,) = [v for v in vars(module).values()
              if isinstance(v, type) and v.__module__ == name and hasattr(v, "run")]
    return cls


@pytest.mark.parametrize(("script", "command"), CASES)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_action_runs_the_script_and_exits_as_it_does(pack: Path, script: Path, command: Command,
                                                     data: st.DataObject) -> None:
    params = data.draw(params_strategy(command), label="params")
    argv = RUNTIME.build_argv(spec_for(command, f"scripts/{script.name}"), params)
    direct = subprocess.run([sys.executable, str(pack / "actions/scripts" / script.name), *argv],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    action = _wrapper_class(pack, command.name)(config={})
    ok, result = action.run(**params)
    assert result["exit_code"] == direct.returncode
    assert ok is (direct.returncode == 0)
    out = result["stdout"]
    if isinstance(out, str):
        assert out == direct.stdout.removesuffix("\n")
    else:  # the script printed JSON: the result carries it parsed
        assert out == json.loads(direct.stdout)
