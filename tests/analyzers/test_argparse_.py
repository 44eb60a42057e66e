import textwrap
from typing import Any

import pytest

from voodoo.analysis import analyze_source
from voodoo.model import ArgKind, Joiner, Param, ParamType, Script, Severity

T = ParamType


def script(source: str, path: str = "tool.py") -> Script:
    return analyze_source(textwrap.dedent(source), path)


def wrap(lines: str) -> str:
    return "import argparse\np = argparse.ArgumentParser()\n" + lines + "\np.parse_args()\n"


def params(source: str, command: int = 0) -> dict[str, Param]:
    result = script(source)
    assert result.framework == "argparse", result.diagnostics
    return {p.name: p for p in result.commands[command].params}


def codes(result: Script) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in result.diagnostics]


def check(param: Param, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key in (
            "kind",
            "option",
            "off_option",
            "joiner",
            "consts",
            "true_token",
            "false_token",
            "level",
            "position",
        ):
            assert getattr(param.emit, key) == value, key
        else:
            assert getattr(param, key) == value, key


CASES = [
    # (add_argument lines, parameter name, expected fields)
    (
        'p.add_argument("host")',
        "host",
        {"type": T.STRING, "required": True, "kind": ArgKind.POSITIONAL, "position": 0},
    ),
    (
        'p.add_argument("a")\np.add_argument("b", nargs="?", default="x")',
        "b",
        {"required": False, "position": 1, "default": "x", "type": T.STRING},
    ),
    (
        'p.add_argument("files", nargs="*")',
        "files",
        {"type": T.ARRAY, "items_type": T.STRING, "required": False},
    ),
    (
        'p.add_argument("rest", nargs=argparse.REMAINDER)',
        "rest",
        {"type": T.ARRAY, "required": False, "kind": ArgKind.POSITIONAL},
    ),
    (
        'p.add_argument("nums", nargs="+", type=int)',
        "nums",
        {"type": T.ARRAY, "items_type": T.INTEGER, "required": True},
    ),
    (
        'p.add_argument("--name")',
        "name",
        {
            "type": T.STRING,
            "required": False,
            "kind": ArgKind.OPTION,
            "option": "--name",
            "joiner": Joiner.EQUALS,
            "default": None,
        },
    ),
    (
        'p.add_argument("-n", "--name", required=True)',
        "name",
        {"required": True, "option": "--name", "joiner": Joiner.EQUALS},
    ),
    ('p.add_argument("-n")', "n", {"option": "-n", "joiner": Joiner.ATTACHED}),
    ('p.add_argument("-name")', "name", {"option": "-name", "joiner": Joiner.SEPARATE}),
    (
        'p.add_argument("-x", "-name", "--long-one", "--other")',
        "long_one",
        {"option": "--long-one", "dest": "long_one"},
    ),
    (
        'p.add_argument("--port", type=int, default="8080")',
        "port",
        {"type": T.INTEGER, "default": 8080},
    ),
    (
        'p.add_argument("--ratio", type=float, default="0.5")',
        "ratio",
        {"type": T.NUMBER, "default": 0.5},
    ),
    ('p.add_argument("--retries", default=3)', "retries", {"type": T.INTEGER, "default": 3}),
    ('p.add_argument("--ratio", default=0.25)', "ratio", {"type": T.NUMBER, "default": 0.25}),
    ('p.add_argument("--path", type=argparse.FileType("r"))', "path", {"type": T.STRING}),
    ('p.add_argument("--path", type=lambda s: s.upper())', "path", {"type": T.STRING}),
    (
        'from pathlib import Path\np.add_argument("--path", type=Path, default="/tmp")',
        "path",
        {"type": T.STRING, "default": "/tmp"},
    ),
    (
        'p.add_argument("--on", type=bool)',
        "on",
        {"type": T.BOOLEAN, "true_token": "1", "false_token": "", "kind": ArgKind.OPTION},
    ),
    (
        'p.add_argument("--dry-run", action="store_true")',
        "dry_run",
        {
            "type": T.BOOLEAN,
            "default": False,
            "kind": ArgKind.FLAG,
            "option": "--dry-run",
            "dest": "dry_run",
        },
    ),
    (
        'p.add_argument("--no-verify", dest="verify", action="store_false")',
        "verify",
        {"type": T.BOOLEAN, "default": True, "kind": ArgKind.FLAG_FALSE, "option": "--no-verify"},
    ),
    (
        'p.add_argument("--color", action=argparse.BooleanOptionalAction, default=True)',
        "color",
        {
            "type": T.BOOLEAN,
            "default": True,
            "kind": ArgKind.FLAG_PAIR,
            "option": "--color",
            "off_option": "--no-color",
        },
    ),
    (
        'p.add_argument("-v", "--verbose", action="count", default=0)',
        "verbose",
        {"type": T.INTEGER, "default": 0, "kind": ArgKind.COUNT, "option": "--verbose"},
    ),
    (
        'p.add_argument("--fast", action="store_const", const=10)',
        "fast",
        {"type": T.INTEGER, "kind": ArgKind.CONST, "consts": ((10, "--fast"),), "enum": None},
    ),
    (
        'p.add_argument("--json", dest="fmt", action="store_const", const="json", default="text")\n'
        'p.add_argument("--csv", dest="fmt", action="store_const", const="csv")',
        "fmt",
        {
            "type": T.STRING,
            "kind": ArgKind.CONST,
            "enum": ("json", "csv", "text"),
            "consts": (("json", "--json"), ("csv", "--csv")),
            "default": "text",
        },
    ),
    (
        'p.add_argument("--tag", action="append", choices=["a", "b"])',
        "tag",
        {
            "type": T.ARRAY,
            "items_type": T.STRING,
            "items_enum": ("a", "b"),
            "enum": None,
            "kind": ArgKind.APPEND,
        },
    ),
    (
        'p.add_argument("--pair", action="append", nargs=2, type=int)',
        "pair",
        {
            "type": T.ARRAY,
            "items_type": T.ARRAY,
            "items_items_type": T.INTEGER,
            "kind": ArgKind.APPEND,
        },
    ),
    (
        'p.add_argument("--item", action="extend", nargs="+")',
        "item",
        {"type": T.ARRAY, "kind": ArgKind.OPTION_LIST},
    ),
    (
        'p.add_argument("--xy", nargs=2, type=float)',
        "xy",
        {"type": T.ARRAY, "items_type": T.NUMBER, "kind": ArgKind.OPTION_LIST},
    ),
    (
        'p.add_argument("--maybe", nargs="?", const="c", default="d")',
        "maybe",
        {"type": T.STRING, "default": "d", "kind": ArgKind.OPTION},
    ),
    (
        'p.add_argument("--a", dest="acc", action="append_const", const="A")\n'
        'p.add_argument("--b", dest="acc", action="append_const", const="B")',
        "acc",
        {
            "type": T.ARRAY,
            "items_type": T.STRING,
            "kind": ArgKind.APPEND_CONST,
            "items_enum": ("A", "B"),
            "consts": (("A", "--a"), ("B", "--b")),
        },
    ),
    (
        'p.add_argument("--level", choices=range(1, 4), type=int)',
        "level",
        {"enum": (1, 2, 3), "type": T.INTEGER},
    ),
    (
        'p.add_argument("--mode", choices=("x", "y"), default="z")',
        "mode",
        {"enum": ("x", "y", "z")},
    ),
    (
        'p.add_argument("--items", default=("a", "b"), nargs="*")',
        "items",
        {"default": ("a", "b"), "type": T.ARRAY},
    ),
    (
        'p.add_argument("--x", help="x is %(default)s of %(type)s in %(choices)s, 100%%",'
        ' default="1", type=int, choices=[1, 2])',
        "x",
        {"description": "x is 1 of int in 1, 2, 100%", "default": 1},
    ),
    (
        'p.add_argument("--y", help="run %(prog)s %(dest)s %(metavar)s", metavar="Y")',
        "y",
        {"description": "run tool.py y Y", "metavar": "Y"},
    ),
    (
        'p.add_argument("--z", help=argparse.SUPPRESS, default="k")',
        "z",
        {"description": None, "default": "k"},
    ),
    ('p.add_argument("--w", default=argparse.SUPPRESS)', "w", {"default": None}),
    (
        'p.add_argument("--pw", action=argparse._StoreTrueAction)',
        "pw",
        {"kind": ArgKind.FLAG, "type": T.BOOLEAN},
    ),
    ('p.add_argument("--password")', "password", {"secret": True}),
    ('p.add_argument("--tokenizer")', "tokenizer", {"secret": False}),
    (
        'p.add_argument("--timeout", type=int, default=30)',
        "script_timeout",
        {"dest": "timeout", "option": "--timeout", "default": 30},
    ),
    ('p.set_defaults(mode="fast")\np.add_argument("--mode")', "mode", {"default": "fast"}),
    (
        'p.add_argument("--mode", default="a")\np.set_defaults(mode="b", func=print)',
        "mode",
        {"default": "b"},
    ),
]


@pytest.mark.parametrize(
    ("lines", "name", "expected"), CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)]
)
def test_parameter(lines: str, name: str, expected: dict[str, Any]) -> None:
    found = params(wrap(lines))
    assert name in found, list(found)
    check(found[name], expected)


