from __future__ import annotations

import argparse
import ast
import importlib.util
import math
import optparse
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voodoo.model import ArgKind, Command, Emit, Joiner, Param, ParamType
from voodoo.wrapper import wrapper_source

VOODOO = Path(__file__).resolve().parents[2] / "voodoo"
RUNTIME_FILE = VOODOO / "runtime" / "voodoo_runtime.py"
ST2STUB = VOODOO / "local" / "st2stub"


def _load_runtime() -> ModuleType:
    spec = importlib.util.spec_from_file_location("voodoo_runtime_under_test", RUNTIME_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rt = _load_runtime()


def param(name: str = "x", kind: str = "option", option: str = "--x", **kw: Any) -> dict[str, Any]:
    return {"name": name, "dest": name, "kind": kind, "option": option, **kw}


def argv(
    *params: dict[str, Any], words: tuple[str, ...] = (), double_dash: bool = True, **values: Any
) -> list[str]:
    spec = {
        "script": "s.py",
        "words": list(words),
        "double_dash": double_dash,
        "params": list(params),
    }
    result: list[str] = rt.build_argv(spec, values)
    return result


# --- one parameter: every kind and joiner, both sides ----------------------------------------

CASES = [
    # OPTION, per joiner
    ("option-separate", param(), "v", ["--x", "v"]),
    ("option-separate-space", param(), "two words", ["--x", "two words"]),
    ("option-separate-empty", param(), "", ["--x", ""]),
    ("option-separate-unicode", param(), "héllo 🚀 שלום", ["--x", "héllo 🚀 שלום"]),
    ("option-separate-dash-long", param(), "-v", ["--x=-v"]),
    ("option-separate-dash-short", param(option="-x"), "-v", ["-x-v"]),
    # "-opt -v" is read by argparse as two options; "-opt=-v" is one value
    ("option-separate-dash-oldstyle", param(option="-opt"), "-v", ["-opt=-v"]),
    ("option-equals", param(joiner="equals"), "v", ["--x=v"]),
    ("option-equals-empty", param(joiner="equals"), "", ["--x="]),
    ("option-equals-dash", param(joiner="equals"), "--y", ["--x=--y"]),
    ("option-equals-has-equals", param(joiner="equals"), "a=b", ["--x=a=b"]),
    ("option-attached", param(option="-p", joiner="attached"), "v", ["-pv"]),
    ("option-attached-dash", param(option="-p", joiner="attached"), "-5", ["-p-5"]),
    ("option-attached-empty", param(option="-p", joiner="attached"), "", ["-p", ""]),
    # argparse reads "-p=5" as "5"
    ("option-attached-equals", param(option="-p", joiner="attached"), "=5", ["-p", "=5"]),
    ("option-int-zero", param(), 0, ["--x", "0"]),
    ("option-int-negative", param(), -3, ["--x=-3"]),
    ("option-float", param(), 0.1, ["--x", "0.1"]),
    ("option-float-big", param(), 1e300, ["--x", "1e+300"]),
    ("option-true", param(), True, ["--x", "true"]),
    ("option-false", param(), False, ["--x", "false"]),
    ("option-bool-tokens", param(true_token="1", false_token=""), False, ["--x", ""]),
    ("option-object", param(), {"b": 1, "a": "x"}, ["--x", '{"a":"x","b":1}']),
    ("option-none", param(), None, []),
    # OPTION_LIST
    ("option-list", param(kind="option_list"), ["a", "b c"], ["--x", "a", "b c"]),
    ("option-list-empty", param(kind="option_list"), [], ["--x"]),
    ("option-list-scalar", param(kind="option_list"), 3, ["--x", "3"]),
    ("option-list-none", param(kind="option_list"), None, []),
    # APPEND
    ("append", param(kind="append"), ["a", "b"], ["--x", "a", "--x", "b"]),
    ("append-equals", param(kind="append", joiner="equals"), ["a", "-b"], ["--x=a", "--x=-b"]),
    (
        "append-nested",
        param(kind="append"),
        [["a", "b"], ["c", "d"]],
        ["--x", "a", "b", "--x", "c", "d"],
    ),
    ("append-empty", param(kind="append"), [], []),
    ("append-none", param(kind="append"), None, []),
    # FLAG / FLAG_FALSE / FLAG_PAIR
    ("flag-true", param(kind="flag"), True, ["--x"]),
    ("flag-false", param(kind="flag"), False, []),
    ("flag-none", param(kind="flag"), None, []),
    ("flag-false-kind-false", param(kind="flag_false", option="--no-x"), False, ["--no-x"]),
    ("flag-false-kind-true", param(kind="flag_false", option="--no-x"), True, []),
    ("flag-false-kind-none", param(kind="flag_false", option="--no-x"), None, []),
    ("flag-pair-true", param(kind="flag_pair", off_option="--no-x"), True, ["--x"]),
    ("flag-pair-false", param(kind="flag_pair", off_option="--no-x"), False, ["--no-x"]),
    ("flag-pair-none", param(kind="flag_pair", off_option="--no-x"), None, []),
    # COUNT
    ("count-3", param(kind="count", option="-v"), 3, ["-v", "-v", "-v"]),
    ("count-0", param(kind="count", option="-v"), 0, []),
    ("count-none", param(kind="count", option="-v"), None, []),
    # CONST / APPEND_CONST
    (
        "const-match",
        param(kind="const", option="", consts=[["json", "--json"], ["csv", "--csv"]]),
        "csv",
        ["--csv"],
    ),
    (
        "const-default",
        param(kind="const", option="", consts=[["json", "--json"]], default="text"),
        "text",
        [],
    ),
    (
        "const-bool-not-int",
        param(kind="const", option="", consts=[[1, "--one"], [True, "--true"]]),
        True,
        ["--true"],
    ),
    ("const-none", param(kind="const", option="", consts=[["json", "--json"]]), None, []),
    (
        "append-const",
        param(kind="append_const", option="", consts=[["a", "-A"], ["b", "-B"]]),
        ["b", "a", "b"],
        ["-B", "-A", "-B"],
    ),
    # POSITIONAL / COMMAND
    ("positional", param(kind="positional", option=""), "v w", ["v w"]),
    ("positional-empty", param(kind="positional", option=""), "", [""]),
    ("positional-zero", param(kind="positional", option=""), 0, ["0"]),
    ("positional-list", param(kind="positional", option=""), ["a", 1], ["a", "1"]),
    ("positional-dash", param(kind="positional", option=""), "-v", ["--", "-v"]),
    ("positional-none", param(kind="positional", option=""), None, []),
    ("command-true", param(kind="command", option="start"), True, ["start"]),
    ("command-false", param(kind="command", option="start"), False, []),
    # ENV: never on argv
    ("env", param(kind="env", option="TOKEN"), "secret", []),
]


@pytest.mark.parametrize(
    ("spec", "value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_one_parameter(spec: dict[str, Any], value: Any, expected: list[str]) -> None:
    assert argv(spec, x=value) == expected


def test_absent_parameters_are_left_out() -> None:
    assert argv(param(), param("y", kind="flag", option="--y"), param("z", kind="positional")) == []


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (
            param(kind="const", option="", consts=[["json", "--json"]], default="text"),
            "xml",
            "'xml' is not one of",
        ),
        (
            param(kind="append_const", option="", consts=[["a", "-A"]]),
            ["a", "z"],
            "'z' is not one of",
        ),
        (param(), ["a"], "takes one value"),
        (param(kind="count"), -1, "count"),
        (param(kind="count"), True, "count"),
        (param(kind="bogus"), 1, "unknown kind"),
    ],
)
def test_values_that_cannot_be_expressed(spec: dict[str, Any], value: Any, message: str) -> None:
    with pytest.raises(rt.ArgvError, match=message):
        argv(spec, x=value)


# --- a value never becomes an option or a sub-command (issue #11, item 3) -------------------


def spec_of(*params: dict[str, Any], **keys: Any) -> dict[str, Any]:
    return {"script": "s.py", "words": [], "params": list(params), **keys}


LIST = param("files", kind="option_list", option="--files")
FORCE = param("force", kind="flag", option="-f")


@pytest.mark.parametrize(
    ("spec", "values", "message"),
    [
        # the issue's reproduction: "--files a -rf" sets -r and -f in argparse
        (spec_of(LIST, FORCE), {"files": ["a", "-rf"]}, "'files': the list item '-rf'"),
        (spec_of(LIST, parser="argparse"), {"files": ["--force"]}, "'files': the list item"),
        (spec_of(param("pair", kind="append", option="--pair")), {"pair": [["a", "-b"]]},
         "'pair': the list item '-b'"),
        # negative numbers are values to argparse, unless an option looks like one
        (spec_of(LIST, param("one", kind="flag", option="-1")), {"files": ["-5"]},
         "'files': the list item '-5'"),
        # a positional before a sub-command word: argparse would read -h / --yes
        (spec_of(param("cluster", kind="positional", option=""), words=["node"]),
         {"cluster": "-h"}, "'cluster': '-h' starts with '-'; before the sub-command word"),
        (spec_of(param("cluster", kind="positional", option=""), words=["node"], parser="click"),
         {"cluster": "--yes"}, "'cluster': '--yes'"),
        # no "--" in the parser (docopt without "--" in its usage)
        (spec_of(param("name", kind="positional", option=""), double_dash=False,
                 parser="docopt"), {"name": "-v"}, "has no '--'"),
        # a value spelling a command word that is not given
        (spec_of(param("list", kind="command", option="list"),
                 param("name", kind="positional", option=""), parser="docopt"),
         {"name": "list", "list": False}, "'name': 'list' is a command word"),
        # argparse (< 3.12) drops a value "--" wherever it is
        (spec_of(param("x", option="--x", joiner="equals"), parser="argparse"), {"x": "--"},
         "'x': the value '--'"),
        (spec_of(param("x", kind="positional", option=""), parser="argparse"), {"x": ["a", "--"]},
         "'x': the value '--'"),
        # "-x" + "v" would spell the script's other option "-xv"; "-x -v" is two options
        (spec_of(param("x", option="-x", joiner="attached"), param("xy", kind="flag",
                                                                  option="-x-y")),
         {"x": "-y"}, "'x': '-y' after -x would spell another option"),
        # what no command line can carry
        (spec_of(param("x", option="--x", joiner="equals")), {"x": "a\x00b"}, "'x': .*NUL"),
        (spec_of(param("x", kind="positional", option="")), {"x": "\ud800"}, "'x': .*encoded"),
    ],
    ids=["nargs-flags", "nargs-long", "append-nargs", "negative-number-option",
         "before-word-h", "before-word-click", "no-double-dash", "command-word",
         "argparse-option-double-dash", "argparse-positional-double-dash", "attached-collision",
         "nul", "surrogate"],
)
def test_values_that_would_become_options_are_refused(
    spec: dict[str, Any], values: dict[str, Any], message: str
) -> None:
    with pytest.raises(rt.ArgvError, match=message):
        rt.build_argv(spec, values)


@pytest.mark.parametrize(
    ("spec", "values", "expected"),
    [
        # click and optparse take the next N tokens whatever they look like
        (spec_of(LIST, FORCE, parser="click"), {"files": ["a", "-rf"]}, ["--files", "a", "-rf"]),
        (spec_of(LIST, parser="optparse"), {"files": ["-x", "--"]}, ["--files", "-x", "--"]),
        (spec_of(param("pair", kind="append", option="--pair"), parser="typer"),
         {"pair": [["a", "-b"]]}, ["--pair", "a", "-b"]),
        # argparse reads a lone "-" and a negative number as values
        (spec_of(LIST), {"files": ["-", "-5", "-0.5", "a b"]}, ["--files", "-", "-5", "-0.5",
                                                                  "a b"]),
        # a positional on the last level is protected by "--"
        (spec_of(param("name", kind="positional", option="", level=1), words=["node"]),
         {"name": "-h"}, ["node", "--", "-h"]),
        # a positional before the word that does not look like an option
        (spec_of(param("cluster", kind="positional", option=""), words=["node"]),
         {"cluster": "h-"}, ["h-", "node"]),
        # raw sys.argv scripts read their argv as it is
        (spec_of(param("argv1", kind="positional", option=""), double_dash=False,
                 parser="sysargv"), {"argv1": "-rf"}, ["-rf"]),
        # a command word that is given is emitted, and a value may repeat it
        (spec_of(param("list", kind="command", option="list"),
                 param("name", kind="positional", option="", position=1), parser="docopt"),
         {"name": "list", "list": True}, ["list", "list"]),
        # "--" is an ordinary value to click and getopt
        (spec_of(param("x", option="--x", joiner="equals"), parser="click"), {"x": "--"},
         ["--x=--"]),
        # an attached value that spells another option goes separately when it can
        (spec_of(param("x", option="-x", joiner="attached"),
                 param("xv", kind="flag", option="-xv")), {"x": "v"}, ["-x", "v"]),
        # "-xv" would abbreviate "-xverbose" as well as mean -x v
        (spec_of(param("x", option="-x", joiner="attached"),
                 param("xverbose", kind="flag", option="-xverbose")), {"x": "v"}, ["-x", "v"]),
        # the OS passes these unchanged
        (spec_of(param("x", option="--x", joiner="equals")), {"x": "a\nb c=d"}, ["--x=a\nb c=d"]),
    ],
    ids=["click-list", "optparse-list", "typer-append", "argparse-values", "last-level",
         "before-word-ok", "sysargv", "command-word-given", "click-double-dash",
         "attached-separate", "attached-abbreviation", "newline"],
)
def test_values_that_cannot_become_options_pass(
    spec: dict[str, Any], values: dict[str, Any], expected: list[str]
) -> None:
    assert rt.build_argv(spec, values) == expected


def test_a_refused_run_starts_nothing_and_exits_2(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "s.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    spec = {"script": "s.py", "params": [LIST, FORCE]}
    ok, result = rt.run_script(str(tmp_path / "w.py"), spec, {"files": ["a", "-rf"]})
    assert (ok, result["exit_code"], result["stdout"]) == (False, 2, "")
    assert "parameter 'files'" in result["stderr"] and "nothing was run" in result["stderr"]
    assert not marker.exists()
    ok, result = rt.run_script(str(tmp_path / "w.py"), spec, {"files": ["a", "rf"]})
    assert ok and marker.exists()


# --- secrets through the environment (issue #11, item 7) -------------------------------------

SECRET = param("token", option="--token", joiner="equals", secret_env="APP_TOKEN")


@pytest.mark.parametrize(
    ("value", "on_argv", "in_env"),
    [
        ("s3cret", [], {"APP_TOKEN": "s3cret"}),
        ("-rf", [], {"APP_TOKEN": "-rf"}),
        (1234, [], {"APP_TOKEN": "1234"}),
        # click ignores an empty variable: the empty value is typed (nothing secret in it)
        ("", ["--token="], {}),
        (None, [], {}),
    ],
)
def test_a_secret_the_script_reads_from_its_variable_is_not_on_argv(
    value: Any, on_argv: list[str], in_env: dict[str, str]
) -> None:
    spec = spec_of(SECRET, param("user", option="--user", joiner="equals"))
    assert rt.build_argv(spec, {"token": value, "user": "bob"}) == [*on_argv, "--user=bob"]
    assert rt.build_env(spec, {"token": value, "user": "bob"}) == in_env


def test_a_secret_without_a_variable_stays_on_argv() -> None:
    plain = param("token", option="--token", joiner="equals")
    assert rt.build_argv(spec_of(plain), {"token": "s"}) == ["--token=s"]
    assert rt.build_env(spec_of(plain), {"token": "s"}) == {}


def test_levels_words_and_positional_order() -> None:
    params = [
        param("top_pos", kind="positional", option="", level=0),
        param("verbose", kind="flag", option="-v", level=0),
        param("tag", kind="append", option="--tag", level=1),
        param("second", kind="positional", option="", level=2, position=1),
        param("first", kind="positional", option="", level=2, position=0),
        param("force", kind="flag", option="--force", level=2),
    ]
    got = argv(
        *params,
        words=("node", "drain"),
        top_pos="c1",
        verbose=True,
        tag=["a"],
        second="-b",
        first="a",
        force=True,
    )
    assert got == ["-v", "c1", "node", "--tag", "a", "drain", "--force", "--", "a", "-b"]


def test_double_dash_only_when_allowed() -> None:
    spec = param(kind="positional", option="")
    raw = spec_of(spec, double_dash=False, parser="sysargv")
    assert rt.build_argv(raw, {"x": "-v"}) == ["-v"]
    assert argv(spec, double_dash=False, x="v") == ["v"]
    assert argv(spec, x="v") == ["v"]


def test_double_dash_only_on_last_level() -> None:
    # "--" would end the options of the sub-command too: a value before the word that
    # looks like an option is refused instead (test_values_that_would_become_options...)
    assert argv(param(kind="positional", option=""), words=("sub",), x="v") == ["v", "sub"]
    with pytest.raises(rt.ArgvError, match="before the sub-command word"):
        argv(param(kind="positional", option=""), words=("sub",), x="-v")


def test_build_env() -> None:
    spec = {
        "params": [
            param("a", kind="env", option="A"),
            param("b", kind="env", option="B"),
            param("c", kind="env", option="C"),
            param("d", kind="env", option="D"),
        ]
    }
    assert rt.build_env(spec, {"a": "x y", "b": 3, "c": ["p", "q"], "d": None}) == {
        "A": "x y",
        "B": "3",
        "C": '["p","q"]',
    }


# --- fidelity with real parsers ----------------------------------------------------------------

# not "--": argparse before Python 3.12 drops it, so the runtime refuses it (tested above)
texts = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
).filter(lambda s: s != "--")
floats = st.floats(allow_nan=False)


def _argparse_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="t", add_help=False)
    parser.add_argument("--name")
    parser.add_argument("--eq")
    parser.add_argument("-p", dest="port", type=int)
    parser.add_argument("--ratio", type=float)
    parser.add_argument("--yes", type=lambda s: {"yes": True, "no": False}[s])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--no-cache", dest="cache", action="store_false")
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction)
    parser.add_argument("-v", dest="verbose", action="count", default=0)
    parser.add_argument("--tag", action="append")
    parser.add_argument("--pair", action="append", nargs=2)
    parser.add_argument("--json", dest="fmt", action="store_const", const="json", default="text")
    parser.add_argument("--csv", dest="fmt", action="store_const", const="csv")
    parser.add_argument("-A", dest="acs", action="append_const", const="a")
    parser.add_argument("-B", dest="acs", action="append_const", const="b")
    parser.add_argument("--items", nargs="+")
    parser.add_argument("target")
    parser.add_argument("rest", nargs="*")
    return parser


