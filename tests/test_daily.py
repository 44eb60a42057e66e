"""Output for scripts and CI, through the real ``voodoo`` command (``python -m voodoo``) with
its output piped, as a CI job or a script sees it: --quiet, --verbose, --format json,
check's per-file list, plain lines with full names, watch's lines."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
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
    # exactly the README's example of the hook's output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("field by field:\n\n```\n", 1)[1].split("```", 1)[0]
    assert proc.stdout == example
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


# -- the commands people reach for ----------------------------------------------------------

def _ingested(root: Path) -> Path:
    root = _project(root)
    assert voodoo("ingest", cwd=root).returncode == 0
    return root


def test_actions_lists_a_packs_actions_with_their_descriptions(tmp_path: Path) -> None:
    root = _ingested(tmp_path)
    proc = voodoo("actions", cwd=root)  # the configured pack
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["backup   Back up a folder.",
                                        "restart  Restart a service."]
    assert voodoo("actions", "packs/ops", cwd=root).stdout == proc.stdout
    assert voodoo("actions", cwd=tmp_path.parent).returncode == 2  # no pack, none configured


def test_show_prints_one_actions_parameters(tmp_path: Path) -> None:
    root = _ingested(tmp_path)
    proc = voodoo("show", "backup", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "ops.backup (python-script)" in proc.stdout and "Back up a folder." in proc.stdout
    assert re.search(r"retries\s+│?\s*integer\s+│?\s*│?\s*3\b", proc.stdout), proc.stdout
    assert voodoo("run", "backup", "--help", cwd=root).stdout == proc.stdout
    assert voodoo("show", "packs/ops", "backup", cwd=root).stdout == proc.stdout
    missing = voodoo("show", "nope", cwd=root)
    assert missing.returncode == 2 and "no action named 'nope'" in missing.stderr


def test_run_and_history_use_the_configured_pack(tmp_path: Path) -> None:
    root = _ingested(tmp_path)
    assert voodoo("history", cwd=root).stdout.startswith("no executions recorded in ")
    ran = voodoo("run", "backup", "source=/srv", "retries=5", cwd=root)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "status: succeeded" in ran.stdout
    listed = voodoo("history", cwd=root)
    (line,) = [x for x in listed.stdout.splitlines() if "ops.backup" in x]
    run_id = re.search(r"\b[0-9a-f]{8}\b", line)
    assert run_id, line
    shown = voodoo("history", "--show", run_id.group(), cwd=root)
    assert shown.returncode == 0, shown.stderr
    assert "action: ops.backup" in shown.stdout and "retries: 5" in shown.stdout
    assert "exit_code: 0" in shown.stdout
    assert voodoo("history", "--show", "ffffffff", cwd=root).returncode == 2
    missing = voodoo("history", "nope", cwd=root)
    assert missing.returncode == 2 and "no action named 'nope'" in missing.stderr
    none = voodoo("history", "restart", cwd=root)
    assert none.returncode == 0 and "no executions recorded" in none.stdout
    assert "for restart" in none.stdout


def test_init_writes_the_configuration_and_the_hook_asking_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ops"\n')
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/backup.py").write_text(BACKUP)
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.0\n"
        "    hooks:\n      - id: ruff\n")
    proc = subprocess.run(
        [sys.executable, "-m", "voodoo", "init", "--sources", "scripts", "--pack", "packs/ops",
         "--author", "Ops team", "--email", "ops@example.com"], cwd=tmp_path, env=ENV,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    import tomllib

    doc = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert doc["project"] == {"name": "ops"}
    assert doc["tool"]["voodoo"] == {"sources": ["scripts"], "pack": "packs/ops", "metadata": {
        "author": "Ops team", "email": "ops@example.com"}}
    import yaml

    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"]
    assert [r["repo"] for r in hooks] == ["https://github.com/astral-sh/ruff-pre-commit",
                                          "local"]
    assert hooks[1]["hooks"][0]["id"] == "voodoo-sync"
    assert hooks[1]["hooks"][0]["entry"] == "voodoo sync"
    assert voodoo("ingest", cwd=tmp_path).returncode == 0
    assert (tmp_path / "packs/ops/actions/backup.yaml").is_file()
    again = voodoo("init", "--sources", "scripts", cwd=tmp_path)
    assert again.returncode == 1 and "already configured" in again.stderr


def test_init_without_pyproject_writes_voodoo_yaml(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "voodoo", "init", "--no-pre-commit"],
                          cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    import yaml

    assert yaml.safe_load((tmp_path / "voodoo.yaml").read_text()) == {
        "sources": ["scripts"], "pack": f"packs/{tmp_path.name}"}
    assert not (tmp_path / ".pre-commit-config.yaml").exists()


def test_inspect_takes_folders_and_functions_and_names_each_action_with_its_description(
        ) -> None:
    examples = ROOT / "examples" / "legacy_scripts"
    proc = voodoo("inspect", str(examples), "--functions")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "action netutils_subnet_of: Return the network an address belongs to." in lines
    assert "action db_dump: Plan a pg_dump of one database." in lines
    plain = voodoo("inspect", str(examples / "netutils.py"))
    assert "netutils_subnet_of" not in plain.stdout  # functions only with --functions


# -- what belongs in git ---------------------------------------------------------------------

def test_the_state_folder_keeps_the_manifest_in_git_and_nothing_else(tmp_path: Path) -> None:
    root = _ingested(tmp_path)
    assert voodoo("run", "backup", "source=/srv", cwd=root).returncode == 0
    state = root / "packs/ops/.voodoo"
    assert {p.name for p in state.iterdir()} >= {".gitignore", "manifest.json", "cache",
                                                  "lock", "executions.jsonl"}
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    tracked = subprocess.run(["git", "ls-files", "packs/ops/.voodoo"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.split()
    assert tracked == ["packs/ops/.voodoo/.gitignore", "packs/ops/.voodoo/manifest.json"]
    # a clone (no cache, no log) is checked against the manifest alone
    shutil.rmtree(state / "cache")
    assert voodoo("check", cwd=root).returncode == 0
    # a .gitignore the user changed is theirs
    (state / ".gitignore").write_text("*\n")
    assert voodoo("ingest", cwd=root).returncode == 0
    assert (state / ".gitignore").read_text() == "*\n"


def test_the_run_log_is_rotated_at_its_configured_size(tmp_path: Path) -> None:
    root = _ingested(tmp_path)
    config = root / "pyproject.toml"
    config.write_text(config.read_text() + "run-log-size = 0.001\n")  # 1,048 bytes
    for i in range(8):
        assert voodoo("run", "backup", "source=/srv", f"retries={i}", cwd=root).returncode == 0
    state = root / "packs/ops/.voodoo"
    log, old = state / "executions.jsonl", state / "executions.jsonl.1"
    assert old.is_file() and log.stat().st_size <= 1048 and old.stat().st_size <= 1048
    assert not (state / "executions.jsonl.2").exists()  # the log and the one before, no more
    listed = voodoo("history", "-n", "50", "--json", cwd=root).stdout.splitlines()
    retries = [json.loads(line)["parameters"]["retries"] for line in listed]
    assert retries == sorted(retries, reverse=True) and retries[0] == 7  # newest first
    assert 1 < len(retries) < 8


# -- pre-commit as its users expect --------------------------------------------------------

def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_the_readme_pre_commit_config_is_complete_and_pins_a_released_tag() -> None:
    import tomllib

    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### pre-commit\n", 1)[1].split("\n## ", 1)[0]
    remote, local = (yaml.safe_load(block) for block in _yaml_blocks(section))
    (repo,) = remote["repos"]  # a whole file: a top-level repos: list
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert repo["rev"] == f"v{version}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M)
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in repo["hooks"]] == ["voodoo-sync"]
    assert repo["hooks"][0]["id"] in {h["id"] for h in hooks}
    # the local entry is what voodoo init writes, and runs what the published hook runs
    from voodoo.init import HOOK

    assert local == {"repos": yaml.safe_load(HOOK)}
    (published,) = [h for h in hooks if h["id"] == "voodoo-sync"]
    assert local["repos"][0]["hooks"][0]["entry"] == published["entry"]


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_watch_on_a_terminal_prints_an_error_in_full_above_its_status(src: Path,
                                                                      tmp_path: Path) -> None:
    """Rich's live status line as on a narrow terminal: the error is a line of its own,
    not cut to the width and not replaced by the next status."""
    env = {**ENV, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voodoo", "watch", str(src), "--pack", str(tmp_path / "ops")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: queue.Queue[bytes] = queue.Queue()
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    threading.Thread(target=lambda: [chunks.put(c) for c in iter(lambda: os.read(fd, 4096), b"")],
                     daemon=True).start()
    shown = ""

    def until(pattern: str) -> None:
        nonlocal shown
        deadline = time.monotonic() + 120  # (the live display never stops writing)
        while not re.search(pattern, shown, re.S):
            assert time.monotonic() < deadline, f"no {pattern!r} in {shown[-2000:]!r}"
            shown += _ANSI.sub("", chunks.get(timeout=60).decode())

    try:
        until(r"\d in sync: ")  # (the status line itself is cut to the width)
        (src / "broken.py").write_text("import argparse\ndef f(:\n")
        until(r"broken, last good")  # (the error is printed before the status)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = shown.replace("\r", "\n").splitlines()
    (error,) = {line.strip() for line in lines if "broken.py:2: error:" in line}
    assert len(error) > 60 and error.endswith("]")  # the whole line, its code at the end


def test_sync_verbose_adds_every_diagnostic(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "scripts/dump.py").write_text(WARNED)
    proc = voodoo("sync", "--verbose", cwd=root)
    assert proc.returncode == 1
    assert "added dump" in proc.stdout and "dump.py:4: warning: " in proc.stdout
    (root / "scripts/dump.py").write_text(WARNED.replace("Who connects", "Who logs in"))
    assert "dump.py:4: warning: " not in voodoo("sync", cwd=root).stdout


def test_piped_watch_quiet_prints_only_errors(src: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "voodoo", "watch", str(src), "--pack", str(tmp_path / "ops"),
         "--quiet"], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "ops/actions/backup.yaml").is_file():  # the first sync is done
            assert time.monotonic() < deadline
            time.sleep(0.1)
        (src / "broken.py").write_text("import argparse\ndef f(:\n")
        while not (tmp_path / "ops/.voodoo/cache/index.json").is_file() or "broken.py" not in (
                tmp_path / "ops/.voodoo/cache/index.json").read_text():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    (line,) = out.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d broken\.py:2: error: .+", line)
