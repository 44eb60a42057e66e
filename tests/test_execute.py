from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.packmaker import FIXTURE, make_pack, python_action, shell_action
from voodoo.errors import ActionError, ParameterError
from voodoo.local.action import load_action, load_config
from voodoo.local.execute import history, run_action
from voodoo.local.launch import python_outcome, shell_result
from voodoo.local.params import cast_value, prepare_parameters
from voodoo.local.shell_args import (
    named_args,
    positional_arg,
    script_args,
    script_command,
    sudo_command,
)
from voodoo.local.templates import UnsupportedTemplate, render

# --- bad parameters: every problem listed, nothing run ----------------------------------

MARKER_SCRIPT = """
#!/bin/sh
touch "$(dirname "$0")/ran.marker"
"""

STRICT_PARAMS: dict[str, Any] = {
    "count": {"type": "integer", "required": True, "minimum": 1, "maximum": 10},
    "ratio": {"type": "number"},
    "flag": {"type": "boolean"},
    "opts": {"type": "object"},
    "tags": {"type": "array", "items": {"type": "integer"}},
    "color": {"type": "string", "enum": ["red", "green"]},
    "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "fixed": {"type": "string", "default": "x", "immutable": True},
    "short": {"type": "string", "maxLength": 3},
}


@pytest.fixture
def strict_pack(tmp_path: Path) -> Path:
    return make_pack(tmp_path, {"strict": shell_action(STRICT_PARAMS, MARKER_SCRIPT)})


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["count=3", "nope=1"], "nope: unknown parameter"),
        ([], "count: required parameter missing"),
        (["count=abc"], "count: expected an integer, got 'abc'"),
        (["count=3", "ratio=fast"], "ratio: expected a number, got 'fast'"),
        (["count=3", "flag=maybe"], "flag: expected a boolean"),
        (["count=3", "opts=[1]"], "opts: expected a JSON object"),
        (["count=3", "tags=1,x"], "tags: expected an integer, got 'x'"),
        (["count=3", "color=purple"], "color: 'purple' is not one of ['red', 'green']"),
        (["count=0"], "count: 0 is less than the minimum of 1"),
        (["count=11"], "count: 11 is greater than the maximum of 10"),
        (["count=3", "code=abcd"], "code: 'abcd' does not match '^[A-Z]{3}$'"),
        (["count=3", "short=abcd"], "short: 'abcd' is too long"),
        (["count=3", "fixed=y"], "fixed: immutable parameter cannot be overridden"),
        (["count=3", "oops"], "'oops': expected name=value"),
        (["count=3", "code=@/nonexistent/file"], "code: cannot read '/nonexistent/file'"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_parameter_is_reported_and_nothing_runs(
    strict_pack: Path, words: list[str], expected: str
) -> None:
    with pytest.raises(ParameterError) as info:
        run_action(strict_pack, "strict", words)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems
    assert not (strict_pack / "actions" / "ran.marker").exists()
    assert history(strict_pack) == []


def test_every_problem_is_listed_at_once(strict_pack: Path) -> None:
    words = ["nope=1", "ratio=x", "flag=2", "color=blue", "fixed=z"]
    with pytest.raises(ParameterError) as info:
        run_action(strict_pack, "strict", words)
    names = [p.split(":")[0] for p in info.value.problems]
    assert sorted(names) == ["color", "count", "fixed", "flag", "nope", "ratio"]
    assert not (strict_pack / "actions" / "ran.marker").exists()


def test_valid_parameters_do_run(strict_pack: Path) -> None:
    execution = run_action(strict_pack, "strict", ["count=3", "color=red", "tags=1,2"])
    assert execution.status == "succeeded"
    assert (strict_pack / "actions" / "ran.marker").exists()


# --- casting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "word", "value"),
    [
        ({"type": "integer"}, "42", 42),
        ({"type": "number"}, "7", 7),
        ({"type": "number"}, "0.5", 0.5),
        ({"type": "boolean"}, "true", True),
        ({"type": "boolean"}, "YES", True),
        ({"type": "boolean"}, "1", True),
        ({"type": "boolean"}, "no", False),
        ({"type": "boolean"}, "0", False),
        ({"type": "boolean"}, "False", False),
        ({"type": "array"}, '["a", 1]', ["a", 1]),
        ({"type": "array"}, "a, b ,c", ["a", "b", "c"]),
        ({"type": "array", "items": {"type": "number"}}, "1,2.5", [1, 2.5]),
        ({"type": "object"}, '{"k": [1]}', {"k": [1]}),
        ({"type": "string"}, "two words", "two words"),
        ({}, "untyped", "untyped"),
    ],
)
def test_words_are_cast_by_declared_type(
    tmp_path: Path, schema: dict[str, Any], word: str, value: Any
) -> None:
    pack = make_pack(tmp_path, {"a": shell_action({"p": schema})})
    prepared = prepare_parameters(load_action(pack, "a"), [f"p={word}"])
    assert prepared.action["p"] == value