ARGPARSE_SPEC = {
    "script": "t.py",
    "double_dash": True,
    "words": [],
    "params": [
        param("name", option="--name"),
        param("eq", option="--eq", joiner="equals"),
        param("port", option="-p", joiner="attached"),
        param("ratio", option="--ratio"),
        param("yes", option="--yes", true_token="yes", false_token="no"),
        param("dry_run", kind="flag", option="--dry-run"),
        param("cache", kind="flag_false", option="--no-cache"),
        param("verify", kind="flag_pair", option="--verify", off_option="--no-verify"),
        param("verbose", kind="count", option="-v"),
        param("tag", kind="append", option="--tag"),
        param("pair", kind="append", option="--pair"),
        param(
            "fmt",
            kind="const",
            option="",
            consts=[["json", "--json"], ["csv", "--csv"]],
            default="text",
        ),
        param("acs", kind="append_const", option="", consts=[["a", "-A"], ["b", "-B"]]),
        param("items", kind="option_list", option="--items"),
        param("target", kind="positional", option="", position=0),
        param("rest", kind="positional", option="", position=1),
    ],
}

# values a parser would read as options cannot follow an option that takes several values
plain_words = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00-"), min_size=1, max_size=8
)

argparse_values = st.fixed_dictionaries(
    {"target": texts},
    optional={
        "name": texts,
        "eq": texts,
        "port": st.integers(),
        "ratio": floats,
        "yes": st.booleans(),
        "dry_run": st.booleans(),
        "cache": st.booleans(),
        "verify": st.none() | st.booleans(),
        "verbose": st.integers(0, 4),
        "tag": st.lists(texts, min_size=1, max_size=3),
        "pair": st.lists(st.lists(plain_words, min_size=2, max_size=2), min_size=1, max_size=2),
        "fmt": st.sampled_from(["json", "csv", "text"]),
        "acs": st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=3),
        "items": st.lists(plain_words, min_size=1, max_size=3),
        "rest": st.lists(texts, max_size=3),
    },
)


