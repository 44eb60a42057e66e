"""Nothing hangs: FIFOs among the scripts, a killed ingest's lock, a folder deleted under
``watch`` (issue #11, item 4).

Every wait here is bounded by a subprocess or queue timeout: a regression fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_hostile_crashes import GOOD, _cli, _no_traceback
from voodoo.watch import SyncEvent, watch

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

HANG = 30  #: seconds after which a command counts as hung


def _scripts(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    os.mkfifo(src / "x.py")
    os.mkfifo(src / "noext")  # extensionless: would be opened to look for a shebang
    return src


# --- FIFOs ---------------------------------------------------------------------------------

def test_fifos_among_the_scripts_do_not_hang_ingest_check_or_inspect(tmp_path: Path) -> None:
    src = _scripts(tmp_path)
    ops = tmp_path / "ops"
    proc = _cli("ingest", str(src), "--pack", str(ops), timeout=HANG)
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in (ops / "actions").glob("*.yaml")) == ["good.yaml"]
    proc = _cli("check", str(src), "--pack", str(ops), timeout=HANG)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _cli("inspect", str(src / "x.py"), str(src / "good.py"), timeout=HANG)
    _no_traceback(proc)
    assert proc.returncode == 1 and "not a regular file" in proc.stdout + proc.stderr


def test_a_fifo_named_like_a_module_a_script_imports_does_not_hang(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "uses.py").write_text("import helpers\n" + GOOD)
    os.mkfifo(src / "helpers.py")
    proc = _cli("ingest", str(src), "--pack", str(tmp_path / "ops"), timeout=HANG)
    _no_traceback(proc)
    assert (tmp_path / "ops/actions/uses.yaml").is_file()


def test_a_fifo_in_the_pack_does_not_hang(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    ops = tmp_path / "ops"
    (ops / "actions").mkdir(parents=True)
    os.mkfifo(ops / "actions/good.yaml")
    proc = _cli("ingest", str(src), "--pack", str(ops), timeout=HANG)
    _no_traceback(proc)
    assert proc.returncode == 1 and "not a regular file" in proc.stdout + proc.stderr


# --- the lock ------------------------------------------------------------------------------

KILLED_INGEST = """
import importlib, os, sys, time
import voodoo
workers = importlib.import_module("voodoo.workers")
real = workers.analyze_one
def slow(*args, **kwargs):
    time.sleep(60)  # every pool worker sleeps here, the lock held by the parent
    return real(*args, **kwargs)
workers.analyze_one = slow
open(sys.argv[3], "w").write("started")
voodoo.ingest([sys.argv[1]], sys.argv[2], jobs=2)
"""


def _many(tmp_path: Path, n: int = 20) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(n):
        (src / f"s{i:02d}.py").write_text(GOOD)
    return src


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True, check=False).stdout
    return [int(p) for p in out.split()]


def _wait_for(predicate: object, timeout: float = HANG) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_pool_workers_die_with_a_killed_ingest_and_the_lock_is_free(tmp_path: Path) -> None:
    src = _many(tmp_path)
    ops = tmp_path / "ops"
    started = tmp_path / "started"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_INGEST, str(src), str(ops),
                             str(started)], start_new_session=True)
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2), "no pool started"
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(HANG)

        def gone() -> bool:
            return all(not Path(f"/proc/{w}").exists()
                       or "Z" in Path(f"/proc/{w}/stat").read_text().split(")")[1][:3]
                       for w in workers)

        assert _wait_for(gone, 10), "pool workers outlived their ingest"
        done = _cli("ingest", str(src), "--pack", str(ops), timeout=HANG)
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


HOLD_LOCK = """
import os, subprocess, sys
from pathlib import Path
from voodoo.pack import pack_lock
with pack_lock(Path(sys.argv[1])):
    fd = next(int(n) for n in os.listdir("/proc/self/fd")
              if os.path.realpath(f"/proc/self/fd/{n}").endswith("/.voodoo/lock"))
    # a process that shares the lock and outlives its holder, as old voodoo's pool
    # workers did after a kill -9 of their ingest
    child = subprocess.Popen(["sleep", "60"], pass_fds=[fd], start_new_session=True)
    open(sys.argv[2], "w").write(str(child.pid))
    os._exit(0)  # the holder is gone, without releasing anything