def test_value_from_file(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"a": shell_action({"p": {"type": "object"}})})
    (tmp_path / "v.json").write_text('{"from": "file"}')
    prepared = prepare_parameters(load_action(pack, "a"), [f"p=@{tmp_path / 'v.json'}"])
    assert prepared.action["p"] == {"from": "file"}


def test_mapping_input_is_cast_like_the_st2_api(tmp_path: Path) -> None:
    params = {"n": {"type": "integer"}, "b": {"type": "boolean"}, "l": {"type": "array"}}
    pack = make_pack(tmp_path, {"a": shell_action(params)})
    prepared = prepare_parameters(load_action(pack, "a"), {"n": "3", "b": "true", "l": "[1]"})
    assert dict(prepared.action) == {"n": 3, "b": True, "l": [1]}
    with pytest.raises(ParameterError, match="s: 5 is not of type 'string'"):
        pack2 = make_pack(tmp_path / "x", {"a": shell_action({"s": {"type": "string"}})})
        prepare_parameters(load_action(pack2, "a"), {"s": 5})


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("integer", "5", 5),
        ("number", "5", 5),
        ("number", "5.0", 5.0),
        ("object", "{'a': 1}", {"a": 1}),
    ],
)
def test_st2_server_casts(kind: str, value: str, expected: Any) -> None:
    assert cast_value(kind, value) == expected


# --- defaults and Jinja ----------------------------------------------------------------


def _prepare(tmp_path: Path, params: dict[str, Any], words: list[str], config: Any = None) -> Any:
    pack = make_pack(tmp_path, {"a": shell_action(params)})
    return prepare_parameters(load_action(pack, "a"), words, config)


def test_defaults_render_parameter_and_config_references(tmp_path: Path) -> None:
    params = {
        "host": {"type": "string", "default": "web"},
        "port": {"type": "integer", "default": "{{ base }}"},
        "base": {"type": "integer", "default": 8000},
        "url": {
            "type": "string",
            "default": "http://{{host}}:{{ port }}/{{ config_context.path }}",
        },
        "raw": {"type": "string", "default": "{% raw %}{{ literal }}{% endraw %}!"},
    }
    prepared = _prepare(tmp_path, params, ["host=db"], {"path": "api"})
    assert prepared.action["port"] == 8000
    assert prepared.action["url"] == "http://db:8000/api"
    assert prepared.action["raw"] == "{{ literal }}!"


@pytest.mark.parametrize(
    ("default", "problem"),
    [
        ("{{ host | upper }}", "unsupported Jinja"),
        ("{{ st2kv.system.key }}", "unsupported Jinja: '{{ st2kv.system.key }}'"),
        ("{% if x %}y{% endif %}", "unsupported Jinja"),
        ("{{ nothere }}", "unknown parameter 'nothere'"),
        ("{{ config_context.missing }}", "config_context.missing is not in the pack config"),
        ("{{ other }}", "circular reference in defaults: s -> other -> s"),
    ],
)
def test_unsupported_or_broken_defaults_are_reported(
    tmp_path: Path, default: str, problem: str
) -> None:
    params = {"s": {"type": "string", "default": default}, "host": {"type": "string"}}
    params["other"] = {"type": "string", "default": "{{ s }}"}
    with pytest.raises(ParameterError) as info:
        _prepare(tmp_path, params, [], {})
    assert any(problem in p for p in info.value.problems), info.value.problems