def _argparse_expected(values: dict[str, Any]) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "name": None,
        "eq": None,
        "port": None,
        "ratio": None,
        "yes": None,
        "dry_run": False,
        "cache": True,
        "verify": None,
        "verbose": 0,
        "tag": None,
        "pair": None,
        "fmt": "text",
        "acs": None,
        "items": None,
        "rest": [],
    }
    expected.update(values)
    return expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(argparse_values)
def test_argparse_reads_back_what_was_given(values: dict[str, Any]) -> None:
    tokens = rt.build_argv(ARGPARSE_SPEC, values)
    parsed = vars(_argparse_parser().parse_args(tokens))
    assert parsed == _argparse_expected(values), tokens


def _optparse_parser() -> optparse.OptionParser:
    parser = optparse.OptionParser(prog="t", add_help_option=False)
    parser.add_option("--name")
    parser.add_option("-n", dest="count", type="int")
    parser.add_option("--ratio", type="float")
    parser.add_option("--flag", action="store_true", default=False)
    parser.add_option("--quiet", dest="loud", action="store_false", default=True)
    parser.add_option("-v", dest="verbose", action="count")
    parser.add_option("--tag", action="append")
    parser.add_option("--pt", nargs=2)
    parser.add_option("--xml", dest="fmt", action="store_const", const="xml", default="text")
    return parser