@pytest.mark.parametrize(
    ("lines", "absent"),
    [
        pytest.param(
            'p.add_argument("--version", action="version", version="1")', "version", id="version"
        ),
        pytest.param('p.add_argument("-H", "--halp", action="help")', "halp", id="help"),
        pytest.param("p.set_defaults(func=print)", "func", id="set-defaults-func"),
    ],
)
def test_not_parameters(lines: str, absent: str) -> None:
    assert absent not in params(wrap(lines))


def test_argument_default_and_prefix_chars() -> None:
    found = params(
        """
        import argparse
        p = argparse.ArgumentParser(prefix_chars="-+", argument_default="z")
        p.add_argument("++plus", "+p")
        p.add_argument("--keep", default="k")
        p.parse_args()
        """
    )
    check(found["plus"], {"option": "++plus", "joiner": Joiner.EQUALS, "default": "z"})
    check(found["keep"], {"default": "k"})


def test_mutually_exclusive_groups() -> None:
    found = params(
        wrap(
            "g = p.add_mutually_exclusive_group(required=True)\n"
            'g.add_argument("--json", dest="fmt", action="store_const", const="json")\n'
            'g.add_argument("--csv", dest="fmt", action="store_const", const="csv")\n'
            "h = p.add_mutually_exclusive_group(required=True)\n"
            'h.add_argument("--a", action="store_true")\n'
            'h.add_argument("--b", action="store_true")\n'
            'grp = p.add_argument_group("extra")\n'
            'grp.add_argument("--extra", required=True)\n'
        )
    )
    assert found["fmt"].required is True
    assert found["a"].required is False and found["b"].required is False
    assert found["extra"].required is True


