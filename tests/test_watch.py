"""voodoo watch, driven in-process with real file events and bounded waits."""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.test_sync import BACKUP, RESTART
from voodoo.watch import SyncEvent, watch

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


def test_the_packs_own_writes_inside_the_sources_are_ignored(src: Path) -> None:
    w = Watcher(src, src / "ops")
    try:
        (src / "backup.py").write_text(BACKUP.replace("default=3", "default=6"))
        assert w.next().result is not None
        w.assert_quiet()  # writing the pack did not trigger another sync
    finally:
        w.stop.set()
        w.thread.join(WAIT)