OPTPARSE_SPEC = {
    "parser": "optparse",  # takes nargs values verbatim: "--pt -x y" is read back exactly
    "params": [
        param("name", option="--name", joiner="equals"),
        param("count", option="-n", joiner="attached"),
        param("ratio", option="--ratio"),
        param("flag", kind="flag", option="--flag"),
        param("loud", kind="flag_false", option="--quiet"),
        param("verbose", kind="count", option="-v"),
        param("tag", kind="append", option="--tag"),
        param("pt", kind="option_list", option="--pt"),
        param("fmt", kind="const", option="", consts=[["xml", "--xml"]], default="text"),
        param("args", kind="positional", option=""),
    ],
}


@settings(max_examples=200)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "name": texts,
            "count": st.integers(),
            "ratio": floats,
            "flag": st.booleans(),
            "loud": st.booleans(),
            "verbose": st.integers(1, 4),
            "tag": st.lists(texts, min_size=1, max_size=3),
            "pt": st.lists(texts, min_size=2, max_size=2),
            "fmt": st.sampled_from(["xml", "text"]),
            "args": st.lists(texts, max_size=3),
        },
    )
)
def test_optparse_reads_back_what_was_given(values: dict[str, Any]) -> None:
    tokens = rt.build_argv(OPTPARSE_SPEC, values)
    options, args = _optparse_parser().parse_args(tokens)
    expected: dict[str, Any] = {
        "name": None,
        "count": None,
        "ratio": None,
        "flag": False,
        "loud": True,
        "verbose": None,
        "tag": None,
        "pt": None,
        "fmt": "text",
    }
    expected.update({k: v for k, v in values.items() if k != "args"})
    if "pt" in values:
        expected["pt"] = tuple(values["pt"])
    assert vars(options) == expected, tokens
    assert args == values.get("args", []), tokens


