"""``voodoo run`` shows a large output cut, says how much it cut, and saves all of it on
request (issue #11, item 6: 100 MB of stdout kept the CLI busy for over 11 minutes; the
time is measured by bench/run_output.py, never asserted here)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from voodoo.ingest import ingest

LINE = "x" * 79 + "\n"
SCRIPT = textwrap.dedent("""\
    import argparse, sys
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=1)
    a = p.parse_args()
    sys.stdout.write("FIRST\\n" + ("x" * 79 + "\\n") * a.lines + "LAST")
    if a.lines > 100:
        sys.stderr.write("E" * 30000)
    """)
BIG = 40_000  # lines: 3.2 MB of stdout


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("output")
    (root / "src").mkdir()
    (root / "src" / "chatty.py").write_text(SCRIPT)
    assert ingest([root / "src"], root / "ops").exit_code == 0
    return root / "ops"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(exe).exists():
        pytest.skip("the voodoo console script is not installed in this environment")
    return subprocess.run([exe, "run", *args], capture_output=True, text=True, timeout=300)


def test_a_large_output_is_shown_cut_with_how_much_was_cut(pack: Path, tmp_path: Path) -> None:
    proc = _run(str(pack), "chatty", f"lines={BIG}")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) < 60_000
    assert "FIRST" in proc.stdout and "LAST" in proc.stdout  # both ends are shown
    stdout_size = len("FIRST\n") + len(LINE) * BIG + len("LAST")
    assert f"of {stdout_size:,} characters not shown" in proc.stdout
    assert "of 30,000 characters not shown" in proc.stdout  # stderr too
    assert "--result-file" in proc.stdout


def test_the_result_file_has_everything(pack: Path, tmp_path: Path) -> None:
    saved = tmp_path / "result.json"
    proc = _run(str(pack), "chatty", f"lines={BIG}", "--result-file", str(saved))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(saved.read_text())
    stdout = data["result"]["result"]["stdout"]
    assert stdout.startswith("FIRST\n") and stdout.endswith("LAST")
    assert stdout.count(LINE) == BIG
    assert data["result"]["result"]["stderr"] == "E" * 30000
    assert data["status"] == "succeeded" and data["action"] == "ops.chatty"
    assert str(saved) in proc.stdout


def test_json_prints_everything(pack: Path) -> None:
    proc = _run(str(pack), "chatty", f"lines={BIG}", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"]["result"]["stdout"].count(LINE) == BIG


def test_a_small_output_is_shown_whole(pack: Path) -> None:
    proc = _run(str(pack), "chatty", "lines=3")
    assert proc.returncode == 0, proc.stderr
    assert "not shown" not in proc.stdout
    assert proc.stdout.count("x" * 79) == 3
