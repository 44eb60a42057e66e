"""getopt: declared options grouped by the handling loop, both sides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voodoo.analysis import analyze_source
from voodoo.ingest import ingest
from voodoo.local.execute import run_action

LOOP = '''
import getopt, sys
port = 8080
verbose = False
opts, args = getopt.getopt(sys.argv[1:], "hvp:", ["help", "verbose", "port="])
for o, a in opts:
    if o in ("-h", "--help"):
        pass
    elif o in ("-v", "--verbose"):
        verbose = True
    elif o == "-p" or o == "--port":
        port = int(a)
host = args[0]
'''


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(LOOP, {"verbose": ("boolean", False), "port": ("integer", 8080),
                            "arg1": ("string", None)},
                     id="loop-groups-and-types"),
        pytest.param("import getopt, sys\nopts, a = getopt.gnu_getopt(sys.argv[1:], 'x:')\n",
                     {"x": ("string", None)}, id="no-loop-keeps-declared"),
        pytest.param("import getopt, sys\nopts, a = getopt.getopt(sys.argv[1:], SPEC)\n",
                     {}, id="computed-spec-reported"),
    ],
)
def test_getopt_params(source: str, expected: dict[str, tuple[str, object]]) -> None:
    script = analyze_source(source, "tool.py")
    assert script.framework == "getopt"
    (command,) = script.commands
    got = {p.name: (p.type.value if p.type else None, p.default) for p in command.params}
    assert got == expected


def test_unreadable_branch_and_missing_loop_are_diagnostics() -> None:
    script = analyze_source("import getopt, sys\nopts, a = getopt.getopt(sys.argv[1:], S)\n",
                            "t.py")
    assert {d.code for d in script.diagnostics} >= {"getopt-loop", "parameter-lost"}


_WHOLE = '''
import getopt, sys
opts, args = getopt.getopt(sys.argv[1:], "v", ["verbose"])
for o, a in opts:
    if o in ("-v", "--verbose"):
        pass
{use}
'''


@pytest.mark.parametrize(("use", "expected"), [
    pytest.param("for host in args:\n    print(host)", ["verbose", "args"], id="loop"),
    pytest.param("run(args)", ["verbose", "args"], id="passed-on"),
    pytest.param("i = 2\nprint(args[i])", ["verbose", "args"], id="computed-index"),
    pytest.param("first = args[0]\nrun(args)", ["verbose", "args"], id="read-and-whole"),
    pytest.param("first = args[0]\nrest = args[1:]\nrun(rest)", ["verbose", "arg1", "args"],
                 id="item-then-rest"),
    # left alone: the list only tested or measured is no parameter
    pytest.param("if not args:\n    sys.exit(2)\nn = len(args)", ["verbose"], id="tested"),
])
def test_args_used_as_a_whole_is_one_array_parameter(use: str, expected: list[str]) -> None:
    script = analyze_source(_WHOLE.format(use=use), "t.py")
    (command,) = script.commands
    assert [p.name for p in command.params] == expected
    if "args" in expected:
        (param,) = [p for p in command.params if p.name == "args"]
        assert param.type is not None and param.type.value == "array"
        assert not param.required
        assert "variadic-arguments" in {d.code for d in script.diagnostics}
    assert not [d for d in script.diagnostics if d.severity.value == "warning"]


def test_a_getopt_script_taking_any_number_of_arguments_runs_for_real(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    script = src / "ping_hosts.py"
    script.write_text(
        "import getopt, json, sys\n"
        "count = 1\n"
        "opts, args = getopt.getopt(sys.argv[1:], 'c:', ['count='])\n"
        "for o, a in opts:\n"
        "    if o in ('-c', '--count'):\n"
        "        count = int(a)\n"
        "print(json.dumps({'count': count, 'hosts': [h for h in args]}))\n")
    pack = tmp_path / "pack"
    assert ingest([src], pack).exit_code == 0
    hosts = ["web1", "web 2", "-not-an-option"]
    run = run_action(pack, "ping_hosts", {"count": 3, "args": hosts}, log=False)
    assert run.status == "succeeded", run.result
    direct = subprocess.run([sys.executable, str(script), "--count", "3", "--", *hosts],
                            capture_output=True, text=True, check=True)
    # (the runner parses JSON output, as StackStorm does)
    assert run.result["result"]["stdout"] == json.loads(direct.stdout) == {
        "count": 3, "hosts": hosts}
    # no args given: none passed (the script sees an empty list)
    run = run_action(pack, "ping_hosts", {}, log=False)
    assert run.result["result"]["stdout"] == {"count": 1, "hosts": []}


# -- defaults from the variable a branch sets: the value the loop starts with, for certain --

_NO_COLOR = """\
import getopt, sys
opts, args = getopt.getopt(sys.argv[1:], "", ["no-color"])
color = True
for o, a in opts:
    if o == "--no-color":
        color = False
"""

_TUPLE = """\
import getopt, sys
opts, args = getopt.getopt(sys.argv[1:], "", ["verbose", "host="])
host, verbose = "localhost", False
for o, a in opts:
    if o == "--verbose":
        verbose = True
    elif o == "--host":
        host = a
"""

_OTHER_FUNCTION = """\
import getopt, sys
def helper():
    debug, host = True, "elsewhere"
    return debug, host
def main():
    debug = False
    opts, args = getopt.getopt(sys.argv[1:], "dh:", ["debug", "host="])
    for o, a in opts:
        if o in ("-d", "--debug"):
            debug = True
        elif o in ("-h", "--host"):
            host = a
    host = "after"
if __name__ == "__main__":
    main()
"""

_UNCERTAIN = """\
import getopt, os, sys
verbose = False
port = 22
if os.environ.get("DEBUG"):
    verbose = True
port += 0
opts, args = getopt.getopt(sys.argv[1:], "vp:")
for o, a in opts:
    if o == "-v":
        verbose = True
    elif o == "-p":
        port = int(a)
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # the flag turns colour off: given by default it would reverse the script
        pytest.param(_NO_COLOR, {"no_color": False}, id="switch-off-flag-not-given"),
        pytest.param(_TUPLE, {"verbose": False, "host": "localhost"}, id="tuple-assignment"),
        # helper()'s values and the assignment after the loop are not what the loop sees
        pytest.param(_OTHER_FUNCTION, {"script_debug": False, "host": None}, id="other-function"),
        # set in a branch before the loop, or changed in place: not known for certain
        pytest.param(_UNCERTAIN, {"v": None, "p": None}, id="uncertain-left-out"),
    ],
)
def test_a_default_is_what_the_loop_starts_with(source: str, expected: dict[str, object]) -> None:
    (command,) = analyze_source(source, "tool.py").commands
    assert {p.name: p.default for p in command.params} == expected