@click.command()
@click.option("--name")
@click.option("--level", type=int)
@click.option("--verify/--no-verify", default=None)
@click.option("-v", "--verbose", count=True)
@click.option("--tag", multiple=True)
@click.argument("paths", nargs=-1)
def click_command(**kwargs: Any) -> None:
    click.get_current_context().obj = kwargs


CLICK_SPEC = {
    "parser": "click",
    "params": [
        param("name", option="--name", joiner="equals"),
        param("level", option="--level"),
        param("verify", kind="flag_pair", option="--verify", off_option="--no-verify"),
        param("verbose", kind="count", option="-v"),
        param("tag", kind="append", option="--tag"),
        param("paths", kind="positional", option=""),
    ],
}


@settings(max_examples=150)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "name": texts,
            "level": st.integers(),
            "verify": st.booleans(),
            "verbose": st.integers(0, 3),
            "tag": st.lists(texts, min_size=1, max_size=3),
            "paths": st.lists(texts, max_size=3),
        },
    )
)
def test_click_reads_back_what_was_given(values: dict[str, Any]) -> None:
    tokens = rt.build_argv(CLICK_SPEC, values)
    ctx = click_command.make_context("t", list(tokens))
    expected: dict[str, Any] = {
        "name": None,
        "level": None,
        "verify": None,
        "verbose": 0,
        "tag": (),
        "paths": (),
    }
    expected.update(values)
    expected["tag"] = tuple(expected["tag"])
    expected["paths"] = tuple(expected["paths"])
    assert ctx.params == expected, tokens


