import contextlib
import io
import runpy
import sys
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fidelity import EXAMPLES, load_runtime, value_strategy
from voodoo.analysis import analyze_source
from voodoo.model import ArgKind, Command, Joiner, ParamType, Script, Severity
from voodoo.wrapper import spec_for

T = ParamType
RUNTIME = load_runtime()


def script(source: str) -> Script:
    return analyze_source(textwrap.dedent(source), "tool.py")


FUNCS = '''
import fire

def deploy(service, replicas: int = 2, canary=False):
    """Deploy a service.

    Args:
        service: What to deploy.
    """

class Ops:
    """Operations.

    Args:
        region: Where.
    """
    def __init__(self, region, verbose=False):
        pass
    def restart(self, name):
        """Restart one."""
    @staticmethod
    def ping(host="localhost"):
        pass
    @property
    def state(self):
        return 1
    def _hidden(self):
        pass

def _private():
    pass
'''

ACTIONS = [
    pytest.param("fire.Fire(deploy)", {"tool": ((), ["service", "replicas", "canary"])},
                 id="function"),
    pytest.param("fire.Fire(Ops)", {
        "tool_restart": (("restart",), ["region", "verbose", "name"]),
        "tool_ping": (("ping",), ["region", "verbose", "host"]),
    }, id="class-methods-with-init"),
    pytest.param('fire.Fire({"up": deploy, "ops": Ops})', {
        "tool_up": (("up",), ["service", "replicas", "canary"]),
        "tool_ops_restart": (("ops", "restart"), ["region", "verbose", "name"]),
        "tool_ops_ping": (("ops", "ping"), ["region", "verbose", "host"]),
    }, id="dict"),
    pytest.param("fire.Fire()", {
        "tool_deploy": (("deploy",), ["service", "replicas", "canary"]),
        "tool_ops_restart": (("Ops", "restart"), ["region", "verbose", "name"]),
        "tool_ops_ping": (("Ops", "ping"), ["region", "verbose", "host"]),
    }, id="module"),
    pytest.param("COMMANDS = {'up': deploy}\nfire.Fire(COMMANDS)",
                 {"tool_up": (("up",), ["service", "replicas", "canary"])},
                 id="dict-constant"),
]


@pytest.mark.parametrize(("call", "expected"), ACTIONS)
def test_actions(call: str, expected: dict[str, Any]) -> None:
    result = script(FUNCS + call + "\n")
    assert result.framework == "fire"
    got = {c.name: (c.path, [p.name for p in c.params]) for c in result.commands}
    assert got == expected


def test_parameters_and_emit() -> None:
    result = script(FUNCS + "fire.Fire({'ops': Ops, 'up': deploy})\n")
    commands = {c.name: c for c in result.commands}
    up = {p.name: p for p in commands["tool_up"].params}
    assert (up["service"].type, up["service"].required, up["service"].description) == (
        T.STRING, True, "What to deploy.")
    assert (up["replicas"].type, up["replicas"].default) == (T.INTEGER, 2)
    assert up["replicas"].emit.option == "--replicas"
    assert up["replicas"].emit.joiner is Joiner.EQUALS and up["replicas"].emit.level == 1
    canary = up["canary"]
    assert (canary.type, canary.default, canary.emit.kind) == (T.BOOLEAN, False,
                                                               ArgKind.FLAG_PAIR)
    assert (canary.emit.option, canary.emit.off_option) == ("--canary", "--nocanary")
    restart = commands["tool_ops_restart"]
    assert restart.description == "Restart one."
    params = {p.name: p for p in restart.params}
    # before the method word a bare --verbose would swallow it as a value
    assert params["verbose"].emit.kind is ArgKind.OPTION
    assert (params["verbose"].emit.true_token, params["verbose"].emit.level) == ("True", 1)
    assert params["region"].description == "Where."
    assert commands["tool_ops_ping"].description == "Operations."


LEFT_ALONE = [
    pytest.param("def f(x): pass\n", id="no-fire"),
    pytest.param("import fire\ndef f(x): pass\n", id="imported-not-called"),
]


