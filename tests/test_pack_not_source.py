"""The pack is never one of the sources (issue #12, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_hostile_crashes import GOOD, _cli
from voodoo.errors import VoodooError
from voodoo.ingest import ingest


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "backup.py").write_text(GOOD)
    (repo / "flush.py").write_text(GOOD)
    return repo


def _actions(pack: Path) -> list[str]:
    return sorted(p.stem for p in (pack / "actions").glob("*.yaml"))


def test_a_pack_inside_the_sources_is_never_ingested(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    for _ in range(2):
        proc = _cli("ingest", ".", "--pack", "pack", cwd=repo)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert _actions(repo / "pack") == ["backup", "flush"]
    for other in ("other/p2", "other/p3"):  # another pack: the first one is not a source
        proc = _cli("ingest", ".", "--pack", other, cwd=repo)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert _actions(repo / other) == ["backup", "flush"]


def test_a_hand_written_pack_among_the_sources_is_left_out(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    st2 = repo / "st2pack"
    (st2 / "actions").mkdir(parents=True)
    (st2 / "pack.yaml").write_text("ref: st2pack\n")
    (st2 / "actions/tool.py").write_text(GOOD)
    result = ingest([repo], tmp_path / "ops")
    assert sorted(f.relpath for f in result.files) == ["backup.py", "flush.py"]
    named = ingest([st2], tmp_path / "ops2")  # named explicitly: it is a source
    assert [f.relpath for f in named.files] == ["actions/tool.py"]


@pytest.mark.parametrize("source", [".", "actions"])
def test_a_source_equal_to_or_inside_the_pack_is_a_usage_error(tmp_path: Path,
                                                                source: str) -> None:
    repo = _repo(tmp_path)
    (repo / "actions").mkdir()
    proc = _cli("ingest", source, "--pack", ".", cwd=repo)
    assert proc.returncode == 2 and "inside the pack" in proc.stderr, proc.stderr
    assert not (repo / ".voodoo").exists()
    with pytest.raises(VoodooError, match="inside the pack"):
        ingest([repo / source], repo)