def test_true_false_pair_on_one_dest() -> None:
    found = params(
        wrap(
            'p.add_argument("--verbose", action="store_true")\n'
            'p.add_argument("--quiet", dest="verbose", action="store_false")'
        )
    )
    check(
        found["verbose"],
        {
            "kind": ArgKind.FLAG_PAIR,
            "option": "--verbose",
            "off_option": "--quiet",
            "default": False,
        },
    )


SUBCOMMANDS = '''
"""Cluster control.

Second paragraph.
"""
import argparse

def build():
    parser = argparse.ArgumentParser(description="Control %(prog)s")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--zone", default="eu")
    sub = parser.add_subparsers(dest="command", required=True)
    node = sub.add_parser("node", help="node commands")
    node_sub = node.add_subparsers(dest="node_command")
    drain = node_sub.add_parser("drain", aliases=["dr"], help="drain a node")
    drain.add_argument("name")
    drain.add_argument("--zone", type=int, default=3)
    drain.set_defaults(func=print)
    show = sub.add_parser("show", description="Show with %(prog)s")
    show.add_argument("what", nargs="?")
    sub.add_parser("plain")
    return parser

if __name__ == "__main__":
    build().parse_args()
'''


def test_subcommands() -> None:
    result = script(SUBCOMMANDS, "ops/cluster-ctl.py")
    assert [c.name for c in result.commands] == [
        "cluster_ctl_node_drain",
        "cluster_ctl_show",
        "cluster_ctl_plain",
    ]
    drain, show, plain = result.commands
    assert drain.path == ("node", "drain")
    assert drain.description == "drain a node"
    assert show.description == "Show with cluster-ctl.py show"
    assert plain.description == "Cluster control."
    assert all(c.double_dash for c in result.commands)
    names = {p.name: p for p in drain.params}
    assert list(names) == ["verbose", "name", "zone"]  # leaf wins, definition order kept
    check(names["zone"], {"type": T.INTEGER, "default": 3, "level": 2})
    check(names["verbose"], {"level": 0})
    check(names["name"], {"level": 2, "position": 0, "required": True})
    assert "command" not in names and "func" not in names
    assert [p.name for p in plain.params] == ["verbose", "zone"]
    assert result.description == "Cluster control."


