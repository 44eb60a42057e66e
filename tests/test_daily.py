"""Output for scripts and CI, through the real ``voodoo`` command (``python -m voodoo``) with
its output piped, as a CI job or a script sees it: --quiet, --verbose, --format json,
check's per-file list, plain lines with full names, watch's lines."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.test_sync import BACKUP, RESTART

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
LONG_NAME = "cluster_controller_node_drain_with_a_very_long_name"
WARNED = '''import argparse
import getpass
p = argparse.ArgumentParser(description="Dump a database.")
p.add_argument("--user", default=getpass.getuser(), help="Who connects")
p.parse_args()
'''


def voodoo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voodoo", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=ENV, check=False)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "backup.py").write_text(BACKUP)
    (src / "restart.py").write_text(RESTART)
    (src / "dump.py").write_text(WARNED)  # a warning: the default is not known statically
    (src / f"{LONG_NAME}.py").write_text(RESTART)
    (src / "helpers.py").write_text("def helper():\n    return 1\n")  # skipped: no CLI
    return src


def _many(src: Path, n: int) -> None:
    for i in range(n):
        (src / f"tool{i:02d}.py").write_text(RESTART.replace("Restart", f"Tool {i}:"))


def test_piped_ingest_prints_plain_lines_with_full_names(src: Path, tmp_path: Path) -> None:
    proc = voodoo("ingest", str(src), "--pack", str(tmp_path / "ops"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"{LONG_NAME}.py: ingested (argparse) -> {LONG_NAME}" in out.splitlines()
    assert "backup.py: ingested (argparse) -> backup" in out.splitlines()
    assert "dump.py: ingested (argparse) -> dump; 1 note" in out.splitlines()
    assert "helpers.py: skipped" in out
    assert not set("┏┃│…") & set(out)  # no table, nothing cut
    # a first ingest calls nothing "unchanged" but the pack files it did not have to write
    assert "unchanged files" not in out and "not listed" not in out
    assert "Pack files: " in out and " 0 unchanged" in out


def test_quiet_prints_errors_and_the_summary_only(src: Path, tmp_path: Path) -> None:
    (src / "broken.py").write_text("def f(:\n")
    proc = voodoo("ingest", str(src), "--pack", str(tmp_path / "ops"), "--quiet")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith("broken.py:1: error: ") for line in lines), proc.stdout
    assert lines[-1].startswith("4 actions from 4 scripts; 1 skipped, 1 failed.")
    assert "warning" not in proc.stdout and "backup.py" not in proc.stdout  # left out
    assert "added" not in proc.stdout
    assert voodoo("ingest", str(src), "--pack", "x", "-q", "-v").returncode == 2


def test_verbose_lists_every_file_and_note_of_a_large_run(src: Path, tmp_path: Path) -> None:
    _many(src, 50)
    pack = str(tmp_path / "ops")
    assert voodoo("ingest", str(src), "--pack", pack).returncode == 0
    (src / "backup.py").write_text(BACKUP.replace("default=3", "default=4"))
    normal = voodoo("ingest", str(src), "--pack", pack).stdout
    assert "tool07.py" not in normal and "dump.py:4: warning" not in normal
    assert "54 files that changed nothing in the pack not listed" in normal
    verbose = voodoo("ingest", str(src), "--pack", pack, "--verbose").stdout
    assert "tool07.py: ingested (argparse) -> tool07" in verbose
    assert "dump.py:4: warning: " in verbose and "not listed" not in verbose


def test_ingest_json_is_one_document_for_ci(src: Path, tmp_path: Path) -> None:
    pack = tmp_path / "ops"
    (src / "broken.py").write_text("def f(:\n")
    proc = voodoo("ingest", str(src), "--pack", str(pack), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)  # the whole of stdout
    assert sorted(data["actions"]["written"]) == sorted(["backup", "restart", "dump",
                                                         LONG_NAME])
    assert data["actions"]["unchanged"] == [] and data["actions"]["removed"] == []
    assert "actions/backup.yaml" in data["pack_files"]["written"]
    (dump,) = [d for d in data["diagnostics"] if d["file"] == "dump.py"]
    assert dump["line"] == 4 and dump["severity"] == "warning"
    assert dump["code"] == "unknown-default" and "--user" in dump["message"]
    broken = [d for d in data["diagnostics"] if d["file"] == "broken.py"]
    assert broken and broken[0]["severity"] == "error" and broken[0]["line"] == 1
    assert {f["file"]: f["status"] for f in data["files"]}["helpers.py"] == "skipped"
    # again, with a hand edit voodoo cannot merge and a script change
    (src / "broken.py").unlink()
    (pack / "README.md").write_text("my own notes\n")
    (src / "backup.py").write_text(BACKUP.replace("default=3", "default=4"))
    (src / "restart.py").unlink()
    data = json.loads(voodoo("ingest", str(src), "--pack", str(pack), "--format",
                             "json").stdout)
    assert sorted(data["actions"]["unchanged"]) == sorted(["dump", LONG_NAME])
    assert data["actions"]["written"] == ["backup"]
    assert data["actions"]["removed"] == ["restart"]
    (change,) = [c for c in data["changes"] if c["action"] == "backup"]
    assert {"field": "parameters.retries.default", "old": 3, "new": 4} in change["fields"]
    assert [(c["file"], c["kind"]) for c in data["conflicts"]] == [("README.md", "edited")]


def test_check_lists_each_file_and_speaks_json(src: Path, tmp_path: Path) -> None:
    pack = str(tmp_path / "ops")
    assert voodoo("ingest", str(src), "--pack", pack).returncode == 0
    in_sync = voodoo("check", str(src), "--pack", pack, "--format", "json")
    assert in_sync.returncode == 0 and json.loads(in_sync.stdout)["in_sync"] is True
    assert voodoo("check", str(src), "--pack", pack, "--quiet").stdout == ""
    (src / "backup.py").write_text(BACKUP.replace("default=3", "default=4"))
    proc = voodoo("check", str(src), "--pack", pack)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "updated backup" in lines and "    parameters.retries.default: 3 -> 4" in lines
    # the wrapper and the script's copy, each named (not only counted)
    assert "    updated actions/scripts/backup.py" in lines
    data = json.loads(voodoo("check", str(src), "--pack", pack, "--format", "json").stdout)
    assert data["in_sync"] is False and data["exit_code"] == 1
    assert data["actions"]["written"] == ["backup"]
    assert "actions/scripts/backup.py" in data["pack_files"]["written"]
    quiet = voodoo("check", str(src), "--pack", pack, "-q")
    assert quiet.returncode == 1 and quiet.stdout == "" and "out of sync" in quiet.stderr
    verbose = voodoo("check", str(src), "--pack", pack, "-v")
    assert "dump.py:4: warning: " in verbose.stdout


def _project(root: Path) -> Path:
    (root / "scripts").mkdir(parents=True)
    (root / "scripts/backup.py").write_text(BACKUP)
    (root / "scripts/restart.py").write_text(RESTART)
    (root / "pyproject.toml").write_text(
        '[tool.voodoo]\nsources = ["scripts"]\npack = "packs/ops"\n')
    return root


def test_the_hook_shows_the_per_field_diff(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert voodoo("sync", cwd=root).returncode == 1
    (root / "scripts/backup.py").write_text(BACKUP.replace("default=3", "default=4"))
    proc = voodoo("sync", "scripts/backup.py", cwd=root)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[:2] == ["updated backup",
                                            "    parameters.retries.default: 3 -> 4"]
    (root / "scripts/backup.py").write_text(BACKUP.replace("default=3", "default=5"))
    quiet = voodoo("sync", "--quiet", cwd=root)
    assert quiet.returncode == 1 and "updated backup" not in quiet.stdout
    assert re.search(r"packs/ops: updated \d+ file\(s\), removed 0$", quiet.stdout.strip())


def test_piped_watch_prints_its_start_and_every_error_as_a_line(src: Path,
                                                                tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "voodoo", "watch", str(src), "--pack", str(tmp_path / "ops")],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    out = proc.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in out], daemon=True).start()
    seen: list[str] = []

    def until(pattern: str) -> str:
        while True:
            line = lines.get(timeout=60)
            seen.append(line)
            if re.search(pattern, line):
                return line

    try:
        assert until(r"^watching, syncing ").strip() == f"watching, syncing {tmp_path / 'ops'}..."
        until(r"in sync: 4 actions in .*; watching")
        (src / "broken.py").write_text("import argparse\ndef f(:\n")
        error = until(r"broken\.py")
        assert re.fullmatch(r"\d\d:\d\d:\d\d broken\.py:2: error: .+\[\w[\w-]*\]\n", error)
        until(r"1 script\(s\) broken, last good action kept; watching")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert sum("broken.py:2" in line for line in seen) == 1  # each error once