def test_given_values_are_rendered_like_defaults(tmp_path: Path) -> None:
    """StackStorm renders ``{{ }}`` in the values a run is given, not only in defaults."""
    params = {
        "host": {"type": "string", "default": "web"},
        "url": {"type": "string"},
        "raw": {"type": "string"},
        "plain": {"type": "string"},
    }
    prepared = _prepare(
        tmp_path,
        params,
        ["url=http://{{ host }}/{{ config_context.path }}", "raw={% raw %}{{ x }}{% endraw %}",
         "plain=no templates {here}"],
        {"path": "api"},
    )
    assert prepared.action["url"] == "http://web/api"
    assert prepared.action["raw"] == "{{ x }}"
    assert prepared.action["plain"] == "no templates {here}"
    assert prepared.masked["url"] == "http://web/api"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("{{ 1 + 1 }}", "url: value '{{ 1 + 1 }}': unsupported Jinja"),
        ("{{ st2kv.system.k }}", "url: value '{{ st2kv.system.k }}': unsupported Jinja"),
        ("{{ nothere }}", "url: value '{{ nothere }}': unknown parameter 'nothere'"),
    ],
)
def test_given_values_that_cannot_be_rendered_are_refused(
    tmp_path: Path, value: str, problem: str
) -> None:
    params = {"url": {"type": "string"}, "host": {"type": "string"}}
    with pytest.raises(ParameterError) as info:
        _prepare(tmp_path, params, [f"url={value}"], {})
    assert any(p.startswith(problem) for p in info.value.problems), info.value.problems


def test_render_drops_one_trailing_newline_like_jinja() -> None:
    assert render("{{ a }}\n", lambda n, a: 1) == "1"
    with pytest.raises(UnsupportedTemplate):
        render("{# comment #}", lambda n, a: None)


# --- runner parameters ------------------------------------------------------------------


def test_runner_parameters_are_merged_with_overrides() -> None:
    action = load_action(FIXTURE, "lookup_host")
    timeout = action.param("timeout")
    assert timeout is not None
    assert (timeout.runner, timeout.declared) == (True, True)
    assert (timeout.schema["default"], timeout.schema["type"]) == (30, "integer")
    log_level = action.param("log_level")
    assert (
        log_level is not None and not log_level.declared and log_level.schema["default"] == "DEBUG"
    )
    prepared = prepare_parameters(action, ["host=h"], load_config(FIXTURE))
    assert set(prepared.action) == {"host", "password", "label"}
    assert prepared.runner["timeout"] == 30


def test_override_of_a_non_overridable_attribute_is_refused(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"a": shell_action({"timeout": {"type": "string"}})})
    with pytest.raises(ActionError, match="overrides runner parameter 'type'"):
        load_action(pack, "a")


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"runner_type": "orquesta", "entry_point": "x.yaml"}, "cannot run locally"),
        ({"runner_type": "local-shell-script"}, "entry_point is required"),
        ({"runner_type": "local-shell-script", "entry_point": "./act.sh"}, "not normalized"),
        ({"runner_type": "local-shell-script", "entry_point": "gone.sh"}, "does not exist"),
        ({"runner_type": "local-shell-cmd", "entry_point": "act.sh"}, "must be empty"),
        (
            {"runner_type": "local-shell-cmd", "parameters": {"n": {"minimum": "x"}}},
            "invalid parameter schema",
        ),
    ],
)
def test_unusable_action_metadata_is_an_action_error(
    tmp_path: Path, meta: dict[str, Any], message: str
) -> None:
    pack = make_pack(tmp_path, {"a": (meta, "")})
    (pack / "actions" / "act.sh").write_text("#!/bin/sh\n")
    (pack / "actions" / "gone.sh").unlink(missing_ok=True)
    with pytest.raises(ActionError, match=message):
        run_action(pack, "a")