@pytest.mark.parametrize("source", LEFT_ALONE)
def test_not_fire(source: str) -> None:
    assert script(source).framework != "fire"


REPORTED = [
    pytest.param("import fire\nfrom mod import thing\nfire.Fire(thing)\n",
                 "fire-unknown-component", id="imported-component"),
    pytest.param("import fire\ndef f(x): pass\nfire.Fire({k: f for k in 'ab'})\n",
                 "fire-unknown-component", id="computed-dict"),
    pytest.param("import fire\ndef f(x=object()): pass\nfire.Fire(f)\n", "unknown-default",
                 id="unknown-default"),
    pytest.param("import fire\ndef f(x, /): pass\nfire.Fire(f)\n", "positional-only",
                 id="positional-only"),
]


@pytest.mark.parametrize(("source", "code"), REPORTED)
def test_reported(source: str, code: str) -> None:
    result = script(source)
    (found,) = [d for d in result.diagnostics if d.code == code]
    assert found.line > 0 and found.severity in (Severity.WARNING, Severity.INFO)


def test_list_parameters_take_a_literal() -> None:
    result = script("import fire\ndef f(hosts: list[str] = ('a',)): pass\nfire.Fire(f)\n")
    (param,) = result.commands[0].params
    assert (param.type, param.default) == (T.STRING, None)
    assert "literal" in (param.description or "")


# -- round trip: fire itself calls the function with what StackStorm was given -------------


def _calls(path: Path, argv: list[str]) -> dict[str, dict[str, Any]]:
    """Run the example under real fire; record the arguments of each of its functions."""
    seen: dict[str, dict[str, Any]] = {}
    target = str(path)

    def profile(frame: Any, event: str, arg: Any) -> None:
        code = frame.f_code
        if event == "call" and code.co_filename == target:
            count = code.co_argcount + code.co_kwonlyargcount
            seen.setdefault(code.co_name, {n: frame.f_locals[n]
                                           for n in code.co_varnames[:count]})

    out, err = io.StringIO(), io.StringIO()
    with (mock.patch.object(sys, "argv", [target, *argv]), contextlib.redirect_stdout(out),
          contextlib.redirect_stderr(err)):
        sys.setprofile(profile)
        try:
            runpy.run_path(target, run_name="__main__")
        except SystemExit as e:
            raise AssertionError(f"fire refused {argv!r}: {err.getvalue()}") from e
        finally:
            sys.setprofile(None)
    return seen


def _fire_keeps(value: Any) -> bool:
    # fire reads every value as a Python literal when it can ("12" is 12, "a,b" a tuple):
    # a person typing those gets the same, so only values fire keeps as text are compared
    import fire.parser

    return not isinstance(value, str) or fire.parser.DefaultParseValue(value) == value


FIRE_CASES = [
    pytest.param(path, command, id=command.name)
    for path in sorted(EXAMPLES.glob("*.py"))
    for command in analyze_source(path.read_bytes(), path.name).commands
    if analyze_source(path.read_bytes(), path.name).framework == "fire"
]


def test_there_are_fire_examples() -> None:
    assert len({c.values[0] for c in FIRE_CASES}) >= 2


@pytest.mark.parametrize(("path", "command"), FIRE_CASES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_argv_round_trips_through_fire(path: Path, command: Command,
                                       data: st.DataObject) -> None:
    strategies = {p.name: value_strategy(p).filter(_fire_keeps) for p in command.params}
    values = data.draw(st.fixed_dictionaries(
        {p.name: strategies[p.name] for p in command.params if p.required},
        optional={p.name: strategies[p.name] for p in command.params if not p.required}))
    argv = RUNTIME.build_argv(spec_for(command, f"scripts/{path.name}", parser="fire"), values)
    calls = _calls(path, argv)
    leaf = command.path[-1] if command.path else command.name
    function = {"zones": "list_zones", "ttl": "check_ttl"}.get(leaf, leaf)
    received = {**calls.get("__init__", {}), **calls[function]}
    for name, value in values.items():
        assert received[name] == value, (name, argv)
