"""Input that used to take the whole run down: each is now a diagnostic for one file.

Issue #11, item 5. Every case runs next to a good script, which must still be ingested;
the CLI cases go through the installed console script (a crash there is a traceback, or a
signal, that no in-process test would see).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.packmaker import make_pack
from voodoo import limits
from voodoo.analysis import analyze_source
from voodoo.check import check
from voodoo.ingest import FileStatus, ingest
from voodoo.limits import DEFAULT_MAX_SIZE

GOOD = """\
import argparse
p = argparse.ArgumentParser()
p.add_argument("--name", default="x")
p.parse_args()
"""


def _voodoo() -> str:
    exe = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(exe).exists():
        pytest.skip("the voodoo console script is not installed in this environment")
    return exe


def _cli(*args: str, cwd: Path | None = None, timeout: float = 120
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_voodoo(), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, check=False)


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode in (0, 1, 2), (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr


def _sources(tmp_path: Path, **scripts: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    for name, text in scripts.items():
        (src / f"{name}.py").write_text(text, encoding="utf-8")
    return src


# --- import names that are no PyPI distribution --------------------------------------------

def test_an_import_that_is_no_distribution_name_is_a_warning_for_that_script(
        tmp_path: Path) -> None:
    src = _sources(tmp_path,
                   private="import _private\nimport requests\n" + GOOD,
                   accented="import café\n" + GOOD)
    result = ingest([src], tmp_path / "ops")
    by_file = {f.relpath: f for f in result.files}
    assert by_file["good.py"].status is FileStatus.INGESTED
    for rel, name in (("private.py", "_private"), ("accented.py", "café")):
        assert by_file[rel].status is FileStatus.INGESTED  # its action is still written
        notes = [d for d in by_file[rel].diagnostics if d.code == "unknown-distribution"]
        assert len(notes) == 1 and name in notes[0].message, by_file[rel].diagnostics
        assert notes[0].severity == "warning"
    # what is a known distribution is required; the others are only named in comments
    lines = (tmp_path / "ops/requirements.txt").read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["requests"]
    assert sum("_private" in line for line in lines) == 1
    assert sum("caf" in line for line in lines) == 1
    assert check([src], tmp_path / "ops").in_sync
    proc = _cli("check", str(src), "--pack", str(tmp_path / "ops"))
    _no_traceback(proc)
    assert proc.returncode == 0


# --- strings UTF-8 cannot hold -----------------------------------------------------------

SURROGATE = """\
import argparse
p = argparse.ArgumentParser(description="fine")
p.add_argument("--odd", default="\\ud800", help="a lone surrogate")
p.add_argument("--mode", choices=["a", "\\udfff"])
p.add_argument("--plain", default="kept")
p.parse_args()
"""


def test_a_lone_surrogate_default_is_left_out_with_a_warning(tmp_path: Path) -> None:
    src = _sources(tmp_path, surrogate=SURROGATE)
    result = ingest([src], tmp_path / "ops")
    by_file = {f.relpath: f for f in result.files}
    assert by_file["good.py"].status is FileStatus.INGESTED
    outcome = by_file["surrogate.py"]
    assert outcome.status is FileStatus.INGESTED
    codes = [d for d in outcome.diagnostics if d.code == "not-utf8"]
    assert {d.message.split("'")[1] for d in codes} == {"odd", "mode"}, outcome.diagnostics
    params = yaml.safe_load((tmp_path / "ops/actions/surrogate.yaml").read_text())["parameters"]
    assert "default" not in params["odd"] and "enum" not in params["mode"]
    assert params["plain"]["default"] == "kept"  # the rest is left alone


def test_inspect_json_of_a_lone_surrogate_is_valid_json(tmp_path: Path) -> None:
    src = _sources(tmp_path, surrogate=SURROGATE)
    proc = _cli("inspect", str(src / "surrogate.py"), "--format", "json")
    _no_traceback(proc)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    params = data[0]["actions"][0]["parameters"]
    assert "default" not in params["odd"] and params["plain"]["default"] == "kept"


def test_a_sub_command_word_with_a_lone_surrogate_fails_alone(tmp_path: Path) -> None:
    src = _sources(tmp_path, group=CLICK_GROUP.format(name="\udcff"))
    result = ingest([src], tmp_path / "ops")
    by_file = {f.relpath: f for f in result.files}
    assert by_file["good.py"].status is FileStatus.INGESTED
    assert by_file["group.py"].status is FileStatus.FAILED
    assert [d.code for d in by_file["group.py"].diagnostics if d.severity == "error"] == [
        "not-utf8"]


# --- nesting the pre-scan did not see -----------------------------------------------------

@pytest.mark.parametrize("expression", [
    'f"{' + "(" * 1500 + "1" + ")" * 1500 + '}"',
    "f'{" + 'f"{' + "[" * 1500 + "]" * 1500 + '}"' + "}'",
    "f'''it\"s {" + "(" * 1500 + "1" + ")" * 1500 + "}'''",  # a quote in the text
])
def test_brackets_nested_inside_an_f_string_fail_alone(tmp_path: Path, expression: str) -> None:
    src = _sources(tmp_path, deep=f"x = {expression}\n" + GOOD)
    proc = _cli("ingest", str(src), "--pack", str(tmp_path / "ops"))
    _no_traceback(proc)  # was: a segmentation fault (exit 139)
    assert proc.returncode == 1
    assert "deep.py:1: error: brackets nested more than" in proc.stdout + proc.stderr
    assert (tmp_path / "ops/actions/good.yaml").is_file()


def test_f_strings_with_nested_fields_are_still_analyzed() -> None:
    script = analyze_source(
        "w = 5\nx = f\"{'a'!r:>{w}} {{literal}} {[1, (2, {3: 4})][0]}\"\n" + GOOD, "ok.py")
    assert script.ok and [p.name for p in script.commands[0].params] == ["name"]


# --- names too long for a file name --------------------------------------------------------

CLICK_GROUP = """\
import click
@click.group()
def cli():
    pass
