"""Files with several parsers or frameworks: the parameters the script really accepts,
with a note where voodoo had to choose (the "every CLI style" issue, item 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fidelity import load_runtime, parse_with_script
from voodoo.analysis import analyze_source
from voodoo.model import Script
from voodoo.wrapper import spec_for

RUNTIME = load_runtime()

PRE = ("import argparse\n"
       "pre = argparse.ArgumentParser(add_help=False)\n"
       "pre.add_argument('-c', '--config')\n"
       "known, rest = pre.parse_known_args()\n")
WITH_PARENTS = PRE + ("p = argparse.ArgumentParser(parents=[pre])\n"
                      "p.add_argument('--host', default='localhost')\n"
                      "p.add_argument('port', type=int)\n"
                      "args = p.parse_args()\n")
WITHOUT_PARENTS = PRE + ("p = argparse.ArgumentParser()\n"
                         "p.add_argument('--host', default='localhost')\n"
                         "p.add_argument('port', type=int)\n"
                         "p.add_argument('--config')\n"
                         "args = p.parse_args()\n")


def _params(script: Script) -> list[tuple[str, str]]:
    (command,) = script.commands
    return [(p.name, p.emit.option) for p in command.params]


def _choice(script: Script) -> list[str]:
    return [d.message for d in script.diagnostics if d.code == "framework-choice"]


@pytest.mark.parametrize("source", [WITH_PARENTS, WITHOUT_PARENTS],
                         ids=["parents", "separate-parsers"])
def test_pre_parser_and_main_parser_give_the_union_pre_parser_first(source: str) -> None:
    script = analyze_source(source, "t.py")
    assert _params(script) == [("config", "--config"), ("host", "--host"), ("port", "")]


@pytest.mark.parametrize("source", [WITH_PARENTS, WITHOUT_PARENTS],
                         ids=["parents", "separate-parsers"])
def test_pre_parser_argv_round_trips_through_the_scripts_parsers(source: str,
                                                                 tmp_path: Path) -> None:
    script_file = tmp_path / "t.py"
    script_file.write_text(source, encoding="utf-8")
    (command,) = analyze_source(source, "t.py").commands
    params = {"config": "site.json", "host": "db1", "port": 5432}
    argv = RUNTIME.build_argv(spec_for(command, "scripts/t.py"), params)
    assert parse_with_script(script_file, argv) == params


def test_one_parser_only_no_choice_note() -> None:
    script = analyze_source("import argparse\np = argparse.ArgumentParser()\n"
                            "p.add_argument('--x')\np.parse_args()\n", "t.py")
    assert _choice(script) == []


CLICK_WITH_ARGPARSE_TOOL = """\
import argparse
import click

def tool_args(argv):
    p = argparse.ArgumentParser(prog="sub")
    p.add_argument("--level", type=int)
    return p.parse_args(argv)

@click.command()
@click.option("--name", default="x")
def main(name):
    print(tool_args(["--level", "3"]))

if __name__ == "__main__":
    main()
"""
ARGPARSE_MAIN_WITH_DEAD_CLICK = """\
import argparse
import click

@click.command()
@click.option("--name")
def legacy(name):
    pass

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--level", type=int)
    p.parse_args()

if __name__ == "__main__":
    main()
"""
MIGRATION = """\
import argparse
import optparse

USE_ARGPARSE = {flag}

def parse():
    if USE_ARGPARSE:
        p = argparse.ArgumentParser()
        p.add_argument("--host")
        return p.parse_args()
    p = optparse.OptionParser()
    p.add_option("--host", dest="host")
    p.add_option("--port", type="int", default=80)
    opts, args = p.parse_args()
    return opts

if __name__ == "__main__":
    parse()
"""


@pytest.mark.parametrize(
    ("source", "framework", "params", "note"),
    [
        pytest.param(CLICK_WITH_ARGPARSE_TOOL, "click", [("name", "--name")],
                     "the file uses click and argparse; click is analyzed: the entry point "
                     "reaches click and argparse; the first in voodoo's order is used",
                     id="click-entry-argparse-sub-tool"),
        pytest.param(ARGPARSE_MAIN_WITH_DEAD_CLICK, "argparse", [("level", "--level")],
                     "the file uses click and argparse; argparse is analyzed: it is the only "
                     "one the script's entry point reaches", id="argparse-entry-unused-click"),
        pytest.param(MIGRATION.format(flag="False"), "optparse",
                     [("host", "--host"), ("port", "--port")],
                     "the file uses argparse and optparse; optparse is analyzed: it is the "
                     "only one the script's entry point reaches", id="migration-not-done"),
        pytest.param(MIGRATION.format(flag="True"), "argparse", [("host", "--host")],
                     "the file uses argparse and optparse; argparse is analyzed: it is the "
                     "only one the script's entry point reaches", id="migration-done"),
        pytest.param(MIGRATION.format(flag="bool(os.environ.get('NEW'))"), "argparse",
                     [("host", "--host")],
                     "the file uses argparse and optparse; argparse is analyzed: the entry "
                     "point reaches argparse and optparse; the first in voodoo's order is used",
                     id="migration-switch-unknown"),
    ],
)
def test_the_framework_the_entry_point_reaches_wins(source: str, framework: str,
                                                    params: list[tuple[str, str]],
                                                    note: str) -> None:
    script = analyze_source(source, "t.py")
    assert (script.framework, _params(script), _choice(script)) == (framework, params, [note])


def test_typer_app_importing_click_for_types_has_no_choice_note() -> None:
    source = ("import click\nimport typer\napp = typer.Typer()\n\n@app.command()\n"
              "def hello(name: str = 'x'):\n    click.echo(name)\n\n"
              "if __name__ == '__main__':\n    app()\n")
    script = analyze_source(source, "t.py")
    assert (script.framework, _choice(script)) == ("typer", [])
