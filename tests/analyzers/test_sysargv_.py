"""Raw sys.argv: argvN positionals, both sides."""

from __future__ import annotations

import pytest

from voodoo.analysis import analyze_source
from voodoo.analyzers import sysargv_


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("import sys\nhost = sys.argv[1]\n", {"argv1": (True, None)}, id="index"),
        pytest.param("import sys\n_, a, b = sys.argv\n",
                     {"argv1": (True, None), "argv2": (True, None)}, id="unpacking"),
        pytest.param("import sys\nx = sys.argv[2] if len(sys.argv) > 2 else 'd'\n"
                     "y = sys.argv[1]\n",
                     {"argv1": (True, None), "argv2": (False, "d")}, id="len-fallback"),
        pytest.param("from sys import argv\nh = argv[1]\n", {"argv1": (True, None)},
                     id="from-import"),
        pytest.param("import sys as s\nh = s.argv[1]\n", {"argv1": (True, None)}, id="alias"),
        pytest.param("import sys\nfor h in sys.argv[1:]:\n    print(h)\n",
                     {"args": (False, None)}, id="slice-variadic"),
    ],
)
def test_sysargv_params(source: str, expected: dict[str, tuple[bool, object]]) -> None:
    script = analyze_source(source, "tool.py")
    assert script.framework == "sysargv"
    (command,) = script.commands
    assert command.double_dash is False
    assert {p.name: (p.required, p.default) for p in command.params} == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import sys\nprint(sys.version)\n", id="no-argv"),
        pytest.param("import sys, getopt\nopts, a = getopt.getopt(sys.argv[1:], 'v')\n",
                     id="getopt-wins"),
    ],
)
def test_not_sysargv(source: str) -> None:
    assert analyze_source(source, "tool.py").framework != "sysargv"


@pytest.mark.parametrize("source, found", [
    ("import sys\nprint(sys.argv[1])\n", True),
    ("import sys as s\nprint(s . argv[1])\n", True),
    ("from sys import argv as a\nprint(a[1])\n", True),
    ("from sys import *\nprint(argv[1])\n", True),
    ("from sys import exit\nprint(sys.argv[1])\n", True),  # as written: an unbound sys
    # spelled, but not used: the walk rules these out
    ("import sys\n# reads sys.argv\nprint('sys.argv')\n", False),
    # not spelled at all: no walk
    ("import sys\ndef main(argv=None):\n    return argv\n", False),
    ("import sys as s\nprint(sys_argv, s.argvs, argv)\n", False),
])
def test_detect_finds_every_spelling_and_only_real_uses(source: str, found: bool) -> None:
    import libcst as cst

    from voodoo.analyzers._context import Context

    assert sysargv_.detect(Context(cst.parse_module(source), "s.py", source)) is found
    # the text test is only a shortcut: without the text, the walk decides alike
    assert sysargv_.detect(Context(cst.parse_module(source), "s.py")) is found


@pytest.mark.parametrize(("source", "names", "warned"), [
    pytest.param("import sys\nrest = sys.argv[1:]\nmain(rest)\n", ["args"], False,
                 id="alias-of-slice-passed-on"),
    pytest.param("import sys\nrest = sys.argv[2:]\nh = sys.argv[1]\nfor x in rest:\n"
                 "    print(x)\n", ["argv1", "args"], False, id="item-then-alias"),
    # left alone: the whole of sys.argv includes the program's name, so it is not followed
    pytest.param("import sys\nmain(sys.argv)\n", [], True, id="whole-argv-warned"),
])
def test_a_name_bound_to_a_slice_used_whole_is_the_array(source: str, names: list[str],
                                                          warned: bool) -> None:
    script = analyze_source(source, "s.py")
    assert [p.name for c in script.commands for p in c.params] == names
    assert ("argv-not-followed" in {d.code for d in script.diagnostics}) is warned


@pytest.mark.parametrize(
    ("read", "default"),
    [
        ("sys.argv[2] if len(sys.argv) > 2 else '30'", "30"),
        ("int(sys.argv[2]) if len(sys.argv) > 2 else 30", "30"),
        ("float(sys.argv[2]) if len(sys.argv) >= 3 else 5.0", "5.0"),
        ("int(sys.argv[2], 16) if len(sys.argv) > 2 else 16", "16"),
    ],
)
def test_a_guarded_read_in_a_conditional_expression_is_optional(read: str, default: str) -> None:
    source = f"import sys\nhost = sys.argv[1]\nvalue = {read}\nprint(host, value)\n"
    (command,) = analyze_source(source, "tool.py").commands
    assert [(p.name, p.required, p.default) for p in command.params] == [
        ("argv1", True, None),
        ("argv2", False, default),
    ]


def test_an_unguarded_converted_read_stays_required() -> None:
    source = "import sys\nvalue = int(sys.argv[1]) if sys.stdin.isatty() else 30\n"
    (command,) = analyze_source(source, "tool.py").commands
    assert [(p.name, p.required) for p in command.params] == [("argv1", True)]
