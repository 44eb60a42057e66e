"""Nothing voodoo writes, creates, changes the mode of or runs lies outside the pack
(issue #11, item 2): one test per kind of call site.

Call sites (an audit of every open for writing, mkdir, chmod, rename and unlink); every
write into a pack goes through ``voodoo/_writer.py`` (tests/test_writer.py checks it per
kind of file), so these are the callers' side:

- pack files, written by ``pack.apply`` (the writer's inside check, atomic replace,
  prune): covered in tests/test_hostile.py (symlinked action files and folders, a crafted
  manifest);
- the manifest: tests/test_hostile.py (the state folder symlinked out);
- the lock and the takeover guard (the writer's ``open_own``): here;
- the cache folder (mkdir, atomic writes, unlink of stale analyses): here;
- ``voodoo run``: the entry point (resolved, never chmod-ed), the execution log (the
  writer's ``append``), the datastore (the python child's own atomic write): here.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
from pathlib import Path

import pytest

from tests.packmaker import make_pack
from tests.test_hostile_crashes import GOOD, _cli, _no_traceback
from tests.test_hostile_hangs import _fake_orphan
from voodoo.errors import ActionError, PackError
from voodoo.ingest import ingest
from voodoo.local.execute import run_action


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "outside"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    return victim


def _untouched(victim: Path) -> None:
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert (victim / "keep.txt").read_text() == "precious"


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.py").write_text(GOOD)
    return src


# --- the lock ------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "ingest"])
def test_a_lock_symlinked_outside_is_refused_and_nothing_is_created(
        tmp_path: Path, command: str) -> None:
    victim = _victim(tmp_path)
    src = _source(tmp_path)
    ops = tmp_path / "ops"
    assert ingest([src], ops).exit_code == 0
    (ops / ".voodoo/lock").unlink(missing_ok=True)
    (ops / ".voodoo/lock").symlink_to(victim / "created-by-voodoo")
    proc = _cli(command, str(src), "--pack", str(ops))  # check "never writes"
    _no_traceback(proc)
    assert proc.returncode == 1
    assert "lock file is a symlink" in proc.stderr
    _untouched(victim)


def test_the_takeover_guard_symlinked_outside_is_refused(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    src = _source(tmp_path)
    ops = tmp_path / "ops"
    orphan = _fake_orphan(ops, tmp_path)  # a stale lock: taking it over opens the guard
    try:
        (ops / ".voodoo/lock.takeover").symlink_to(victim / "created-by-voodoo")
        proc = _cli("ingest", str(src), "--pack", str(ops))
        _no_traceback(proc)
        assert proc.returncode == 1 and "symlink" in proc.stderr
        _untouched(victim)
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_a_lock_that_is_a_hard_link_to_an_outside_file_is_refused(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    src = _source(tmp_path)
    ops = tmp_path / "ops"
    (ops / ".voodoo").mkdir(parents=True)
    os.link(victim / "keep.txt", ops / ".voodoo/lock")
    proc = _cli("ingest", str(src), "--pack", str(ops))
    _no_traceback(proc)
    assert proc.returncode == 1 and "not a regular file of the pack's own" in proc.stderr
    _untouched(victim)


# --- the cache -----------------------------------------------------------------------------

def test_a_cache_folder_symlinked_outside_is_refused_before_anything_is_created(
        tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    src = _source(tmp_path)
    ops = tmp_path / "ops"
    assert ingest([src], ops).exit_code == 0
    cache = ops / ".voodoo/cache"
    for p in sorted(cache.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    cache.rmdir()
    cache.symlink_to(victim)
    (src / "good.py").write_text(GOOD.replace('"x"', '"y"'))
    with pytest.raises(PackError, match="leads outside"):
        ingest([src], ops)
    _untouched(victim)


# --- voodoo run ----------------------------------------------------------------------------

def _shell_pack(tmp_path: Path) -> Path:
    return make_pack(tmp_path, {"hello": (
        {"runner_type": "local-shell-script", "entry_point": "hello.sh"},
        "#!/bin/sh\necho hello\n")})


def test_an_entry_point_symlinked_outside_is_neither_chmodded_nor_run(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    outside = victim / "evil.sh"
    outside.write_text(f"#!/bin/sh\ntouch {victim}/ran\n")
    outside.chmod(0o644)
    pack = _shell_pack(tmp_path)
    script = pack / "actions/hello.sh"
    script.unlink()
    script.symlink_to(outside)
    with pytest.raises(ActionError, match="outside the pack"):
        run_action(pack, "hello")
    proc = _cli("run", str(pack), "hello")
    _no_traceback(proc)
    assert proc.returncode != 0 and "outside the pack" in proc.stdout + proc.stderr
    assert not (victim / "ran").exists()
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
    (pack / "actions/lib").symlink_to(victim)  # a folder on the way leads outside too
    (pack / "actions/hello.yaml").write_text(
        (pack / "actions/hello.yaml").read_text().replace("hello.sh", "lib/evil.sh"))
    with pytest.raises(ActionError, match="outside the pack"):
        run_action(pack, "hello")
    assert not (victim / "ran").exists()
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644


def test_voodoo_run_changes_no_file_mode(tmp_path: Path) -> None:
    pack = _shell_pack(tmp_path)
    script = pack / "actions/hello.sh"
    script.chmod(0o644)
    with pytest.raises(ActionError, match="not executable"):
        run_action(pack, "hello")
    assert stat.S_IMODE(script.stat().st_mode) == 0o644  # StackStorm would chmod +x it
    script.chmod(0o755)  # left alone: an executable script runs
    assert run_action(pack, "hello").result["stdout"] == "hello"


def test_voodoo_run_writes_no_log_or_datastore_outside_the_pack(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    pack = _shell_pack(tmp_path)
    (pack / ".voodoo").mkdir()
    (pack / ".voodoo/executions.jsonl").symlink_to(victim / "keep.txt")
    with pytest.raises(ActionError, match="execution log"):
        run_action(pack, "hello")
    _untouched(victim)
    shutil.rmtree(pack / ".voodoo")  # (it holds the .gitignore voodoo writes there too)
    (pack / ".voodoo").symlink_to(victim)
    proc = _cli("run", str(pack), "hello")
    _no_traceback(proc)
    assert proc.returncode != 0 and "outside the pack" in proc.stdout + proc.stderr
    _untouched(victim)
