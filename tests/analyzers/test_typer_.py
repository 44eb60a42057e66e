"""typer analyzer: (source, expected) pairs for parameters, apps and what is left alone."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from voodoo.analysis import analyze_source
from voodoo.model import ArgKind, Param, ParamType

HEAD = (
    "from enum import Enum\nfrom typing import List, Optional\n\nimport typer\n"
    "from typing_extensions import Annotated\n\n"
    "class Color(str, Enum):\n    red = 'r'\n    blue = 'b'\n\n"
)


def _only(signature: str) -> Param:
    source = (
        HEAD
        + f"def main({signature}):\n    pass\n\nif __name__ == '__main__':\n    typer.run(main)\n"
    )
    (command,) = analyze_source(source, "t.py").commands
    (param,) = command.params
    return param


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        pytest.param(
            "name: str",
            {"kind": ArgKind.POSITIONAL, "required": True, "type": ParamType.STRING},
            id="argument-no-default",
        ),
        pytest.param(
            "count: int = 3",
            {"kind": ArgKind.OPTION, "option": "--count", "default": 3, "type": ParamType.INTEGER},
            id="option",
        ),
        pytest.param(
            "dry_run: bool = False",
            {
                "kind": ArgKind.FLAG_PAIR,
                "option": "--dry-run",
                "off_option": "--no-dry-run",
                "default": False,
            },
            id="bool-flag-pair",
        ),
        pytest.param(
            "force: bool = typer.Option(False, '--force', '-f')",
            {"kind": ArgKind.FLAG, "option": "--force"},
            id="bool-custom-decls",
        ),
        pytest.param("color: Color = Color.red", {"enum": ("r", "b"), "default": "r"}, id="enum"),
        pytest.param(
            "tag: List[str] = typer.Option([])",
            {"kind": ArgKind.APPEND, "type": ParamType.ARRAY, "items_type": ParamType.STRING},
            id="list-option",
        ),
        pytest.param(
            "files: list[str]",
            {"kind": ArgKind.POSITIONAL, "type": ParamType.ARRAY},
            id="list-argument",
        ),
        pytest.param(
            "keep: Optional[int] = None",
            {"type": ParamType.INTEGER, "default": None},
            id="optional",
        ),
        pytest.param("keep: int | None = None", {"type": ParamType.INTEGER}, id="pep604-optional"),
        pytest.param(
            "n: Annotated[int, typer.Option('--num', min=1, max=5, help='N.')] = 2",
            {
                "option": "--num",
                "minimum": 1,
                "maximum": 5,
                "default": 2,
                "description": "N.",
                "name": "n",
            },
            id="annotated",
        ),
        pytest.param(
            "user: str = typer.Option(..., envvar='USER_NAME')",
            {"required": True, "description": "(environment variable: USER_NAME)"},
            id="required-option-envvar",
        ),
        pytest.param(
            "pw: str = typer.Option(..., prompt=True, hide_input=True)",
            {"secret": True},
            id="hide-input",
        ),
        pytest.param(
            "v: int = typer.Option(0, '-v', count=True)",
            {"kind": ArgKind.COUNT, "option": "-v"},
            id="count",
        ),
        pytest.param(
            "src: str = typer.Argument('.', help='Source.')",
            {"kind": ArgKind.POSITIONAL, "required": False, "default": "."},
            id="argument-with-default",
        ),
        pytest.param(
            "pt: tuple[int, int] = (0, 0)",
            {"kind": ArgKind.OPTION_LIST, "min_items": 2, "default": (0, 0)},
            id="tuple",
        ),
    ],
)
def test_typer_parameter(signature: str, expected: dict[str, Any]) -> None:
    param = _only(signature)
    emit_keys = ("kind", "option", "off_option")
    got = {k: getattr(param.emit, k) if k in emit_keys else getattr(param, k) for k in expected}
    assert got == expected


def test_context_parameter_is_left_alone() -> None:
    source = HEAD + "def main(ctx: typer.Context, x: int = 1):\n    pass\n\ntyper.run(main)\n"
    (command,) = analyze_source(source, "t.py").commands
    assert [p.name for p in command.params] == ["x"]


APP = (
    HEAD
    + '''\
app = typer.Typer()
users = typer.Typer()
app.add_typer(users, name="users")


@app.callback()
def top(verbose: bool = False):
    """Top."""


@app.command("ls")
def list_things(all: bool = False):
    """List.\f hidden"""


@users.command()
def add_user(name: str):
    pass


if __name__ == "__main__":
    app()
'''
)


def test_app_commands_callback_and_sub_app() -> None:
    script = analyze_source(APP, "tool.py")
    assert script.framework == "typer"
    by_name = {c.name: c for c in script.commands}
    assert set(by_name) == {"tool_ls", "tool_users_add_user"}
    assert by_name["tool_ls"].description == "List."
    assert [(p.name, p.emit.level) for p in by_name["tool_users_add_user"].params] == [
        ("verbose", 0),
        ("name", 2),
    ]


def test_single_command_app_has_no_sub_command_word() -> None:
    source = (
        HEAD + "app = typer.Typer()\n\n@app.command()\ndef go(x: int = 1):\n    pass\n\napp()\n"
    )
    (command,) = analyze_source(source, "t.py").commands
    assert command.path == () and command.name == "t"


def test_an_annotated_alias_carries_its_option_name_and_type() -> None:
    source = textwrap.dedent(
        """\
        import typer
        from typing import Annotated
        AwsRegion = Annotated[str, typer.Option("--aws-region", help="region")]
        Count = Annotated[int, typer.Option(min=1)]
        Force = Annotated[bool, typer.Option("--force", "-f")]
        Plain = str
        def main(
            region: AwsRegion = "us-east-1",
            count: Count = 1,
            force: Force = False,
            name: Plain = "x",
        ):
            print(region, count, force, name)
        if __name__ == "__main__":
            typer.run(main)
        """
    )
    script = analyze_source(source, "tool.py")
    (command,) = script.commands
    assert [
        (p.name, p.emit.option, p.type, p.default, p.description) for p in command.params
    ] == [
        ("region", "--aws-region", ParamType.STRING, "us-east-1", "region"),
        ("count", "--count", ParamType.INTEGER, 1, None),
        ("force", "--force", ParamType.BOOLEAN, False, None),
        # an alias that is not Annotated is left alone: typed as typer does without it
        ("name", "--name", ParamType.STRING, "x", None),
    ]
    assert [d.code for d in script.diagnostics if d.severity.value == "warning"] == []
