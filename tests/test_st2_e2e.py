"""End to end against StackStorm's python runner contract (``tests/st2_runner.py``).

The fixture reproduces how st2 invokes a python-script action, as the shared spec
describes it: the first tests hold the fixture to that contract with hand-written actions;
then every example action runs through it and through ``voodoo run``, and the script must
receive exactly the same command line (and working directory, and call arguments).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fidelity import EXAMPLES, python38, wrapper_spec
from tests.packmaker import make_pack
from tests.st2_runner import MAX_PARAM_LENGTH, RUNNER_PARAMETERS, st2_run
from voodoo.errors import ParameterError
from voodoo.ingest import ingest
from voodoo.local.execute import run_action

EXPECTED = Path(__file__).parent / "expected" / "ops"

PROBE = """
import json, os, sys
from st2common.runners.base_action import Action

class Zeta(Action):
    def run(self, **kw):
        return (True, "not me: the alphabetically first class is the action")

class Probe(Action):
    def run(self, **kw):
        print("printed, not the result")
        self.logger.info("a log line")
        return (kw.get("ok") is not False, {
            "params": kw,
            "path": sys.path,
            "pythonpath": os.environ["PYTHONPATH"],
            "cwd": os.getcwd(),
            "pack": os.environ["ST2_ACTION_PACK_NAME"],
        })
"""


def _probe_pack(tmp_path: Path) -> Path:
    params = {"name": {"type": "string"}, "count": {"type": "integer", "default": 3},
              "raw": {"type": "string", "default": "{% raw %}{{ x }}{% endraw %}"},
              "ok": {"type": "boolean"}, "big": {"type": "string"},
              "timeout": {"default": 30}}
    pack = make_pack(tmp_path, {"probe": ({"runner_type": "python-script",
                                           "entry_point": "probe.py", "parameters": params},
                                          PROBE)})
    (pack / "actions" / "lib").mkdir()
    return pack


def test_the_fixture_follows_the_invocation_contract(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _probe_pack(tmp_path)
    runner_cwd = tmp_path / "runner"
    runner_cwd.mkdir()
    monkeypatch.setenv("PYTHONPATH", "/ignored/by/st2")
    run = st2_run(pack, "probe", {"name": "web"}, cwd=runner_cwd)
    assert run.status == "succeeded", run.result
    assert run.argv[1:3] == ["-u", str(Path(run.argv[2]))]
    assert run.argv[3:7] == ["--pack=tpack", f"--file-path={pack}/actions/probe.py",
                             "--user=stanley", "--parent-args=[]"]
    result = run.result["result"]
    # every declared parameter but the runner's, defaults applied, None when unset
    assert result["params"] == {"name": "web", "count": 3, "raw": "{{ x }}", "ok": None,
                                "big": None}
    assert "timeout" in RUNNER_PARAMETERS
    path = result["path"]
    assert path[-1] == str(pack / "actions")  # the action's folder, appended
    lib = path.index(str(pack / "actions" / "lib"))
    assert "/ignored/by/st2" not in result["pythonpath"] and lib < len(path) - 1
    assert result["cwd"] == str(runner_cwd)  # st2 sets none: the runner's own
    assert result["pack"] == "tpack"
    assert run.result["stdout"] == "printed, not the result\n"
    assert "a log line" in run.result["stderr"]


def test_the_fixture_status_rules_and_large_parameters(tmp_path: Path) -> None:
    pack = _probe_pack(tmp_path)
    failed = st2_run(pack, "probe", {"ok": False}, cwd=tmp_path)
    assert failed.status == "failed" and failed.result["exit_code"] == 0
    big = "x" * MAX_PARAM_LENGTH
    run = st2_run(pack, "probe", {"big": big}, cwd=tmp_path)
    assert not any(a.startswith("--parameters=") for a in run.argv)  # sent on stdin
    assert run.result["result"]["params"]["big"] == big
    (pack / "actions" / "probe.py").write_text(
        "from st2common.runners.base_action import Action\n"
        "class P(Action):\n    def run(self, **kw):\n        return ('yes', 1)\n")
    bad = st2_run(pack, "probe", {}, cwd=tmp_path)
    assert (bad.status, bad.result["exit_code"]) == ("failed", 220)


# --- every example action -----------------------------------------------------------------

ECHO = '''\
import json, os, sys


def _echo(**kwargs):
    print(json.dumps({"argv": sys.argv[1:], "kwargs": kwargs, "cwd": os.getcwd()}))
'''


@pytest.fixture(scope="module")
def echo_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden example pack, each script replaced by one that prints what it was given
    (argv, or the call's arguments, and its working directory)."""
    pack = tmp_path_factory.mktemp("e2e") / "ops"
    shutil.copytree(EXPECTED, pack)
    functions: dict[Path, set[str]] = {}
    for wrapper in (pack / "actions").glob("*.py"):
        spec = wrapper_spec(wrapper)
        script = (wrapper.parent / spec["script"]).resolve()
        names = functions.setdefault(script, set())
        if spec.get("invocation") == "call":
            names.add(spec["function"])
    for script, names in functions.items():
        body = ECHO + "".join(f"\n\ndef {n}(**kwargs):\n    _echo(**kwargs)\n"
                              for n in sorted(names))
        script.write_text(body + '\n\nif __name__ == "__main__":\n    _echo()\n')
    return pack


