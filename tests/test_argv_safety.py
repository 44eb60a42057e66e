"""A parameter value never becomes an option or a sub-command of the script (issue #11,
item 3): every value either reaches the script's own parser as exactly that value, or the
run is refused before anything starts (exit 2, the parameter named) -- through the
generated wrapper (StackStorm) and through ``voodoo run``."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.analyzers.test_docopt_ import DOCOPT_EXAMPLES, pattern_params
from tests.fidelity import (
    EXAMPLES,
    ParserRejected,
    hostile_text,
    load_runtime,
    mismatches,
    params_strategy,
    parse_with_docopt,
    parse_with_script,
    positionals_in_order,
    refused_by_the_scripts_own_rules,
    wrapper_class,
)
from tests.fidelity_click import parse_with_click, replaced_defaults
from voodoo.analysis import analyze_file
from voodoo.ingest import ingest
from voodoo.model import Command
from voodoo.wrapper import spec_for

RUNTIME = load_runtime()

#: the parsers these helpers run in-process (docopt below, drawn one usage pattern at a
#: time); fire reads values as Python literals, not as the text given
_PARSED = {"argparse", "optparse", "getopt", "sysargv", "click", "typer"}
CASES = [
    pytest.param(EXAMPLES / Path(script.path).name, script.framework, command, id=command.name)
    for script in (analyze_file(path) for path in sorted(EXAMPLES.glob("*.py")))
    if script.framework in _PARSED
    for command in script.commands
]


def test_every_parser_has_cases() -> None:
    assert {c.values[1] for c in CASES} == _PARSED


def _prompt_free(command: Command) -> Command:
    # click prompts for an absent secret option: a person, and this test, always gives it
    params = tuple(dataclasses.replace(p, required=p.required or p.secret) for p in command.params)
    return dataclasses.replace(command, params=params)


@pytest.mark.parametrize(("script", "framework", "command"), CASES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_values_reach_the_parser_exactly_or_are_refused(
    script: Path, framework: str, command: Command, data: st.DataObject
) -> None:
    if framework in ("click", "typer"):
        command = _prompt_free(command)
    params = data.draw(params_strategy(command, hostile_text(command)), label="params")
    assume(positionals_in_order(command, params))
    spec = spec_for(command, f"scripts/{script.name}", parser=framework)
    try:
        argv = RUNTIME.build_argv(spec, params)
        env = RUNTIME.build_env(spec, params)
    except RUNTIME.ArgvError as e:
        named = re.match(r"parameter '(\w+)'", str(e))
        assert named is not None and named.group(1) in params, str(e)
        return
    parse = parse_with_click if framework in ("click", "typer") else parse_with_script
    try:
        # a secret the script reads from its variable is exported there, not typed
        with mock.patch.dict(os.environ, env):
            parsed = parse(script, argv)
    except ParserRejected as e:
        if "one of the arguments" in str(e):
            # a required group: the wrapper refuses the run before the script starts
            assert RUNTIME.one_of_problem(spec, params) is not None, str(e)
            return
        assume(not refused_by_the_scripts_own_rules(str(e)))
        raise AssertionError(f"argv {argv!r} rejected: {e}") from None
    if framework in ("click", "typer"):
        command = replaced_defaults(command)
    assert mismatches(command, params, parsed) == [], argv


@pytest.mark.parametrize("script", DOCOPT_EXAMPLES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_values_reach_docopt_exactly_or_are_refused(
    script: Path, data: st.DataObject
) -> None:
    source = script.read_text("utf-8")
    (command,) = analyze_file(script).commands
    # one usage pattern's keys at a time: docopt refuses a mix whoever types it
    params = data.draw(pattern_params(source, command, hostile_text(command)), label="params")
    spec = spec_for(command, f"scripts/{script.name}", parser="docopt")
    try:
        argv = RUNTIME.build_argv(spec, params)
    except RUNTIME.ArgvError as e:
        named = re.match(r"parameter '(\w+)'", str(e))
        assert named is not None and named.group(1) in params, str(e)
        return
    try:
        parsed = parse_with_docopt(script, argv)
    except ParserRejected as e:
        raise AssertionError(f"argv {argv!r} rejected: {e}") from None
    assert mismatches(command, params, parsed) == [], argv


# -- for real: the reproduction, run by voodoo run and by the StackStorm wrapper ------

CLEANER = textwrap.dedent("""\
    import argparse, json, os
    p = argparse.ArgumentParser()
    p.add_argument("--files", nargs="+", required=True)
    p.add_argument("-f", "--force", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")
    args = p.parse_args()
    open(os.environ["MARKER"], "a").close()
    print(json.dumps(vars(args)))
    """)
CLUSTER = textwrap.dedent("""\
    import argparse, json, os
    p = argparse.ArgumentParser()
    p.add_argument("--yes", action="store_true")
    p.add_argument("cluster")
    sub = p.add_subparsers(dest="cmd", required=True)
    drain = sub.add_parser("drain")
    drain.add_argument("node")
    args = p.parse_args()
    open(os.environ["MARKER"], "a").close()
    print(json.dumps(vars(args)))
    """)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("smuggle")
    (root / "src").mkdir()
    (root / "src" / "cleaner.py").write_text(CLEANER)
    (root / "src" / "cluster.py").write_text(CLUSTER)
    assert ingest([root / "src"], root / "ops").exit_code == 0
    return root / "ops"


def _voodoo() -> str:
    exe = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(exe).exists():
        pytest.skip("the voodoo console script is not installed in this environment")
    return exe


@pytest.mark.parametrize(
    ("action", "words", "parameter"),
    [
        ("cleaner", ['files=["a", "-rf"]'], "files"),
        ("cleaner", ['files=["a", "--force"]'], "files"),
        ("cluster_drain", ["cluster=-h", "node=n1"], "cluster"),
        ("cluster_drain", ["cluster=--yes", "node=n1"], "cluster"),
    ],
    ids=["nargs-rf", "nargs-long", "before-word-h", "before-word-yes"],
)
def test_voodoo_run_refuses_a_value_that_would_be_an_option(
    pack: Path, tmp_path: Path, action: str, words: list[str], parameter: str
) -> None:
    marker = tmp_path / "ran"
    proc = subprocess.run(
        [_voodoo(), "run", str(pack), action, *words],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MARKER": str(marker)},
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"parameter '{parameter}'" in proc.stderr and "nothing was run" in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("action", "words", "expected"),
    [
        (
            "cleaner",
            ['files=["a", "rf", "-"]'],
            {"files": ["a", "rf", "-"], "force": False, "recursive": False},
        ),
        (
            "cluster_drain",
            ["cluster=c1", "node=-h"],
            {"cluster": "c1", "node": "-h", "cmd": "drain", "yes": False},
        ),
    ],
    ids=["plain-items", "last-level-dash"],
)
def test_voodoo_run_passes_what_cannot_be_misread(
    pack: Path, tmp_path: Path, action: str, words: list[str], expected: dict[str, Any]
) -> None:
    marker = tmp_path / "ran"
    proc = subprocess.run(
        [_voodoo(), "run", str(pack), action, *words, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MARKER": str(marker)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["result"]["result"]["stdout"] == expected
    assert marker.exists()


@pytest.mark.parametrize(
    ("action", "params", "parameter"),
    [
        ("cleaner", {"files": ["a", "-rf"]}, "files"),
        ("cleaner", {"files": ["a\x00b"]}, "files"),
        ("cluster_drain", {"cluster": "-h", "node": "n1"}, "cluster"),
    ],
    ids=["nargs-rf", "nul", "before-word-h"],
)
def test_the_stackstorm_wrapper_refuses_with_exit_2(
    pack: Path, tmp_path: Path, action: str, params: dict[str, Any], parameter: str
) -> None:
    marker = tmp_path / "ran"
    with mock.patch.dict(os.environ, {"MARKER": str(marker)}):
        ok, result = wrapper_class(pack, action)(config={}).run(**params)
    assert (ok, result["exit_code"], result["stdout"]) == (False, 2, "")
    assert f"parameter '{parameter}'" in result["stderr"]
    assert not marker.exists()
