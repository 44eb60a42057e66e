"""Issue 16: generated packs that StackStorm registers and runs as the script expects.

Each case ingests a small script, checks the action metadata, that ``validate`` finds the
pack clean, and runs the action for real to see the argv the script receives.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fidelity import load_runtime, python38, wrapper_spec
from voodoo.analysis import analyze_source
from voodoo.errors import ParameterError
from voodoo.ingest import ingest
from voodoo.local.execute import run_action
from voodoo.validate import validate_pack

ECHO_ARGV = "import json, sys\nprint(json.dumps(sys.argv[1:]))\n"


def _pack(tmp_path: Path, name: str, source: str) -> Path:
    scripts = tmp_path / "src"
    scripts.mkdir(exist_ok=True)
    (scripts / name).write_text(textwrap.dedent(source).lstrip())
    pack = tmp_path / "ops"
    result = ingest([scripts], pack)
    assert result.exit_code == 0, [(f.relpath, f.diagnostics) for f in result.files]
    return pack


def _action(pack: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((pack / "actions" / f"{name}.yaml").read_text())
    return data


def _argv(pack: Path, action: str, params: dict[str, Any]) -> list[str]:
    execution = run_action(pack, action, params, log=False)
    assert execution.status == "succeeded", execution.result
    stdout: list[str] = execution.result["result"]["stdout"]
    return stdout


def _errors(pack: Path) -> list[str]:
    return [str(p) for p in validate_pack(pack) if p.severity.value == "error"]


# --- 2. reserved parameter names ------------------------------------------------------

RESERVED = """
import argparse, json
p = argparse.ArgumentParser()
p.add_argument("--self")
p.add_argument("--st2kv")
p.add_argument("--action-context")
p.add_argument("--config_context")
p.add_argument("--class", dest="class")
p.add_argument("--host")
print(json.dumps(vars(p.parse_args())))
"""


def test_reserved_names_are_renamed_and_the_script_gets_its_options(tmp_path: Path) -> None:
    script = analyze_source(RESERVED.encode(), "svc.py")
    (command,) = script.commands
    assert [(p.name, p.dest) for p in command.params] == [
        ("script_self", "self"),
        ("script_st2kv", "st2kv"),
        ("script_action_context", "action_context"),
        ("script_config_context", "config_context"),
        ("script_class", "class"),
        ("host", "host"),  # left alone
    ]
    renamed = [d.message for d in script.diagnostics if d.code == "param-renamed"]
    assert len(renamed) == 5
    assert renamed[0].startswith("parameter 'self' cannot be a keyword argument")
    assert "the action calls it 'script_self'" in renamed[0]
    assert "StackStorm's parameter rendering" in renamed[1]
    assert "is a Python keyword" in renamed[4]

    pack = _pack(tmp_path, "svc.py", RESERVED)
    assert _errors(pack) == []
    got = _argv(pack, "svc", {"script_self": "a", "script_st2kv": "b",
                              "script_action_context": "c", "script_config_context": "d",
                              "script_class": "e", "host": "h"})
    assert got == {"self": "a", "st2kv": "b", "action_context": "c",
                   "config_context": "d", "class": "e", "host": "h"}


# --- 1. pack.yaml email ------------------------------------------------------------------

SIMPLE = """
import argparse
p = argparse.ArgumentParser()
p.add_argument("--host")
p.parse_args()
"""


def _pack_yaml(pack: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((pack / "pack.yaml").read_text())
    return data


def test_email_from_the_configuration(tmp_path: Path) -> None:
    from voodoo.config import Config, PackMeta

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(SIMPLE)
    config = Config(path=tmp_path / "voodoo.yaml", sources=("src",), pack=tmp_path / "ops",
                    metadata=PackMeta(email="ops@example.com"))
    result = ingest([], tmp_path / "ops", config=config)
    assert _pack_yaml(tmp_path / "ops")["email"] == "ops@example.com"
    assert result.notes == ()
    assert validate_pack(tmp_path / "ops") == []


def test_email_from_the_source_repositorys_git_config(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[user]\n\temail = dev@example.org\n")
    pack = _pack(tmp_path, "a.py", SIMPLE)
    assert _pack_yaml(pack)["email"] == "dev@example.org"
    assert validate_pack(pack) == []


def test_placeholder_email_with_a_warning(tmp_path: Path) -> None:
    from voodoo.stackstorm import PLACEHOLDER_EMAIL

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(SIMPLE)
    result = ingest([tmp_path / "src"], tmp_path / "ops")
    assert _pack_yaml(tmp_path / "ops")["email"] == PLACEHOLDER_EMAIL
    (note,) = result.notes
    assert (note.path, note.severity.value, note.code) == ("pack.yaml", "warning", "pack-email")
    assert "set the maintainer's address" in note.message
    problems = validate_pack(tmp_path / "ops")
    assert [(p.field, p.severity.value) for p in problems] == [("email", "warning")]
    # pack.yaml is the user's once created: a hand-written one without email is reported
    (tmp_path / "ops" / "pack.yaml").write_text("name: ops\nauthor: me\n")
    result = ingest([tmp_path / "src"], tmp_path / "ops")
    (note,) = result.notes
    assert note.message.startswith("pack.yaml has no email: StackStorm refuses")
    (tmp_path / "ops" / "pack.yaml").write_text("name: ops\nauthor: me\nemail: me@x.org\n")
    assert ingest([tmp_path / "src"], tmp_path / "ops").notes == ()


# --- 3. values StackStorm accepts but the script cannot take -----------------------------

PRIORITY = """
import click, json, sys
@click.command()
@click.option("--low", "priority", flag_value=1)
@click.option("--high", "priority", flag_value=5, default=3)
def main(priority):
    print(json.dumps(sys.argv[1:]))
