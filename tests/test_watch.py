"""voodoo watch, driven in-process with real file events and bounded waits."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.test_sync import BACKUP, RESTART
from voodoo._writer import TEMP_SUFFIX as _TMP_SUFFIX
from voodoo.watch import SyncEvent, watch

REPO = Path(__file__).resolve().parent.parent
DEBOUNCE = 0.4
WAIT = 30.0  #: upper bound for one sync to show up (never reached when things work)


class Watcher:
    def __init__(self, src: Path, pack: Path) -> None:
        self.events: queue.Queue[SyncEvent] = queue.Queue()
        self.stop = threading.Event()
        ready = threading.Event()
        self.thread = threading.Thread(target=watch, args=([src], pack), kwargs={
            "debounce": DEBOUNCE, "on_sync": self.events.put, "stop": self.stop,
            "ready": ready})
        self.thread.start()
        assert ready.wait(WAIT)
        self.next()  # the initial sync

    def next(self) -> SyncEvent:
        return self.events.get(timeout=WAIT)

    def assert_quiet(self) -> None:
        """No further sync: bounded by a few debounce periods, not a fixed test sleep."""
        with pytest.raises(queue.Empty):
            self.events.get(timeout=DEBOUNCE * 4)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "backup.py").write_text(BACKUP)
    (src / "sub/restart.py").write_text(RESTART)
    return src


@pytest.fixture
def watcher(src: Path, tmp_path: Path) -> Iterator[Watcher]:
    w = Watcher(src, tmp_path / "ops")
    yield w
    w.stop.set()
    w.thread.join(WAIT)
    assert not w.thread.is_alive()


def _default(pack: Path) -> object:
    meta = yaml.safe_load((pack / "actions/backup.yaml").read_text())
    return meta["parameters"]["retries"]["default"]


def test_a_save_through_a_temp_file_and_rename_is_one_sync(watcher: Watcher, src: Path,
                                                           tmp_path: Path) -> None:
    tmp = src / ".backup.py.swp"
    tmp.write_text(BACKUP.replace("default=3", "default=8"))
    os.replace(tmp, src / "backup.py")
    event = watcher.next()
    assert event.result is not None and event.result.plan.changes
    assert _default(tmp_path / "ops") == 8
    watcher.assert_quiet()


def test_a_burst_of_200_changes_is_one_sync(watcher: Watcher, src: Path,
                                            tmp_path: Path) -> None:
    (src / "data").mkdir()
    for i in range(200):
        (src / "data" / f"f{i}.txt").write_text(str(i))
    (src / "backup.py").write_text(BACKUP.replace("default=3", "default=9"))
    event = watcher.next()
    assert event.result is not None
    assert _default(tmp_path / "ops") == 9
    watcher.assert_quiet()


def test_a_broken_script_keeps_its_action_until_fixed(watcher: Watcher, src: Path,
                                                      tmp_path: Path) -> None:
    (src / "backup.py").write_text("def broken(:\n")
    event = watcher.next()
    assert event.result is not None and [f.relpath for f in event.result.failed] == [
        "backup.py"]
    assert _default(tmp_path / "ops") == 3  # the last good action
    (src / "backup.py").write_text(BACKUP.replace("default=3", "default=4"))
    event = watcher.next()
    assert event.result is not None and not event.result.failed
    assert _default(tmp_path / "ops") == 4


def test_a_deleted_folder_and_a_new_script(watcher: Watcher, src: Path,
                                           tmp_path: Path) -> None:
    shutil.rmtree(src / "sub")
    watcher.next()
    assert not (tmp_path / "ops/actions/restart.yaml").exists()
    (src / "again.py").write_text(RESTART)
    watcher.next()
    assert (tmp_path / "ops/actions/again.yaml").is_file()


def _actions(pack: Path) -> list[str]:
    return sorted(p.stem for p in (pack / "actions").glob("*.yaml"))


def test_a_renamed_script_renames_its_action_and_leaves_the_other(
        watcher: Watcher, src: Path, tmp_path: Path) -> None:
    os.replace(src / "backup.py", src / "archive.py")
    event = watcher.next()
    assert event.result is not None
    assert {c.action: c.kind.value for c in event.result.changes
            if c.action and c.kind.value != "unchanged"} == {"archive": "renamed"}
    assert _actions(tmp_path / "ops") == ["archive", "restart"]


def test_a_new_folder_with_a_script(watcher: Watcher, src: Path, tmp_path: Path) -> None:
    (src / "more").mkdir()
    (src / "more/again.py").write_text(RESTART)
    watcher.next()
    assert _actions(tmp_path / "ops") == ["again", "backup", "restart"]


def test_a_helper_module_edit_updates_the_copies_of_the_scripts_importing_it(
        watcher: Watcher, src: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ops/actions/scripts/helper.py"

    def until_copied(text: str) -> None:  # (the two writes may come as one sync or two)
        while not (copy.is_file() and copy.read_text() == text):
            event = watcher.next()
            assert event.result is not None and not event.result.failed

    (src / "helper.py").write_text("RETRIES = 3\n")
    (src / "uses.py").write_text("import helper\n" + RESTART)
    until_copied("RETRIES = 3\n")
    (src / "helper.py").write_text("RETRIES = 4\n")
    until_copied("RETRIES = 4\n")
    assert _actions(tmp_path / "ops") == ["backup", "restart", "uses"]


def test_the_packs_own_writes_inside_the_sources_are_ignored(src: Path) -> None:
    w = Watcher(src, src / "ops")
    try:
        (src / "backup.py").write_text(BACKUP.replace("default=3", "default=6"))
        assert w.next().result is not None
        w.assert_quiet()  # writing the pack did not trigger another sync
    finally:
        w.stop.set()
        w.thread.join(WAIT)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_the_watch_command_syncs_shows_its_status_and_stops_cleanly_on_ctrl_c(
        src: Path, tmp_path: Path) -> None:
    """The real ``voodoo watch`` process, its rich status line live as in a terminal: first
    sync, a re-sync after an edit, then SIGINT -> exit 0, no traceback, no temporary file."""
    pack = tmp_path / "ops"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TTY_COMPATIBLE": "1",
           "TTY_INTERACTIVE": "1", "COLUMNS": "300"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voodoo", "watch", str(src), "--pack", str(pack),
         "--debounce", str(DEBOUNCE)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: queue.Queue[bytes] = queue.Queue()
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    threading.Thread(target=lambda: [chunks.put(c) for c in iter(lambda: os.read(fd, 4096), b"")],
                     daemon=True).start()
    shown = ""

    def until(*texts: str) -> None:
        """Bounded wait for the screen to show ``texts`` in this order."""
        nonlocal shown
        while not re.search(".*".join(map(re.escape, texts)), shown, re.S):
            shown += _ANSI.sub("", chunks.get(timeout=WAIT).decode())

    try:
        until("added backup", "in sync", ": 2 actions in", "watching (Ctrl-C to stop)")
        (src / "backup.py").write_text(BACKUP.replace("default=3", "default=11"))
        # seen by the catch-up check or by the observer; then the status line again
        until("updated backup", "in sync", ": 2 actions in")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"Warning" not in err, err
    assert _default(pack) == 11
    assert not [p for p in pack.rglob("*") if p.name.endswith(_TMP_SUFFIX)]  # none half-written