def _sample(spec: dict[str, Any]) -> Any:
    """A value that fits the parameter and differs from its default where possible."""
    kind, default = spec.get("type"), spec.get("default")
    if spec.get("enum"):
        choices = [v for v in spec["enum"] if v != default] or spec["enum"]
        return choices[-1]
    if kind == "boolean":
        return not default
    if kind == "integer":
        low, high = spec.get("minimum", 2), spec.get("maximum", 7)
        return max(low, min(high, 7))
    if kind == "number":
        return 2.5 if spec.get("maximum", 10) >= 2.5 else spec.get("minimum", 0)
    if kind == "array":
        items = spec.get("items") or {}
        item: Any = ["a b", "-c"]
        if items.get("enum"):
            item = items["enum"][:2]
        elif items.get("type") == "integer":
            item = [1, 2]
        elif items.get("type") == "number":
            item = [1.5, 2]
        elif items.get("type") == "array":
            item = [["x", "y"]]
        size = max(spec.get("minItems", 1), min(spec.get("maxItems", 2), len(item)))
        return (item * size)[:size]
    if kind == "object":
        return {"k": "v w"}
    return "two words"


ACTIONS = sorted(p.stem for p in (EXPECTED / "actions").glob("*.yaml"))


@pytest.mark.parametrize("action", ACTIONS)
def test_example_action_gets_the_same_argv_under_stackstorm_and_voodoo_run(
    echo_pack: Path, action: str, tmp_path: Path
) -> None:
    metadata = yaml.safe_load((echo_pack / "actions" / f"{action}.yaml").read_text())
    specs = {k: v for k, v in (metadata.get("parameters") or {}).items()
             if k not in RUNNER_PARAMETERS}
    # a store_const option alone has no enum (mapping.md): take a value it gives
    for param in wrapper_spec(echo_pack / "actions" / f"{action}.py")["params"]:
        if param["kind"] == "const" and param["name"] in specs:
            specs[param["name"]] = {**specs[param["name"]],
                                    "enum": [c for c, _ in param["consts"]]}
    # an exactly-one-of group (required mutually exclusive) takes its first member only
    for group in wrapper_spec(echo_pack / "actions" / f"{action}.py").get("one_of", ()):
        for name in group[1:]:
            specs.pop(name, None)
    # every parameter set (the most argv to compare); required ones only if that is refused
    for given in ({k: _sample(v) for k, v in specs.items()},
                  {k: _sample(v) for k, v in specs.items() if v.get("required")}):
        try:
            local = run_action(echo_pack, action, given, log=False)
            break
        except ParameterError:
            continue
    else:
        pytest.fail(f"{action}: no sample parameters voodoo run accepts")
    st2 = st2_run(echo_pack, action, given, cwd=tmp_path)
    assert st2.status == local.status, (st2.result, local.result)
    seen_by_st2 = st2.result["result"]["stdout"]
    seen_locally = local.result["result"]["stdout"]
    assert isinstance(seen_by_st2, dict), st2.result
    assert seen_by_st2 == seen_locally
    # the documented working directory, whatever the runner's own is
    assert seen_by_st2["cwd"] == str((echo_pack / "actions" / "scripts").resolve())


def test_every_example_action_runs_under_stackstorms_python_3_8(echo_pack: Path,
                                                                tmp_path: Path) -> None:
    """StackStorm 3.x runs packs with Python 3.8: the generated wrappers, the runtime and
    the st2common stand-in must work there (same argv as under voodoo run)."""
    interpreter = python38()
    for action in ACTIONS:
        spec = yaml.safe_load((echo_pack / "actions" / f"{action}.yaml").read_text())
        given = {k: _sample(v) for k, v in (spec.get("parameters") or {}).items()
                 if v.get("required")}
        local = run_action(echo_pack, action, given, log=False)
        old = st2_run(echo_pack, action, given, cwd=tmp_path, python=interpreter)
        assert old.result["result"]["stdout"] == local.result["result"]["stdout"], (
            action, old.result)


def test_every_example_action_is_covered(tmp_path: Path) -> None:
    """The parametrization (the golden pack's actions) is every action the example scripts
    give today (a dry run), so a new example cannot go untested here."""
    result = ingest([EXAMPLES], tmp_path / "ops", dry_run=True)
    assert sorted(result.actions) == ACTIONS
    assert len(ACTIONS) >= 46
    assert textwrap.dedent(ECHO) == ECHO