main()
"""


def test_multi_const_dest_gets_the_enum_of_its_consts_and_default(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "prio.py", PRIORITY)
    spec = _action(pack, "prio")["parameters"]["priority"]
    assert spec == {"type": "integer", "default": 3, "enum": [1, 5, 3]}
    assert _errors(pack) == []
    assert _argv(pack, "prio", {"priority": 5}) == ["--high"]
    assert _argv(pack, "prio", {"priority": 3}) == []


def test_out_of_enum_value_is_a_clear_failure_not_a_traceback(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "prio.py", PRIORITY)
    path = pack / "actions" / "prio.yaml"
    path.write_text(path.read_text().replace("    enum:\n      - 1\n      - 5\n      - 3\n", ""))
    assert _errors(pack) == [
        "actions/prio.yaml:parameters.priority.enum: the script only takes 1, 5, 3 (store_const"
        " options --low, --high); StackStorm accepts any other value and the run fails: set"
        " enum to [1, 5, 3]"
    ]
    # voodoo run refuses it before anything runs (exit 2, "bad parameters")...
    with pytest.raises(ParameterError, match=r"7 is not one of the values the script accepts"):
        run_action(pack, "prio", {"priority": 7}, log=False)
    # ...and the wrapper StackStorm runs fails the run with the reason, never a traceback
    runtime = load_runtime()
    spec = wrapper_spec(pack / "actions" / "prio.py")
    ok, result = runtime.run_script(str(pack / "actions" / "prio.py"), spec, {"priority": 7})
    assert not ok and result["exit_code"] == 2
    assert "7 is not one of the values the script accepts (1, 5)" in result["stderr"]
    assert "Traceback" not in result["stderr"]


GETOPT = """
import getopt, json, sys
opts, args = getopt.getopt(sys.argv[1:], "h:p:v", ["host", "port=", "verbose"])
host = "localhost"
port = 22
verbose = False
for o, a in opts:
    if o in ("-h", "--host"):
        host = a
    elif o in ("-p", "--port"):
        port = int(a)
    elif o in ("-v", "--verbose"):
        verbose = True
