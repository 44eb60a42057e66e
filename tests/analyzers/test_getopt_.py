"""getopt: declared options grouped by the handling loop, both sides."""

from __future__ import annotations

import pytest

from voodoo.analysis import analyze_source

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
