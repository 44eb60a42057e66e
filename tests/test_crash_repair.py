"""A crash or a full disk never leaves a pack that claims to be in sync (issue #12,
item 3): fault injection before and after every write, then a script change."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.test_hostile import GOOD, STEPS, Killed, _edited_pack, _steps, _tree
from voodoo import pack
from voodoo.check import check
from voodoo.errors import PackError
from voodoo.ingest import ingest


def _state(pack: Path) -> dict[str, bytes]:
    return {k: v for k, v in _tree(pack).items() if "cache" not in k and "pending" not in k}


@pytest.mark.parametrize("k", range(STEPS))
@pytest.mark.parametrize("after", [False, True], ids=["before-write", "after-write"])
def test_a_crash_then_a_script_change_is_repaired_not_taken_for_a_hand_edit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int, after: bool) -> None:
    src, ops, action = _edited_pack(tmp_path)
    clean = tmp_path / "clean/ops"  # the same runs, never interrupted
    shutil.copytree(ops, clean)
    ingest([src], clean)
    with monkeypatch.context() as m:
        _steps(m, kill_at=k + 1 if after else k)
        with pytest.raises(Killed):
            ingest([src], ops)
    third = GOOD.replace(b"Restart", b"Recycle")  # the script changes again
    (src / "restart-service.py").write_bytes(third)
    assert ingest([src], clean).exit_code == 0
    repaired = ingest([src], ops)
    assert not repaired.plan.conflicts, [str(c) for c in repaired.plan.conflicts]
    assert repaired.exit_code == 0
    assert "enabled: false" in action.read_text() and "Recycle" in action.read_text()
    assert _state(ops) == _state(clean)
    again = ingest([src], ops)
    assert not again.plan.changes and check([src], ops).in_sync


def _full_disk(monkeypatch: pytest.MonkeyPatch, at: int) -> None:
    """The ``at``-th file ``apply`` writes runs out of space midway: half its bytes reach
    the temporary file, then ENOSPC (as write or fsync reports it)."""
    calls = [0]
    real = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls[0] += 1
            if calls[0] == at + 1:
                os.ftruncate(fd, os.fstat(fd).st_size // 2)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(pack.os, "fsync", fsync)


def _interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int,
                 how: str) -> tuple[Path, Path, Path]:
    """An edited pack whose next ingest is killed at step ``k`` or stopped by a full disk
    at its ``k``-th file write (the pending entries, the pack's files, the manifest)."""
    src, ops, action = _edited_pack(tmp_path)
    with monkeypatch.context() as m:
        if how == "full-disk":
            _full_disk(m, k)
            with pytest.raises(PackError, match="No space left"):
                ingest([src], ops)
        else:
            _steps(m, kill_at=k)
            with pytest.raises(Killed):
                ingest([src], ops)
    assert not list(ops.rglob("*.voodoo-tmp"))
    return src, ops, action


#: files the edited run writes (the pending entries, three pack files, the manifest)
FILE_WRITES = 5


def test_the_number_of_file_writes_of_an_edited_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, ops, _ = _edited_pack(tmp_path)
    with monkeypatch.context() as m:
        _full_disk(m, FILE_WRITES - 1)  # the last one fails: there are that many
        with pytest.raises(PackError, match="No space left"):
            ingest([src], ops)
    with monkeypatch.context() as m:
        _full_disk(m, FILE_WRITES)  # one more never comes
        ingest([src], ops)


@pytest.mark.parametrize(("how", "k"), [*(("killed", k) for k in range(STEPS)),
                                        *(("full-disk", k) for k in range(FILE_WRITES))])
def test_an_interrupted_run_then_the_script_changed_back_is_finished(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int, how: str) -> None:
    """The script goes back to what the last complete run saw (a revert, a branch switch):
    the files the interrupted run wrote for its other version are repaired, not carried
    over as if they still said what the script does."""
    src, ops, action = _interrupted(tmp_path, monkeypatch, k, how)
    (src / "restart-service.py").write_bytes(GOOD)  # as the last complete run saw it
    clean = tmp_path / "clean/ops"
    clean.parent.mkdir()
    fresh = tmp_path / "fresh"
    shutil.copytree(src, fresh)
    ingest([fresh], clean)  # what a fresh ingest writes
    if how == "killed" and k >= 2:  # files of the other version reached the disk
        assert not check([src], ops).in_sync
    repaired = ingest([src], ops)
    assert repaired.exit_code == 0, [str(c) for c in repaired.plan.conflicts]
    assert "Bounce" not in action.read_text() and "enabled: false" in action.read_text()
    for name in ("actions/restart_service.py", "actions/scripts/restart-service.py",
                 "README.md"):
        assert (ops / name).read_bytes() == (clean / name).read_bytes(), name
    again = ingest([src], ops)
    assert not again.plan.changes and check([src], ops).in_sync


@pytest.mark.parametrize("k", range(FILE_WRITES))
def test_a_full_disk_then_a_script_change_is_finished(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    src, ops, action = _interrupted(tmp_path, monkeypatch, k, "full-disk")
    clean = tmp_path / "clean/ops"
    clean.parent.mkdir()
    fresh = tmp_path / "fresh"
    third = GOOD.replace(b"Restart", b"Recycle")
    (src / "restart-service.py").write_bytes(third)
    shutil.copytree(src, fresh)
    ingest([fresh], clean)
    repaired = ingest([src], ops)
    assert repaired.exit_code == 0, [str(c) for c in repaired.plan.conflicts]
    assert "Recycle" in action.read_text() and "enabled: false" in action.read_text()
    for name in ("actions/restart_service.py", "actions/scripts/restart-service.py",
                 "README.md"):
        assert (ops / name).read_bytes() == (clean / name).read_bytes(), name
    again = ingest([src], ops)
    assert not again.plan.changes and check([src], ops).in_sync