print(json.dumps({"argv": sys.argv[1:], "host": host, "port": port, "verbose": verbose}))
"""


def test_getopt_value_goes_to_the_spelling_that_takes_one(tmp_path: Path) -> None:
    """``h:`` takes a value, ``--host`` (no ``=``) does not: ``--host=x`` is an error."""
    pack = _pack(tmp_path, "conn.py", GETOPT)
    params = _action(pack, "conn")["parameters"]
    assert set(params) == {"host", "port", "verbose"}  # named after the long options
    assert _errors(pack) == []
    got: Any = _argv(pack, "conn", {"host": "db1", "port": 2222, "verbose": True})
    assert got == {"argv": ["-hdb1", "--port=2222", "--verbose"], "host": "db1",
                   "port": 2222, "verbose": True}


TEMPLATED = {
    "argparse": 'import argparse\np = argparse.ArgumentParser()\n'
                'p.add_argument("--fmt", default=FMT)\np.parse_args()\n',
    "optparse": 'import optparse\np = optparse.OptionParser()\n'
                'p.add_option("--fmt", default=FMT)\np.parse_args()\n',
    "click": 'import click\n@click.command()\n@click.option("--fmt", default=FMT)\n'
             'def main(fmt):\n    pass\nmain()\n',
    "typer": 'import typer\ndef main(fmt: str = FMT):\n    pass\ntyper.run(main)\n',
    "getopt": 'import getopt, sys\nopts, args = getopt.getopt(sys.argv[1:], "", ["fmt="])\n'
              'fmt = FMT\nfor o, a in opts:\n    if o == "--fmt":\n        fmt = a\n',
    "fire": 'import fire\ndef main(fmt=FMT):\n    pass\nfire.Fire(main)\n',
}


@pytest.mark.parametrize("framework", sorted(TEMPLATED))
def test_templated_default_is_wrapped_in_raw_exactly_once(framework: str) -> None:
    from voodoo.local.templates import render
    from voodoo.stackstorm import action_metadata

    source = TEMPLATED[framework].replace("FMT", repr("{{ host }}:{% x %}"))
    script = analyze_source(source.encode(), "t.py")
    assert script.framework == framework
    (command,) = script.commands
    (param,) = [p for p in command.params if p.name == "fmt"]
    assert param.default == "{{ host }}:{% x %}"  # the model holds the script's value
    meta: Any = action_metadata(command, pack_ref="p", entry_point="t.py")
    default = meta["parameters"]["fmt"]["default"]
    assert default == "{% raw %}{{ host }}:{% x %}{% endraw %}"
    # what StackStorm renders it to is the script's own default
    assert render(default, lambda name, attr: pytest.fail("no lookup")) == param.default


# --- 4. requirements.txt that installs ----------------------------------------------------

IMPORTS = """
import os
import yaml
import libcloud.compute
import oschecks.disk
import mystery_ops_lib
import argparse
p = argparse.ArgumentParser()
p.add_argument("--host")
p.parse_args()
"""


def test_requirements_name_only_known_distributions(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # a repository whose own package sits beside scripts/
    (tmp_path / "oschecks").mkdir()
    (tmp_path / "oschecks" / "__init__.py").write_text("")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "check.py").write_text(IMPORTS)
    result = ingest([tmp_path / "scripts"], tmp_path / "ops")
    assert (tmp_path / "ops" / "requirements.txt").read_text() == (
        "apache-libcloud\n"
        "PyYAML\n"
        "# unknown distribution, add it by hand: mystery_ops_lib (imported at check.py:6)\n"
    )
    (outcome,) = result.files
    (warning,) = [d for d in outcome.diagnostics if d.code == "unknown-distribution"]
    assert (warning.path, warning.line, warning.severity.value) == ("check.py", 6, "warning")
    assert "'mystery_ops_lib'" in warning.message


def test_inspect_json_reports_the_mapping_per_name(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "oschecks.py").write_text("")
    (tmp_path / "check.py").write_text(IMPORTS)
    out = subprocess.run(
        [sys.executable, "-m", "voodoo", "inspect", "check.py", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout
    (data,) = json.loads(out)
    assert data["requirements"] == [
        {"import": "argparse", "distribution": None, "how": "stdlib"},
        {"import": "libcloud", "distribution": "apache-libcloud", "how": "curated"},
        {"import": "mystery_ops_lib", "distribution": None, "how": "unknown"},
        {"import": "os", "distribution": None, "how": "stdlib"},
        {"import": "oschecks", "distribution": None, "how": "local"},
        {"import": "yaml", "distribution": "PyYAML", "how": "curated"},
    ]


# --- 5. local runs closer to StackStorm ---------------------------------------------------

WHERE = """
import argparse, json, os
p = argparse.ArgumentParser()
p.add_argument("--file", default="data.txt")
a = p.parse_args()
print(json.dumps({"cwd": os.getcwd(), "read": open(a.file).read().strip()}))
"""


def test_scripts_run_in_their_own_folder_in_the_pack(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _pack(tmp_path, "where.py", WHERE)
    folder = pack / "actions" / "scripts"
    (folder / "data.txt").write_text("next to the script\n")
    monkeypatch.chdir(tmp_path)  # the caller's directory does not matter
    got: Any = _argv(pack, "where", {})
    assert got == {"cwd": str(folder.resolve()), "read": "next to the script"}


def test_working_directory_override_per_script(tmp_path: Path) -> None:
    from voodoo.config import Config, ScriptOverride

    work = tmp_path / "work"
    work.mkdir()
    (work / "data.txt").write_text("from the configured folder\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "where.py").write_text(WHERE)
    config = Config(path=tmp_path / "voodoo.yaml", sources=("src",), pack=tmp_path / "ops",
                    scripts={"where.py": ScriptOverride(cwd=str(work))})
    assert ingest([], tmp_path / "ops", config=config).exit_code == 0
    got: Any = _argv(tmp_path / "ops", "where", {})
    assert got == {"cwd": str(work), "read": "from the configured folder"}
    # a folder that does not exist fails the run with a message, not a traceback
    work.rename(tmp_path / "gone")
    execution = run_action(tmp_path / "ops", "where", {}, log=False)
    assert execution.status == "failed"
    result = execution.result["result"]
    assert result["exit_code"] == 2 and "the working directory" in result["stderr"]
    assert "Traceback" not in execution.result["stderr"]


VERSION = """
import argparse, json, sys
p = argparse.ArgumentParser()
p.add_argument("--name", default="x")
p.parse_args()
print(json.dumps({"version": list(sys.version_info[:2]), "executable": sys.executable}))
"""

def test_run_under_another_python(tmp_path: Path) -> None:
    """``voodoo run --python``: the wrapper, the runtime and the script run under the pack
    virtualenv's interpreter (here Python 3.8, StackStorm 3.x's), as StackStorm runs them."""
    import subprocess
    import sys

    python = python38()
    pack = _pack(tmp_path, "ver.py", VERSION)
    out = subprocess.run(
        [sys.executable, "-m", "voodoo", "run", str(pack), "ver", "--python", str(python),
         "--json"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)["result"]["result"]
    assert result["stdout"]["version"] == [3, 8]
    # the configured interpreter is used when --python is not given
    (tmp_path / "voodoo.yaml").write_text(f"sources: [src]\npython: {python}\n")
    out = subprocess.run(
        [sys.executable, "-m", "voodoo", "run", str(pack), "ver", "--json"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert json.loads(out.stdout)["result"]["result"]["stdout"]["version"] == [3, 8]
    # a missing interpreter is a clear error, nothing is run
    out = subprocess.run(
        [sys.executable, "-m", "voodoo", "run", str(pack), "ver", "--python",
         str(tmp_path / "nope")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 2 and "not found or not executable" in out.stderr


def test_the_hand_written_test_packs_pass_validate(tmp_path: Path) -> None:
    import shutil

    from tests.packmaker import FIXTURE, make_pack, python_action, shell_action

    handwritten = tmp_path / "handwritten"  # its ref: st2 pack install names it so
    shutil.copytree(FIXTURE, handwritten)
    assert validate_pack(handwritten) == []
    pack = make_pack(tmp_path, {"py": python_action("return (True, kw)"),
                                "sh": shell_action({"who": {"type": "string"}})})
    assert validate_pack(pack) == []