def test_prog_and_prefix_of_subparsers() -> None:
    result = script(
        """
        import argparse
        p = argparse.ArgumentParser(prog="ctl")
        p.add_argument("host")
        s = p.add_subparsers()
        a = s.add_parser("run", description="%(prog)s does it")
        p.parse_args()
        """
    )
    assert result.commands[0].description == "ctl host run does it"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import argparse as ap
            parser = ap.ArgumentParser()
            parser.add_argument("--x")
            parser.parse_args()
            """,
            id="module-alias",
        ),
        pytest.param(
            """
            from argparse import ArgumentParser as P
            parser = P()
            parser.add_argument("--x")
            parser.parse_args()
            """,
            id="class-alias",
        ),
        pytest.param(
            """
            from argparse import *
            parser = ArgumentParser()
            parser.add_argument("--x", help=SUPPRESS)
            parser.parse_args()
            """,
            id="star-import",
        ),
        pytest.param(
            """
            import argparse
            Parser = argparse.ArgumentParser
            def main():
                parser = Parser()
                add_common(parser)
                return parser.parse_args()
            def add_common(target):
                target.add_argument("--x")
            main()
            """,
            id="helper-functions",
        ),
        pytest.param(
            """
            import argparse
            class Tool:
                def __init__(self):
                    self.parser = argparse.ArgumentParser()
                    self.setup()
                def setup(self):
                    self.parser.add_argument("--x")
                def run(self):
                    return self.parser.parse_args()
            """,
            id="self-parser",
        ),
        pytest.param(
            """
            import argparse
            def get_parser():
                parser = argparse.ArgumentParser()
                for opt, kw in [("--x", {}), ("--y", {"type": int})]:
                    parser.add_argument(opt, **kw)
                return parser
            """,
            id="returned-and-loop",
        ),
        pytest.param(
            """
            import argparse
            base = argparse.ArgumentParser(add_help=False)
            base.add_argument("--x")
            parser = argparse.ArgumentParser(parents=[base])
            parser.parse_args()
            """,
            id="parents",
        ),
        pytest.param(
            """
            import argparse
            pre = argparse.ArgumentParser(add_help=False)
            pre.add_argument("--x")
            known, rest = pre.parse_known_args()
            parser = argparse.ArgumentParser()
            parser.parse_args(rest)
            """,
            id="pre-parser",
        ),
        pytest.param(
            """
            import argparse
            def main():
                import argparse
                p = argparse.ArgumentParser()
                try:
                    p.add_argument("--x")
                except Exception:
                    pass
                with open("f") as fh:
                    pass
                if True:
                    args = p.parse_args()
            if __name__ == "__main__":
                main()
            """,
            id="main-try-with-if",
        ),
    ],
)
def test_finds_the_parser(source: str) -> None:
    found = params(source)
    assert "x" in found
    assert found["x"].emit.option == "--x"


def test_pre_parser_is_reported() -> None:
    result = script(
        """
        import argparse
        pre = argparse.ArgumentParser(add_help=False)
        pre.add_argument("--config")
        known, rest = pre.parse_known_args()
        parser = argparse.ArgumentParser()
        parser.add_argument("--x")
        parser.parse_args(rest)
        """
    )
    assert [p.name for p in result.commands[0].params] == ["config", "x"]
    assert ("pre-parser-merged", 3) in codes(result)


def test_parsed_parser_wins_over_others() -> None:
    result = script(
        """
        import argparse
        unused = argparse.ArgumentParser()
        unused.add_argument("--nope")
        real = argparse.ArgumentParser()
        real.add_argument("--yes")
        real.parse_args()
        """
    )
    assert [p.name for p in result.commands[0].params] == ["yes"]


def test_parser_never_parsed_nor_returned() -> None:
    result = script(
        """
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("--x")
        """
    )
    assert result.framework is None and result.commands == ()
    assert ("parser-unused", 3) in codes(result)
    assert result.diagnostics[-1].code == "no-cli"


@pytest.mark.parametrize(
    ("lines", "name", "code", "line"),
    [
        pytest.param(
            'p.add_argument("--when",\n default=compute())',
            "when",
            "unknown-default",
            4,
            id="call-default",
        ),
        pytest.param(
            'p.add_argument("--port", type=int, default="http")',
            "port",
            "invalid-default",
            3,
            id="unconvertible-default",
        ),
        pytest.param(
            'p.add_argument("--n", type=str, default=5)',
            "n",
            "default-type-mismatch",
            3,
            id="mismatched-default",
        ),
        pytest.param(
            'p.add_argument("--h", default=os.environ["H"])',
            "h",
            "unknown-default",
            3,
            id="environ-subscript",
        ),
        pytest.param(
            'p.add_argument("--h", default=os.environ.get("H", "x"))',
            "h",
            "env-default",
            3,
            id="env-fallback",
        ),
        pytest.param(
            'p.add_argument("--c", choices=get())', "c", "unknown-choices", 3, id="unknown-choices"
        ),
        pytest.param('p.add_argument("--b", type=bool)', "b", "bool-type", 3, id="bool"),
        pytest.param(
            'p.add_argument("--q", action=Custom)', "q", "custom-action", 3, id="custom-action"
        ),
        pytest.param(
            'p.add_argument("--q", help=_("x"))', "q", "unknown-help", 3, id="unknown-help"
        ),
    ],
)
def test_reports(lines: str, name: str, code: str, line: int) -> None:
    result = script("import argparse, os\n" + wrap(lines).split("\n", 1)[1])
    assert (code, line) in codes(result), result.diagnostics
    assert name in [p.name for p in result.commands[0].params]  # never silently dropped


def test_unknown_default_is_left_out() -> None:
    found = params(wrap('p.add_argument("--when", default=compute(), help="at %(default)s")'))
    check(found["when"], {"default": None, "description": "at compute()"})


def test_parameter_lost_is_reported() -> None:
    result = script(wrap("p.add_argument(get_name())\nfor o in OPTS:\n    p.add_argument(o)"))
    assert [c for c, _ in codes(result)].count("parameter-lost") == 2
    assert ("parameter-lost", 3) in codes(result)


def test_unknown_subcommand_is_reported() -> None:
    result = script(wrap("s = p.add_subparsers()\nfor n in NAMES:\n    s.add_parser(n)\n"))
    assert "command-lost" in [c for c, _ in codes(result)]


def test_subcommands_from_a_dict_loop() -> None:
    result = script(
        wrap(
            'COMMANDS = {"start": "Start it", "stop": "Stop it"}\n'
            "s = p.add_subparsers()\n"
            "for name, text in COMMANDS.items():\n"
            "    s.add_parser(name, help=text)\n"
        )
    )
    assert [(c.name, c.description) for c in result.commands] == [
        ("tool_start", "Start it"),
        ("tool_stop", "Stop it"),
    ]


def test_defaults_from_constants() -> None:
    found = params(
        """
        import argparse, os
        BASE = 8000
        NAME = "svc-" + "a"
        p = argparse.ArgumentParser()
        p.add_argument("--port", default=BASE + 80)
        p.add_argument("--name", default=NAME.upper())
        p.add_argument("--host", default=os.getenv("HOST") or "localhost")
        p.add_argument("--tmpl", default="{{ x }}")
        p.parse_args()
        """
    )
    check(found["port"], {"default": 8080, "type": T.INTEGER})
    check(found["name"], {"default": "SVC-A"})
    check(found["host"], {"default": "localhost"})
    check(found["tmpl"], {"default": "{{ x }}"})  # the renderer adds {% raw %}


def test_description_from_docstring() -> None:
    result = script(
        '''
        """First paragraph
        continues.

        Details.
        """
        import argparse
        p = argparse.ArgumentParser(description=__doc__)
        p.parse_args()
        '''
    )
    assert result.commands[0].description == "First paragraph\ncontinues.\n\nDetails."
    assert result.description == "First paragraph\ncontinues."


def test_recursion_is_guarded() -> None:
    found = params(
        """
        import argparse
        def build(p):
            p.add_argument("--x")
            build(p)
        p = argparse.ArgumentParser()
        build(p)
        p.parse_args()
        """
    )
    assert list(found) == ["x"]


NO_EXECUTION = [
    "open(MARKER, 'w').write('ran')\n",
    "import sys\nsys.exit(3)\n",
    "while True:\n    pass\n",
    "import os\nos.system('touch ' + MARKER)\n",
    "raise SystemExit(1)\n",
]


@pytest.mark.parametrize("prefix", NO_EXECUTION, ids=["write", "exit", "loop", "system", "raise"])
def test_nothing_runs(prefix: str, tmp_path: Any) -> None:
    marker = tmp_path / "marker"
    source = (
        f"MARKER = {str(marker)!r}\n"
        + prefix
        + "import argparse\np = argparse.ArgumentParser()\np.add_argument('--x')\np.parse_args()\n"
    )
    result = analyze_source(source, "danger.py")
    assert not marker.exists()
    assert [p.name for p in result.commands[0].params] == ["x"]


def test_severities_are_warnings_for_losses() -> None:
    result = script(wrap('p.add_argument("--a", default=f())'))
    assert [d.severity for d in result.diagnostics if d.code == "unknown-default"] == [
        Severity.WARNING
    ]