@cli.command(name={name!r})
@click.option("--n")
def sub(n):
    pass
cli()
"""


def test_very_long_script_and_command_names_fit_in_file_names(tmp_path: Path) -> None:
    long_stem = "s" * 240  # 243 bytes with .py: the temporary file took over 255
    src = _sources(tmp_path, **{long_stem: GOOD,
                                "group": CLICK_GROUP.format(name="c" * 300)})
    ops = tmp_path / "ops"
    for _ in range(2):  # the second run used to fail on the half-written first one
        proc = _cli("ingest", str(src), "--pack", str(ops))
        _no_traceback(proc)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    names = sorted(p.name for p in (ops / "actions").glob("*.yaml"))
    assert len(names) == 3 and "good.yaml" in names
    assert all(len(n.encode()) <= 200 for n in names), names
    assert (ops / "actions/scripts" / f"{long_stem}.py").read_text() == GOOD
    assert not list(ops.rglob("*.voodoo-tmp"))
    result = ingest([src], ops)
    shortened = [d for f in result.files for d in f.diagnostics if d.code == "name-shortened"]
    assert len(shortened) == 2, shortened


# --- --max-size that is no number of megabytes ---------------------------------------------

@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400"])
def test_max_size_must_be_a_finite_number(tmp_path: Path, value: str) -> None:
    src = _sources(tmp_path)
    proc = _cli("ingest", str(src), "--pack", str(tmp_path / "ops"), "--max-size", value)
    _no_traceback(proc)
    assert proc.returncode == 2 and "--max-size" in proc.stderr
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.voodoo]\nsources = ["src"]\npack = "ops"\nmax-size = {value}\n')
    proc = _cli("ingest", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 1 and "max-size" in proc.stderr
    assert not (tmp_path / "ops").exists()


def test_a_large_finite_max_size_is_accepted(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    proc = _cli("ingest", str(src), "--pack", str(tmp_path / "ops"), "--max-size", "1e6")
    assert proc.returncode == 0, proc.stderr


# --- a command line the system refuses ------------------------------------------------------

def test_a_parameter_too_long_for_a_command_line_is_a_clear_error(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"echo": (
        {"runner_type": "local-shell-script", "entry_point": "echo.sh",
         "parameters": {"text": {"type": "string", "position": 0}}},
        "#!/bin/sh\necho \"$1\" | wc -c\n")})
    big = tmp_path / "big.txt"
    big.write_text("x" * 300_000)
    proc = _cli("run", str(pack), "echo", f"text=@{big}")
    _no_traceback(proc)
    assert proc.returncode != 0
    assert "too long" in proc.stdout + proc.stderr
    small = _cli("run", str(pack), "echo", "text=hello")  # left alone: still runs
    assert small.returncode == 0, small.stdout + small.stderr


# --- time and memory bounded per file --------------------------------------------------------

def test_a_file_too_complex_to_analyze_is_refused_before_parsing() -> None:
    line = "x = " + "+".join(["1"] * 10) + "\n"
    source = line * (500_000 // len(line))  # 0.5 MB: took 35 s and 1 GB
    assert len(source) < DEFAULT_MAX_SIZE
    script = analyze_source(source + GOOD, "sums.py")
    errors = [d for d in script.diagnostics if d.severity == "error"]
    assert [d.code for d in errors] == ["too-complex"]
    assert "--max-size" in errors[0].message


def test_the_complexity_bound_leaves_real_scripts_alone() -> None:
    examples = Path(__file__).resolve().parents[1] / "examples/legacy_scripts"
    text = "".join(p.read_text() for p in sorted(examples.glob("*.py")))
    body = text * (DEFAULT_MAX_SIZE // len(text))  # just under 1 MB of real code
    budget = limits.token_budget
    assert limits.nesting_problem(body, max_tokens=budget(DEFAULT_MAX_SIZE)) is None
    assert limits.nesting_problem(body, max_tokens=budget(DEFAULT_MAX_SIZE // 4)) is not None


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX only")