@given(floats)
def test_floats_parse_back_exactly(value: float) -> None:
    (token,) = rt.build_argv({"params": [param(kind="positional", option="")]}, {"x": value})[-1:]
    assert float(token) == value or (math.isnan(value) and math.isnan(float(token)))


def test_subcommands_with_argparse() -> None:
    parser = argparse.ArgumentParser(prog="c", add_help=False)
    parser.add_argument("--cluster")
    sub = parser.add_subparsers(dest="cmd")
    node = sub.add_parser("node").add_subparsers(dest="node_cmd")
    drain = node.add_parser("drain")
    drain.add_argument("--force", action="store_true")
    drain.add_argument("names", nargs="+")
    spec = {
        "words": ["node", "drain"],
        "params": [
            param("cluster", option="--cluster"),
            param("force", kind="flag", option="--force", level=2),
            param("names", kind="positional", option="", level=2),
        ],
    }
    tokens = rt.build_argv(spec, {"cluster": "-prod", "force": True, "names": ["-a", "b"]})
    parsed = vars(parser.parse_args(tokens))
    assert parsed == {
        "cluster": "-prod",
        "cmd": "node",
        "node_cmd": "drain",
        "force": True,
        "names": ["-a", "b"],
    }


# --- running scripts ---------------------------------------------------------------------------