"""


def _fake_orphan(ops: Path, tmp_path: Path) -> int:
    """A lock whose holder is gone while another process still holds its file."""
    marker = tmp_path / "orphan"
    subprocess.run([sys.executable, "-c", HOLD_LOCK, str(ops), str(marker)], check=True,
                   timeout=HANG)
    return int(marker.read_text())


def test_a_lock_whose_holder_is_gone_is_taken_over_with_a_note(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    ops = tmp_path / "ops"
    orphan = _fake_orphan(ops, tmp_path)
    try:
        proc = _cli("ingest", str(src), "--pack", str(ops), timeout=HANG)
        _no_traceback(proc)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "took over" in proc.stderr and "is gone" in proc.stderr
        assert (ops / "actions/good.yaml").is_file()
        again = _cli("check", str(src), "--pack", str(ops), timeout=HANG)
        assert again.returncode == 0 and "took over" not in again.stderr
    finally:
        os.kill(orphan, signal.SIGKILL)


HOLD_LIVE = """
import sys, time
from pathlib import Path
from voodoo.pack import pack_lock
with pack_lock(Path(sys.argv[1])):
    open(sys.argv[2], "w").write("held")
    time.sleep(60)
"""


@pytest.fixture
def live_holder(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    ops = tmp_path / "ops"
    held = tmp_path / "held"
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LIVE, str(ops), str(held)])
    assert _wait_for(held.exists)
    yield proc
    proc.kill()
    proc.wait()


def test_a_lock_held_by_a_live_process_is_a_clear_error_after_a_bounded_wait(
        tmp_path: Path, live_holder: subprocess.Popen[bytes]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    env = {**os.environ, "VOODOO_LOCK_TIMEOUT": "1"}
    start = time.monotonic()
    proc = subprocess.run([_voodoo_exe(), "ingest", str(src), "--pack", str(tmp_path / "ops")],
                          capture_output=True, text=True, env=env, timeout=HANG, check=False)
    assert time.monotonic() - start < HANG
    _no_traceback(proc)
    assert proc.returncode == 1
    assert f"process {live_holder.pid}" in proc.stderr  # said at once, and again at the end
    assert "waiting" in proc.stderr and "gave up" in proc.stderr
    assert not (tmp_path / "ops/actions").exists()
    live_holder.kill()
    live_holder.wait()
    proc = subprocess.run([_voodoo_exe(), "ingest", str(src), "--pack", str(tmp_path / "ops")],
                          capture_output=True, text=True, env=env, timeout=HANG, check=False)
    assert proc.returncode == 0, proc.stderr


SAME_PROCESS = """
import sys
from pathlib import Path
from voodoo.errors import LockError
from voodoo.ingest import ingest
from voodoo.pack import pack_lock
src, ops = Path(sys.argv[1]), Path(sys.argv[2])
with pack_lock(ops):
    try:
        ingest([src], ops)
    except LockError as exc:
        print("refused:", exc)
print("then:", ingest([src], ops).exit_code)  # released: the next run goes through
"""


def test_a_lock_held_in_the_same_process_fails_instead_of_waiting_forever(
        tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    proc = subprocess.run([sys.executable, "-c", SAME_PROCESS, str(src), str(tmp_path / "ops")],
                          capture_output=True, text=True, timeout=HANG, check=False,
                          env={**os.environ, "VOODOO_LOCK_TIMEOUT": "0.3"})
    assert "refused:" in proc.stdout and "gave up" in proc.stdout, proc.stdout + proc.stderr
    assert "then: 0" in proc.stdout


def _voodoo_exe() -> str:
    exe = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(exe).exists():
        pytest.skip("the voodoo console script is not installed in this environment")
    return exe


# --- watch ---------------------------------------------------------------------------------

def test_watch_follows_a_folder_deleted_and_created_again(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    ops = tmp_path / "ops"
    events: queue.Queue[SyncEvent] = queue.Queue()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch, args=([src], ops), kwargs={
        "debounce": 0.1, "on_sync": events.put, "stop": stop, "ready": ready})
    thread.start()
    try:
        assert ready.wait(HANG)
        assert events.get(timeout=HANG).result is not None  # the first sync
        shutil.rmtree(src)
        event = events.get(timeout=5)  # said at once
        assert event.error is not None and "deleted" in str(event.error), event
        src.mkdir()
        (src / "again.py").write_text(GOOD)

        def synced(name: str) -> bool:
            while True:
                event = events.get(timeout=HANG)
                if event.result is not None and (ops / f"actions/{name}.yaml").is_file():
                    return True

        assert synced("again")
        (src / "later.py").write_text(GOOD)  # a save after the re-creation is followed too
        assert synced("later")
    finally:
        stop.set()
        thread.join(HANG)
    assert not thread.is_alive()
