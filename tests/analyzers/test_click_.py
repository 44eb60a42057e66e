"""click analyzer: (source, expected) pairs for what is found and what is left alone."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from voodoo.analysis import analyze_source
from voodoo.model import ArgKind, Joiner, Param, ParamType, Script, Severity

HEAD = "import click\n\n"
CALL = '\n\nif __name__ == "__main__":\n    main()\n'


def _only(decorators: str, args: str = "**kw") -> Param:
    script = analyze_source(HEAD + decorators + f"\ndef main({args}):\n    pass" + CALL, "t.py")
    (command,) = script.commands
    (param,) = command.params
    return param


def _check(param: Param, expected: dict[str, Any]) -> None:
    got = {
        key: getattr(param.emit, key)
        if key in ("kind", "option", "off_option", "joiner", "consts")
        else getattr(param, key)
        for key in expected
    }
    assert got == expected


@pytest.mark.parametrize(
    ("decorators", "expected"),
    [
        pytest.param(
            '@click.option("--port", type=int, default=8080)',
            {
                "name": "port",
                "type": ParamType.INTEGER,
                "default": 8080,
                "kind": ArgKind.OPTION,
                "joiner": Joiner.EQUALS,
            },
            id="int-option",
        ),
        pytest.param(
            '@click.option("-p", type=click.FLOAT)',
            {"name": "p", "type": ParamType.NUMBER, "joiner": Joiner.ATTACHED},
            id="short-float",
        ),
        pytest.param(
            '@click.option("-n", "--dry-run", is_flag=True)',
            {
                "name": "dry_run",
                "kind": ArgKind.FLAG,
                "option": "--dry-run",
                "default": False,
                "type": ParamType.BOOLEAN,
            },
            id="is-flag",
        ),
        pytest.param(
            '@click.option("--shout/--no-shout", default=True)',
            {"kind": ArgKind.FLAG_PAIR, "off_option": "--no-shout", "default": True},
            id="flag-pair",
        ),
        pytest.param(
            '@click.option("--json/--text", "as_json")',
            {"name": "as_json", "kind": ArgKind.FLAG_PAIR},
            id="explicit-name",
        ),
        pytest.param(
            '@click.option("--upper", "case", flag_value="upper")\n'
            '@click.option("--lower", "case", flag_value="lower")',
            {
                "kind": ArgKind.CONST,
                "enum": ("upper", "lower"),
                "consts": (("upper", "--upper"), ("lower", "--lower")),
            },
            id="flag-value",
        ),
        pytest.param(
            '@click.option("-v", "--verbose", count=True)',
            {"kind": ArgKind.COUNT, "type": ParamType.INTEGER, "default": 0},
            id="count",
        ),
        pytest.param(
            '@click.option("--tag", multiple=True)',
            {
                "kind": ArgKind.APPEND,
                "type": ParamType.ARRAY,
                "items_type": ParamType.STRING,
                "default": None,
            },
            id="multiple",
        ),
        pytest.param(
            '@click.option("--pt", nargs=2, type=int)',
            {
                "kind": ArgKind.OPTION_LIST,
                "items_type": ParamType.INTEGER,
                "min_items": 2,
                "max_items": 2,
            },
            id="nargs-2",
        ),
        pytest.param(
            '@click.option("--pair", type=(str, str))',
            {"kind": ArgKind.OPTION_LIST, "type": ParamType.ARRAY, "min_items": 2},
            id="tuple-type",
        ),
        pytest.param(
            '@click.option("--env", type=click.Choice(["dev", "prod"]))',
            {"type": ParamType.STRING, "enum": ("dev", "prod")},
            id="choice",
        ),
        pytest.param(
            '@click.option("--n", type=click.IntRange(1, 9))',
            {"type": ParamType.INTEGER, "minimum": 1, "maximum": 9},
            id="int-range",
        ),
        pytest.param(
            '@click.option("--r", type=click.FloatRange(min=0.5))',
            {"type": ParamType.NUMBER, "minimum": 0.5, "maximum": None},
            id="float-range",
        ),
        pytest.param(
            '@click.option("--cfg", type=click.Path(exists=True))',
            {"type": ParamType.STRING},
            id="path",
        ),
        pytest.param(
            '@click.option("--out", type=click.File("w"), default="-")',
            {"type": ParamType.STRING, "default": "-"},
            id="file",
        ),
        pytest.param(
            '@click.option("--x", required=True, help=" Be  X. ")',
            {"required": True, "description": "Be  X."},
            id="required-help",
        ),
        pytest.param(
            '@click.option("--host", envvar="HOST")',
            {"description": "(environment variable: HOST)"},
            id="envvar",
        ),
        pytest.param(
            '@click.option("--token", prompt=True, hide_input=True)',
            {"secret": True, "required": False},
            id="hide-input",
        ),
        pytest.param(
            "@click.password_option()",
            {"name": "password", "secret": True, "required": False},
            id="password-option",
        ),
        pytest.param(
            '@click.argument("src-file")',
            {"name": "src_file", "kind": ArgKind.POSITIONAL, "required": True},
            id="argument",
        ),
        pytest.param(
            '@click.argument("files", nargs=-1)',
            {"type": ParamType.ARRAY, "required": False},
            id="argument-nargs-many",
        ),
        pytest.param(
            '@click.argument("f", default="x")',
            {"required": False, "default": "x"},
            id="argument-default",
        ),
        pytest.param(
            '@click.option("--n", default=3)',
            {"type": ParamType.INTEGER, "default": 3},
            id="type-from-default",
        ),
        pytest.param(
            '@click.option("--when", default=lambda: 3)',
            {"default": None},
            id="callable-default-omitted",
        ),
    ],
)
def test_click_parameter(decorators: str, expected: dict[str, Any]) -> None:
    _check(_only("@click.command()\n" + decorators), expected)


@pytest.mark.parametrize(
    "decorators",
    [
        pytest.param("@click.version_option('1.0')", id="version-option"),
        pytest.param("@click.help_option()", id="help-option"),
        pytest.param("@click.confirmation_option()", id="confirmation-option"),
        pytest.param('@click.option("--x", expose_value=False)', id="expose-value-false"),
        pytest.param("@click.option(*NAMES)", id="computed-names"),
        pytest.param("@click.pass_context", id="pass-context"),
    ],
)
def test_not_a_parameter(decorators: str) -> None:
    source = (
        HEAD
        + "NAMES = compute()\n@click.command()\n"
        + decorators
        + "\ndef main(**kw):\n    pass"
        + CALL
    )
    (command,) = analyze_source(source, "t.py").commands
    assert command.params == ()


def test_reports_callable_default_with_its_line() -> None:
    source = (
        HEAD
        + '@click.command()\n@click.option("--when", default=now)\ndef main(when):\n    pass'
        + CALL
    )
    script = analyze_source(source, "t.py")
    (diag,) = [d for d in script.diagnostics if d.code == "unknown-default"]
    assert diag.line == 4 and "callable" in diag.message


def test_computed_names_reported_not_crash() -> None:
    source = HEAD + '@click.command()\n@click.option(name_for("x"))\ndef main(x):\n    pass' + CALL
    script = analyze_source(source, "t.py")
    assert [d.code for d in script.diagnostics] == ["parameter-lost"]


NESTED = '''\
import click as c
from click import option


@c.group()
@option("--region", default="eu")
@option("--debug/--no-debug")
def cli(region, debug):
    """Top.\f hidden"""


@cli.group(name="node")
def node_group():
    pass


@node_group.command()
@option("--region", type=int)
def drain_node(region):
    """Drain one node.

    \f
    Internal.
    """


@c.command("ping-all")
def ping():
    "Ping."


cli.add_command(ping, name="ping")

if __name__ == "__main__":
    cli(obj={})
'''


def test_nested_groups_leaf_wins_and_levels() -> None:
    script = analyze_source(NESTED, "cluster.py")
    assert script.framework == "click"
    by_name = {c.name: c for c in script.commands}
    assert set(by_name) == {"cluster_node_drain_node", "cluster_ping"}
    drain = by_name["cluster_node_drain_node"]
    assert drain.path == ("node", "drain-node")
    assert drain.description == "Drain one node."
    assert [(p.name, p.type, p.emit.level) for p in drain.params] == [
        ("script_debug", ParamType.BOOLEAN, 0),
        ("region", ParamType.INTEGER, 2),
    ]
    assert by_name["cluster_ping"].path == ("ping",)


@pytest.mark.parametrize(
    ("function", "word"),
    [
        pytest.param("sync_data", "sync-data", id="underscores"),
        pytest.param("init_data_command", "init-data", id="suffix-click-8.2"),
        pytest.param("Deploy", "deploy", id="lowercased"),
    ],
)
def test_command_word(function: str, word: str) -> None:
    source = (
        HEAD
        + "@click.group()\ndef cli():\n    pass\n\n@cli.command()\n"
        + f"def {function}():\n    pass\n\ncli()\n"
    )
    (command,) = analyze_source(source, "t.py").commands
    assert command.path == (word,)


def test_no_entry_point_is_still_analyzed_with_info() -> None:
    script = analyze_source(HEAD + "@click.command()\ndef main():\n    pass\n", "t.py")
    assert len(script.commands) == 1
    assert "no-entry-point" in [d.code for d in script.diagnostics]


@pytest.mark.parametrize(
    ("source", "framework"),
    [
        pytest.param(
            "import argparse, click\np = argparse.ArgumentParser()\np.parse_args()\n"
            "click.echo('x')\n",
            "argparse",
            id="argparse-with-click-echo",
        ),
        pytest.param(
            "import argparse\nimport click\n\n@click.command()\ndef main():\n    pass\n\nmain()\n",
            "click",
            id="click-with-argparse-import",
        ),
        # no click command: the script runs as it is, without arguments (issue 17)
        pytest.param("import click\nclick.echo('hi')\n", "noargs", id="click-without-commands"),
    ],
)
def test_framework_choice(source: str, framework: str | None) -> None:
    assert analyze_source(source, "t.py").framework == framework


# -- options shared between commands ------------------------------------------------------


def _shared(source: str) -> Script:
    return analyze_source(textwrap.dedent(source).encode(), "tool.py")


def test_an_option_held_in_a_variable_is_read_where_it_decorates() -> None:
    script = _shared(
        """\
        import click
        region_option = click.option("--region", default="us-east-1", help="AWS region")
        @click.command()
        @region_option
        @click.option("--limit", type=int, default=10)
        def main(region, limit):
            pass
        if __name__ == "__main__":
            main()
        """
    )
    (command,) = script.commands
    assert [(p.name, p.default, p.description) for p in command.params] == [
        ("region", "us-east-1", "AWS region"),
        ("limit", 10, None),
    ]
    assert [d.code for d in script.diagnostics if d.code == "parameter-lost"] == []


@pytest.mark.parametrize(
    ("helper", "decorator", "line"),
    [
        pytest.param(
            """\
            def common_options(f):
                f = click.option("--region", default="us-east-1")(f)
                return f
            """,
            "@common_options",
            6,
            id="decorator-function",
        ),
        pytest.param(
            """\
            common = [click.option("--region", default="us-east-1")]
            def add_options(options):
                def wrapper(func):
                    for option in reversed(options):
                        func = option(func)
                    return func
                return wrapper
            """,
            "@add_options(common)",
            10,
            id="add-options-list",
        ),
    ],
)
def test_options_applied_by_a_helper_decorator_are_reported(
    helper: str, decorator: str, line: int
) -> None:
    script = _shared(
        "import click\n"
        + textwrap.dedent(helper)
        + textwrap.dedent(
            f"""\
            @click.command()
            {decorator}
            @click.option("--bucket", required=True)
            def main(region, bucket):
                pass
            """
        )
    )
    (command,) = script.commands
    assert [p.name for p in command.params] == ["bucket"]  # still ingested, the rest kept
    lost = [d for d in script.diagnostics if d.code == "parameter-lost"]
    assert [(d.line, d.severity) for d in lost] == [(line, Severity.WARNING)]
    assert decorator in lost[0].message


def test_other_decorators_of_a_command_raise_no_warning() -> None:
    script = _shared(
        """\
        import click, functools
        def log_calls(f):
            @functools.wraps(f)
            def inner(*a, **k):
                return f(*a, **k)
            return inner
        @click.command()
        @click.pass_context
        @log_calls
        @click.option("--bucket", required=True)
        def main(ctx, bucket):
            pass
        """
    )
    (command,) = script.commands
    assert [p.name for p in command.params] == ["bucket"]
    assert [d.code for d in script.diagnostics if d.code == "parameter-lost"] == []