def test_sudo_wrapping_like_st2() -> None:
    assert sudo_command("echo 'a b'") == "sudo -E -- bash -c 'echo '\"'\"'a b'\"'\"''"
    assert sudo_command("id", password=True) == "sudo -S -E -- bash -c id"


def test_action_ref_is_accepted_and_foreign_refs_refused() -> None:
    assert load_action(FIXTURE, "handwritten.list_files").name == "list_files"
    with pytest.raises(ActionError, match="not in pack"):
        load_action(FIXTURE, "other.list_files")
    with pytest.raises(ActionError, match="no action named"):
        load_action(FIXTURE, "nope")


# --- python-script: the return-value table ---------------------------------------------


def _run_python(tmp_path: Path, body: str, **kw: Any) -> Any:
    pack = make_pack(tmp_path, {"act": python_action(body, kw.pop("params", None))})
    return run_action(pack, "act", kw.pop("words", []), **kw)


def test_python_returns_true_tuple(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "return (True, {'x': 1})")
    assert (e.status, e.result["result"], e.exit_code) == ("succeeded", {"x": 1}, 0)


def test_python_returns_false_tuple(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "return False, 'nope'")
    assert (e.status, e.result["result"], e.cli_exit_code) == ("failed", "nope", 1)


def test_python_returns_non_bool_status_tuple(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "return 'ok', 1")
    assert (e.status, e.exit_code) == ("failed", 220)
    assert "must either be True or False, got: ok" in e.result["error"]


@pytest.mark.parametrize(
    ("body", "result"),
    [
        ("return {'a': [1, 2]}", {"a": [1, 2]}),
        ("return [1, 2]", [1, 2]),
        ("return None", None),
        ("return (1, 2, 3)", [1, 2, 3]),
        ("return 'text'", "text"),
    ],
    ids=["dict", "list", "none", "3-tuple", "str"],
)
def test_python_returns_anything_else(tmp_path: Path, body: str, result: Any) -> None:
    e = _run_python(tmp_path, body)
    assert (e.status, e.result["result"]) == ("succeeded", result)


def test_python_raises(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "print('before')\nraise RuntimeError('boom')")
    assert (e.status, e.exit_code, e.result["result"]) == ("failed", 1, "None")
    assert "Traceback" in e.result["stderr"] and "RuntimeError: boom" in e.result["stderr"]
    assert e.result["stdout"] == "before\n"


def test_python_calls_sys_exit(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "import sys\nsys.exit(3)")
    assert (e.status, e.exit_code) == ("failed", 3)


def test_python_non_json_result_becomes_str(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "return True, {1, 2}")
    assert e.result["result"] == "{1, 2}"


def test_python_outcome_table_without_processes() -> None:
    assert python_outcome(0, "", "", {"result": 1, "status": True}).status == "succeeded"
    assert python_outcome(0, "", "", {"result": 1, "status": False}).status == "failed"
    assert python_outcome(0, "", "", {"result": 1, "status": None}).status == "succeeded"
    assert python_outcome(1, "", "tb", None).result["result"] == "None"
    assert python_outcome(-9, "", "", None, timed_out=True, timeout=2).status == "timeout"


def test_python_gets_every_declared_param_unset_as_none(tmp_path: Path) -> None:
    params = {
        "a": {"type": "string"},
        "b": {"type": "integer", "default": 2},
        "timeout": {"default": 20},
    }
    e = _run_python(tmp_path, "return kw", params=params, words=["a=x"])
    assert e.result["result"] == {"a": "x", "b": 2}


def test_python_picks_alphabetically_first_class_with_run(tmp_path: Path) -> None:
    source = """
    from collections import OrderedDict
    from st2common.runners.base_action import Action

    class Helper:
        pass

    class Zeta(Action):
        def run(self):
            return "zeta"

    class Beta(Action):
        def run(self):
            return "beta"
    """
    meta = {"runner_type": "python-script", "entry_point": "act.py"}
    pack = make_pack(tmp_path, {"act": (meta, source)})
    assert run_action(pack, "act").result["result"] == "beta"


