"""A crash or a full disk never leaves a pack that claims to be in sync (issue #12,
item 3): fault injection before and after every write, then a script change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_hostile import GOOD, STEPS, Killed, _edited_pack, _steps, _tree
from voodoo.check import check
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
