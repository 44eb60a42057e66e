"""Fidelity for click and typer scripts: the argv a generated action builds means, to the
script's own click commands, exactly the parameter values StackStorm was given."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fidelity import EXAMPLES, ParserRejected, load_runtime, mismatches, params_strategy
from tests.fidelity_click import parse_with_click, replaced_defaults
from voodoo.analysis import analyze_file
from voodoo.model import Command
from voodoo.wrapper import spec_for

RUNTIME = load_runtime()

CASES = [
    pytest.param(path, command, id=command.name)
    for path in sorted(EXAMPLES.glob("*.py"))
    if (script := analyze_file(path)).framework in ("click", "typer")
    for command in script.commands
]


def _prompt_free(command: Command) -> Command:
    # Secret options prompt when absent (password_option, prompt=True + hide_input): the
    # action has no terminal, so a person -- and this test -- always passes them.
    params = tuple(dataclasses.replace(p, required=p.required or p.secret) for p in command.params)
    return dataclasses.replace(command, params=params)


def test_click_and_typer_examples_have_cases() -> None:
    frameworks = {analyze_file(c.values[0]).framework for c in CASES}
    assert frameworks == {"click", "typer"} and len({c.values[0] for c in CASES}) >= 4


@pytest.mark.parametrize(("script", "command"), CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_argv_round_trips_through_the_scripts_own_click_command(
    script: Path, command: Command, data: st.DataObject
) -> None:
    command = _prompt_free(command)
    params = data.draw(params_strategy(command), label="params")
    spec = spec_for(command, f"scripts/{script.name}", parser=analyze_file(script).framework)
    argv = RUNTIME.build_argv(spec, params)
    try:
        # a secret click reads from its envvar is exported there, not typed
        with mock.patch.dict(os.environ, RUNTIME.build_env(spec, params)):
            parsed = parse_with_click(script, argv)
    except ParserRejected as e:
        raise AssertionError(f"argv {argv!r} rejected: {e}") from None
    assert mismatches(replaced_defaults(command), params, parsed) == [], argv