ECHO = """\
import json, os, sys
data = {"argv": sys.argv[1:], "stdin": sys.stdin.read(), "env": os.environ.get("VOODOO_T")}
print(json.dumps(data))
"""


def _script_param(name: str, emit: Emit, type_: ParamType = ParamType.STRING) -> Param:
    return Param(name=name, dest=name, emit=emit, type=type_)


COMMAND = Command(
    name="echo",
    params=(
        _script_param("name", Emit(ArgKind.OPTION, "--name", joiner=Joiner.EQUALS)),
        _script_param("token", Emit(ArgKind.ENV, "VOODOO_T")),
        _script_param("files", Emit(ArgKind.POSITIONAL), ParamType.ARRAY),
    ),
)


def _pack(tmp_path: Path, script: str, command: Command = COMMAND) -> Path:
    """A minimal pack layout: actions/<wrapper>.py, actions/lib/voodoo_runtime.py, the script."""
    actions = tmp_path / "ops" / "actions"
    (actions / "lib").mkdir(parents=True)
    (actions / "scripts").mkdir()
    (actions / "lib" / "voodoo_runtime.py").write_bytes(RUNTIME_FILE.read_bytes())
    (actions / "scripts" / "s.py").write_text(textwrap.dedent(script))
    wrapper = actions / f"{command.name}.py"
    wrapper.write_text(wrapper_source(command, "scripts/s.py", source_display="s.py"))
    return wrapper


@pytest.fixture
def load_wrapper(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def load(wrapper: Path) -> Any:
        monkeypatch.syspath_prepend(str(ST2STUB))
        monkeypatch.syspath_prepend(str(wrapper.parent / "lib"))
        for name in (
            "voodoo_runtime",
            "st2common",
            "st2common.runners",
            "st2common.runners.base_action",
        ):
            monkeypatch.delitem(sys.modules, name, raising=False)
        spec = importlib.util.spec_from_file_location(f"wrapper_{wrapper.stem}", wrapper)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        classes = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and v.__module__ == module.__name__
        ]
        assert len(classes) == 1
        return classes[0](config={})

    yield load
    for name in (
        "voodoo_runtime",
        "st2common",
        "st2common.runners",
        "st2common.runners.base_action",
    ):
        sys.modules.pop(name, None)


def test_wrapper_runs_script_and_parses_json(tmp_path: Path, load_wrapper: Any) -> None:
    action = load_wrapper(_pack(tmp_path, ECHO))
    assert action.logger.name == "actions.python.EchoAction"
    ok, result = action.run(name="two words", token="t0k", files=["-x", "é 🚀"])
    assert ok is True
    assert result == {
        "exit_code": 0,
        "stdout": {"argv": ["--name=two words", "--", "-x", "é 🚀"], "stdin": "", "env": "t0k"},
        "stderr": "",
    }


def test_wrapper_returns_text_and_failure(tmp_path: Path, load_wrapper: Any) -> None:
    script = """\
    import sys
    print("not json: {")
    print("oops", file=sys.stderr)
    sys.exit(3)
    """
    ok, result = load_wrapper(_pack(tmp_path, script)).run(name=None, token=None, files=None)
    assert ok is False
    assert result == {"exit_code": 3, "stdout": "not json: {", "stderr": "oops"}


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("print('')", ""),
        ("print('NaN')", "NaN"),
        ("print('3')", 3),
        ("print('x\\n')", "x\n"),
        ("print('a\\r')", "a"),
    ],
)
def test_stdout_rules(tmp_path: Path, load_wrapper: Any, printed: str, expected: object) -> None:
    ok, result = load_wrapper(_pack(tmp_path, printed)).run()
    assert ok is True
    assert result["stdout"] == expected