def test_python_class_without_action_service_argument(tmp_path: Path) -> None:
    source = """
    class Act:
        def __init__(self, config):
            self.config = config

        def run(self):
            return self.action_service is not None
    """
    meta = {"runner_type": "python-script", "entry_point": "act.py"}
    pack = make_pack(tmp_path, {"act": (meta, source)})
    assert run_action(pack, "act").result["result"] is True


def test_python_uses_the_stub_action_when_st2common_is_missing(tmp_path: Path) -> None:
    e = _run_python(tmp_path, "import inspect\nreturn inspect.getfile(Action)")
    assert Path(e.result["result"]).parts[-4:] == (
        "st2stub",
        "st2common",
        "runners",
        "base_action.py",
    )


def test_python_uses_the_real_st2common_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "site" / "st2common" / "runners"
    fake.mkdir(parents=True)
    (fake.parent / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "base_action.py").write_text(
        "class Action:\n    REAL = True\n"
        "    def __init__(self, config=None, action_service=None):\n        self.config = config\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    e = _run_python(tmp_path, "return self.REAL")
    assert e.result["result"] is True


# --- local-shell-script: the argv serialization table ----------------------------------


@pytest.mark.parametrize(
    ("value", "tokens"),
    [
        (None, []),
        ("", []),
        (True, ["--p"]),
        (False, []),
        (5, ["--p=5"]),
        (0, ["--p=0"]),
        (0.5, ["--p=0.5"]),
        ("two words", ["--p=two words"]),
        (["x", "y"], ["--p=['x', 'y']"]),
        ({"a": 1}, ["--p={'a': 1}"]),
    ],
    ids=["none", "empty", "true", "false", "int", "zero", "float", "spaces", "array", "object"],
)
def test_named_argument_row(value: Any, tokens: list[str]) -> None:
    assert named_args({"p": value}) == tokens


@pytest.mark.parametrize(
    ("kind", "value", "token"),
    [
        ("string", "a b", "a b"),
        ("string", None, ""),
        ("number", 0, "0"),
        ("number", 2.5, "2.5"),
        ("boolean", True, "1"),
        ("boolean", False, "0"),
        ("boolean", None, ""),
        ("array", ["a", "b c", 3], "a,b c,3"),
        ("array", [], ""),
        ("object", {"k": "v w", "n": 1}, '{"k":"v w","n":1}'),
        ("object", {}, ""),
        ("integer", 7, "7"),
        ("integer", 0, ""),
        (None, 0, ""),
    ],
    ids=lambda v: repr(v),
)
def test_positional_argument_row(kind: str | None, value: Any, token: str) -> None:
    assert positional_arg(kind, value) == token


def test_positionals_come_last_sorted_and_always_present() -> None:
    schemas = {
        "b": {"type": "string", "position": 1},
        "flag": {"type": "boolean"},
        "a": {"type": "integer", "position": 0},
    }
    assert script_args({"b": None, "flag": True, "a": 3}, schemas, "-") == ["-flag", "3", ""]


def test_command_quotes_every_token() -> None:
    assert script_command("/p/s.sh", ["--s=a b", "it's"]) == (
        "chmod +x /p/s.sh ; /p/s.sh '--s=a b' 'it'\"'\"'s'"
    )


SHELL_PARAMS = {
    "s": {"type": "string"},
    "i": {"type": "integer"},
    "n": {"type": "number"},
    "b": {"type": "boolean"},
    "l": {"type": "array"},
    "o": {"type": "object"},
    "ps": {"type": "string", "position": 0},
    "pn": {"type": "number", "position": 1},
    "pb": {"type": "boolean", "position": 2},
    "pl": {"type": "array", "position": 3},
    "po": {"type": "object", "position": 4},
    "pi": {"type": "integer", "position": 5},
}


@pytest.mark.parametrize(
    ("words", "argv"),
    [
        ([], ["", "", "", "", "", ""]),
        (["s="], ["", "", "", "", "", ""]),
        (["b=true"], ["--b", "", "", "", "", "", ""]),
        (["b=false"], ["", "", "", "", "", ""]),
        (["i=5", "n=0.5"], ["--i=5", "--n=0.5", "", "", "", "", "", ""]),
        (["s=two words"], ["--s=two words", "", "", "", "", "", ""]),
        (["l=a,b"], ["--l=['a', 'b']", "", "", "", "", "", ""]),
        (['o={"a": 1}'], ["--o={'a': 1}", "", "", "", "", "", ""]),
        (["ps=x y", "pn=0"], ["x y", "0", "", "", "", ""]),
        (["pb=true"], ["", "", "1", "", "", ""]),
        (["pb=no"], ["", "", "0", "", "", ""]),
        (["pl=a,b c,3"], ["", "", "", "a,b c,3", "", ""]),
        (['po={"k": "v w", "n": 1}'], ["", "", "", "", '{"k":"v w","n":1}', ""]),
        (["pi=0"], ["", "", "", "", "", ""]),
        (["pi=4"], ["", "", "", "", "", "4"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and "=" in v[0] else None,
)
def test_shell_script_receives_argv_like_st2(
    tmp_path: Path, words: list[str], argv: list[str]
) -> None:
    pack = make_pack(tmp_path, {"a": shell_action(SHELL_PARAMS)})
    e = run_action(pack, "a", words)
    assert e.status == "succeeded", e.result
    assert e.result["stdout"] == argv


def test_shell_result_strips_one_newline_and_decodes_json() -> None:
    result = shell_result(3, '{"a": 1}\n', "plain\n\n")
    assert result == {
        "failed": True,
        "succeeded": False,
        "return_code": 3,
        "stdout": {"a": 1},
        "stderr": "plain\n",
    }


def test_shell_script_cwd_env_kwarg_op_and_failure(tmp_path: Path) -> None:
    script = """
    #!/bin/sh
    echo "$PWD $FOO $ST2_ACTION_PACK_NAME $*"
    exit 4
    """
    pack = make_pack(tmp_path, {"a": shell_action({"x": {"type": "string"}}, script)})
    words = [f"cwd={tmp_path}", 'env={"FOO": "bar"}', "kwarg_op=-", "x=1"]
    e = run_action(pack, "a", words)
    assert (e.status, e.exit_code) == ("failed", 4)
    assert e.result["stdout"] == f"{tmp_path} bar tpack -x=1"


# --- local-shell-cmd ---------------------------------------------------------------------


def test_shell_cmd_runs_rendered_cmd(tmp_path: Path) -> None:
    meta = {
        "runner_type": "local-shell-cmd",
        "parameters": {
            "who": {"type": "string", "default": "world"},
            "cmd": {"default": "echo hello {{ who }} && echo oops >&2", "immutable": True},
        },
    }
    pack = make_pack(tmp_path, {"a": (meta, "")})
    e = run_action(pack, "a", ["who=there"])
    assert e.result["stdout"] == "hello there"
    assert e.result["stderr"] == "oops"


def test_fixture_shell_cmd_outputs_json() -> None:
    e = run_action(FIXTURE, "disk_free", log=False)
    assert e.status == "succeeded"
    assert e.result["stdout"]["mount"] == "/"


# --- the hand-written pack -------------------------------------------------------------


@pytest.fixture
def handwritten(tmp_path: Path) -> Path:
    pack = tmp_path / "handwritten"
    shutil.copytree(FIXTURE, pack)
    (tmp_path / "config.yaml").write_text("api_token: s3cr3t-token\nretries: 5\n")
    return pack


def test_handwritten_python_action_uses_config_and_datastore(handwritten: Path) -> None:
    config = handwritten.parent / "config.yaml"
    first = run_action(handwritten, "lookup_host", ["host=web1"], config_file=config)
    assert first.status == "succeeded", first.result
    assert first.result["result"] == {
        "host": "web1",
        "label": "web1 @ https://inventory.example.com",
        "described": "web1 via https://inventory.example.com",
        "retries": 5,
        "has_token": True,
        "has_password": False,
        "lookups": 1,
        "previous": None,
        "python": 3,
    }
    assert first.result["stdout"] == "looking up web1\n"
    assert "looked up web1" in first.result["stderr"]
    second = run_action(handwritten, "handwritten.lookup_host", ["host=web2"], config_file=config)
    assert second.result["result"]["lookups"] == 2
    store = json.loads((handwritten / ".voodoo" / "datastore.json").read_text())
    assert store == {"system": {"handwritten.LookupHostAction:lookups": "2"}}


def test_handwritten_missing_config_key_fails_like_st2(handwritten: Path) -> None:
    e = run_action(handwritten, "lookup_host", ["host=web1"])
    assert e.status == "failed"
    assert 'ValueError: Config key "api_token" not found' in e.result["stderr"]


def test_handwritten_shell_script(handwritten: Path) -> None:
    words = [f"directory={handwritten}", "pattern=*.yaml", 'env={"GREETING": "tests"}']
    e = run_action(handwritten, "list_files", words)
    assert e.result["stdout"] == "config.schema.yaml\npack.yaml"
    assert e.result["stderr"] == "greeting from tests"


def test_config_defaults_merge() -> None:
    config = load_config(FIXTURE)
    assert config == {"api_url": "https://inventory.example.com", "retries": 3}


# --- secrets -------------------------------------------------------------------------------


def test_secrets_are_masked_in_execution_and_log(handwritten: Path) -> None:
    config = handwritten.parent / "config.yaml"
    words = ["host=web1", "password=hunter2"]
    e = run_action(handwritten, "lookup_host", words, config_file=config)
    assert e.parameters["password"] == "********"
    assert e.result["result"]["has_password"] is True
    assert "hunter2" not in json.dumps(e.to_dict())
    log = (handwritten / ".voodoo" / "executions.jsonl").read_text()
    assert "hunter2" not in log and "s3cr3t-token" not in log
    assert '"password": "********"' in log


# --- timeouts ----------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of ours may linger as a zombie until reaped by init.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


GRANDCHILD_SCRIPT = """
#!/bin/sh
sleep 30 &
echo $! > "$(dirname "$0")/grandchild.pid"
sleep 30
"""


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"a": shell_action({}, GRANDCHILD_SCRIPT)})
    start = time.monotonic()
    e = run_action(pack, "a", ["timeout=1"])
    assert time.monotonic() - start < 10
    assert (e.status, e.cli_exit_code, e.exit_code) == ("timeout", 124, -9)
    assert e.result["error"] == "Action failed to complete in 1 seconds"
    pid = int((pack / "actions" / "grandchild.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_python_timeout(tmp_path: Path) -> None:
    start = time.monotonic()
    e = _run_python(tmp_path, "import time\ntime.sleep(30)", timeout=0.5)
    assert time.monotonic() - start < 10
    assert (e.status, e.cli_exit_code) == ("timeout", 124)


# --- history -----------------------------------------------------------------------------


def test_history_lists_latest_first_with_filter_and_limit(handwritten: Path) -> None:
    run_action(handwritten, "disk_free")
    run_action(handwritten, "list_files", [f"directory={handwritten}"])
    run_action(handwritten, "disk_free", ["mount=/nonexistent-mount"])
    entries = history(handwritten)
    assert [x.action for x in entries] == [
        "handwritten.disk_free",
        "handwritten.list_files",
        "handwritten.disk_free",
    ]
    assert entries[0].parameters["mount"] == "/nonexistent-mount"
    assert entries[0].result_size > 0 and entries[0].duration >= 0
    assert [x.action for x in history(handwritten, "list_files")] == ["handwritten.list_files"]
    assert len(history(handwritten, "handwritten.disk_free", limit=1)) == 1
    line = json.loads((handwritten / ".voodoo" / "executions.jsonl").read_text().splitlines()[0])
    assert set(line) == {
        "time", "action", "parameters", "status", "duration", "exit_code", "result_size",
        "id", "result",
    }  # fmt: skip
