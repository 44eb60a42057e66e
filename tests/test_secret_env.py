"""Secrets stay off the command line where the script reads them from its own variable
(issue #11, item 7): a command line is readable by every local user (``ps``, /proc), a
process's environment only by its owner.

The analyzers record which variable a script reads for an option (``Param.env_fallback``);
a secret with one is exported there instead of being typed, by the generated wrapper and
by ``voodoo run``; the action is run for real and the script shows what it received."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.fidelity import wrapper_class
from voodoo.analysis import analyze_source
from voodoo.ingest import ingest

SECRET = "s3cret-VALUE-42"

ARGPARSE = """\
import argparse, os
p = argparse.ArgumentParser()
p.add_argument("--token", {kw})
p.add_argument("--user")
args = p.parse_args()
"""
OPTPARSE = """\
import optparse, os
p = optparse.OptionParser()
p.add_option("--token", {kw})
p.add_option("--user")
opts, args = p.parse_args()
"""
CLICK = """\
import click
@click.command()
@click.option("--token", {kw})
def main(token):
    pass
main()
"""


def fallback(source: str) -> str | None:
    (command,) = analyze_source(source, path="t.py").commands
    (param,) = [p for p in command.params if p.name == "token"]
    return param.env_fallback


@pytest.mark.parametrize(
    ("source", "variable"),
    [
        (ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN", "")'), "APP_TOKEN"),
        (ARGPARSE.format(kw='default=os.getenv("APP_TOKEN")'), "APP_TOKEN"),
        (ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN", "x"), type=str'), "APP_TOKEN"),
        (CLICK.format(kw='envvar="APP_TOKEN"'), "APP_TOKEN"),
        (CLICK.format(kw='envvar=["APP_TOKEN", "OLD_TOKEN"]'), "APP_TOKEN"),
        (
            CLICK.format(kw='default=os.environ.get("APP_TOKEN", "")').replace(
                "import click", "import click, os"
            ),
            "APP_TOKEN",
        ),
        # what is correctly left alone: the variable's text is not the value as it is
        (ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN") or "x"'), None),
        (ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN", "").strip()'), None),
        (ARGPARSE.format(kw='default="a" + os.environ.get("APP_TOKEN", "")'), None),
        (ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN", ""), nargs="+"'), None),
        (ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN", ""), action="append"'), None),
        (
            ARGPARSE.format(kw='default=os.environ.get("APP_TOKEN", "")')
            + 'p.set_defaults(token="fixed")\n',
            None,
        ),
        (ARGPARSE.format(kw='default="fixed"'), None),
        (CLICK.format(kw='envvar="APP_TOKEN", multiple=True'), None),
        (OPTPARSE.format(kw='default=os.environ.get("APP_TOKEN", "")'), "APP_TOKEN"),
        (OPTPARSE.format(kw='default=os.environ.get("APP_TOKEN", ""), nargs=2'), None),
        (
            OPTPARSE.format(kw='default=os.environ.get("APP_TOKEN", "")')
            + 'p.set_defaults(token="fixed")\n',
            None,
        ),
    ],
    ids=[
        "argparse-get",
        "argparse-getenv",
        "argparse-typed",
        "click-envvar",
        "click-envvars",
        "click-default",
        "or-fallback",
        "transformed",
        "concatenated",
        "nargs",
        "append",
        "set-defaults",
        "no-env",
        "click-multiple",
        "optparse-get",
        "optparse-nargs",
        "optparse-set-defaults",
    ],
)
def test_the_variable_a_script_reads_for_an_option(source: str, variable: str | None) -> None:
    assert fallback(source) == variable


SCRIPT = textwrap.dedent("""\
    import argparse, json, os, sys
    p = argparse.ArgumentParser()
    p.add_argument("--api-token", default=os.environ.get("APP_TOKEN", ""))
    p.add_argument("--user", default="nobody")
    args = p.parse_args()
    with open("/proc/self/cmdline", "rb") as f:
        cmdline = f.read().decode().split("\\0")
    print(json.dumps({"argv": sys.argv[1:], "cmdline": cmdline, "token": args.api_token,
                      "user": args.user}))
    """)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secret")
    (root / "src").mkdir()
    (root / "src" / "tokened.py").write_text(SCRIPT)
    assert ingest([root / "src"], root / "ops").exit_code == 0
    return root / "ops"


def test_the_pack_marks_the_secret_and_its_variable(pack: Path) -> None:
    text = (pack / "actions" / "tokened.py").read_text()
    assert "'secret_env': 'APP_TOKEN'" in text
    assert "secret: true" in (pack / "actions" / "tokened.yaml").read_text()


def _seen(stdout: Any) -> dict[str, Any]:
    return stdout if isinstance(stdout, dict) else json.loads(stdout)


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_voodoo_run_passes_the_secret_in_the_environment(pack: Path) -> None:
    exe = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(exe).exists():
        pytest.skip("the voodoo console script is not installed in this environment")
    proc = subprocess.run(
        [exe, "run", str(pack), "tokened", f"api_token={SECRET}", "user=bob", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    seen = _seen(json.loads(proc.stdout)["result"]["result"]["stdout"])
    assert seen["token"] == SECRET and seen["user"] == "bob"
    assert seen["argv"] == ["--user=bob"]
    assert not any(SECRET in part for part in seen["cmdline"])
    assert json.loads(proc.stdout)["parameters"]["api_token"] != SECRET  # masked


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_the_stackstorm_wrapper_passes_the_secret_in_the_environment(pack: Path) -> None:
    ok, result = wrapper_class(pack, "tokened")(config={}).run(api_token=SECRET, user="bob")
    seen = _seen(result["stdout"])
    assert ok and seen["token"] == SECRET
    assert seen["argv"] == ["--user=bob"]
    assert not any(SECRET in part for part in seen["cmdline"])
    # what is left alone: a value that is not secret is still typed
    ok, result = wrapper_class(pack, "tokened")(config={}).run(user="-x")
    assert ok and _seen(result["stdout"])["argv"] == ["--user=-x"]