def test_call_invocation(tmp_path: Path, load_wrapper: Any) -> None:
    script = """\
    def greet(who, times=1):
        return {"greeting": ("hi " + who) * times}
    """
    command = Command(
        name="greet",
        invocation="call",
        function="greet",
        params=(
            _script_param("who", Emit(ArgKind.POSITIONAL)),
            _script_param("times", Emit(ArgKind.OPTION, "--times"), ParamType.INTEGER),
        ),
    )
    ok, result = load_wrapper(_pack(tmp_path, script, command)).run(who="bo", times=None)
    assert (ok, result["stdout"]) == (True, {"greeting": "hi bo"})


def test_call_invocation_keeps_values_off_the_command_line(
    tmp_path: Path, load_wrapper: Any
) -> None:
    script = """\
    def login(user, password):
        with open("/proc/self/cmdline", "rb") as f:
            return {"user": user, "password": password, "cmdline": f.read().decode()}
    """
    command = Command(
        name="login",
        invocation="call",
        function="login",
        params=(
            _script_param("user", Emit(ArgKind.OPTION, "--user")),
            _script_param("password", Emit(ArgKind.OPTION, "--password")),
        ),
    )
    ok, result = load_wrapper(_pack(tmp_path, script, command)).run(user="u-77", password="pw-42")
    assert ok and result["stdout"]["password"] == "pw-42" and result["stdout"]["user"] == "u-77"
    assert "pw-42" not in result["stdout"]["cmdline"] and "u-77" not in result["stdout"]["cmdline"]


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _driver(wrapper: Path) -> str:
    """Python source that imports the wrapper like StackStorm would and runs the action."""
    return textwrap.dedent(
        f"""\
        import importlib.util, sys
        sys.path[:0] = [{str(ST2STUB)!r}, {str(wrapper.parent / "lib")!r}]
        spec = importlib.util.spec_from_file_location("w", {str(wrapper)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.EchoAction().run()
        """
    )


def _record_pids(path: Path, *expressions: str) -> str:
    """Script lines writing the given pids to ``path`` atomically."""
    joined = ", ".join(expressions)
    return (
        f"with open({str(path) + '.tmp'!r}, 'w') as f:\n"
        f"    f.write(' '.join(map(str, [{joined}])))\n"
        f"os.replace({str(path) + '.tmp'!r}, {str(path)!r})\n"
    )


def _wait_for_pids(path: Path) -> list[int]:
    deadline = time.monotonic() + 20
    while not path.exists():
        assert time.monotonic() < deadline, "the script did not start"
        time.sleep(0.05)
    return [int(pid) for pid in path.read_text().split()]


def _wait_until_gone(*pids: int) -> None:
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, "the script's processes survived"
        time.sleep(0.05)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and process groups")
def test_terminated_wrapper_kills_the_script_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        + _record_pids(pids, "os.getpid()", "child.pid")
        + "time.sleep(60)\n"
    )
    wrapper_process = subprocess.Popen(
        [sys.executable, "-c", _driver(_pack(tmp_path, script))], stdin=subprocess.DEVNULL
    )
    try:
        script_pid, child_pid = _wait_for_pids(pids)
        assert os.getpgid(child_pid) == script_pid != os.getpgid(wrapper_process.pid)
        wrapper_process.send_signal(signal.SIGTERM)
        assert wrapper_process.wait(15) == 128 + signal.SIGTERM
        _wait_until_gone(script_pid, child_pid)
    finally:
        if wrapper_process.poll() is None:
            wrapper_process.kill()
            wrapper_process.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prctl")
def test_killed_wrapper_still_stops_the_script(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = "import os, time\n" + _record_pids(pids, "os.getpid()") + "time.sleep(60)\n"
    wrapper_process = subprocess.Popen(
        [sys.executable, "-c", _driver(_pack(tmp_path, script))], stdin=subprocess.DEVNULL
    )
    try:
        (script_pid,) = _wait_for_pids(pids)
        wrapper_process.kill()
        wrapper_process.wait(15)
        _wait_until_gone(script_pid)
    finally:
        if wrapper_process.poll() is None:
            wrapper_process.kill()
            wrapper_process.wait()


def test_runtime_is_self_contained_python_3_8() -> None:
    tree = ast.parse(RUNTIME_FILE.read_text(), feature_version=(3, 8))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
