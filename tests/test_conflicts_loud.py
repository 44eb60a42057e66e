"""A conflict stays a conflict until someone resolves it (issue #12, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_hostile_crashes import GOOD, _cli
from voodoo.check import check
from voodoo.ingest import ingest

RENAMED = GOOD.replace('"--name"', '"--who"')


@pytest.fixture
def edited(tmp_path: Path) -> tuple[Path, Path]:
    """A pack whose wrapper was edited by hand, and a script whose option changed since."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "tool.py").write_text(GOOD)
    pack = tmp_path / "ops"
    assert ingest([src], pack).exit_code == 0
    wrapper = pack / "actions/tool.py"
    wrapper.write_text(wrapper.read_text() + "\n# edited by hand\n")
    (src / "tool.py").write_text(RENAMED)
    return src, pack


def _conflicts(result: object) -> list[str]:
    return sorted(c.path for c in result.plan.conflicts)  # type: ignore[attr-defined]


def test_an_unresolved_conflict_is_reported_by_every_later_run(
        edited: tuple[Path, Path]) -> None:
    src, pack = edited
    first = ingest([src], pack)
    assert first.exit_code == 1 and _conflicts(first) == ["actions/tool.py"]
    for _ in range(2):  # was: exit 0 from the second run on, and "in sync"
        again = ingest([src], pack)
        assert again.exit_code == 1 and _conflicts(again) == ["actions/tool.py"]
        assert not check([src], pack).in_sync
    proc = _cli("check", str(src), "--pack", str(pack))
    assert proc.returncode == 1 and "actions/tool.py" in proc.stdout + proc.stderr
    (pack.parent / "pyproject.toml").write_text(
        '[tool.voodoo]\nsources = ["src"]\npack = "ops"\n')
    proc = _cli("sync", "--check", cwd=pack.parent)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "# edited by hand" in (pack / "actions/tool.py").read_text()


def test_theirs_overwrites_the_hand_edit(edited: tuple[Path, Path]) -> None:
    src, pack = edited
    assert ingest([src], pack).exit_code == 1
    proc = _cli("ingest", str(src), "--pack", str(pack), "--theirs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# edited by hand" not in (pack / "actions/tool.py").read_text()
    assert "--who" in (pack / "actions/tool.py").read_text()
    assert check([src], pack).in_sync and ingest([src], pack).exit_code == 0


def test_ours_keeps_the_hand_version_on_purpose_and_it_is_remembered(
        edited: tuple[Path, Path]) -> None:
    src, pack = edited
    assert ingest([src], pack).exit_code == 1
    proc = _cli("ingest", str(src), "--pack", str(pack), "--ours")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# edited by hand" in (pack / "actions/tool.py").read_text()
    assert check([src], pack).in_sync and ingest([src], pack).exit_code == 0
    (src / "tool.py").write_text(RENAMED.replace('"x"', '"y"'))  # a new change: loud again
    assert ingest([src], pack).exit_code == 1


@pytest.mark.parametrize("fix", ["delete", "restore"])
def test_deleting_or_restoring_the_file_resolves_it(edited: tuple[Path, Path],
                                                    fix: str) -> None:
    src, pack = edited
    assert ingest([src], pack).exit_code == 1
    wrapper = pack / "actions/tool.py"
    if fix == "delete":
        wrapper.unlink()
    else:
        wrapper.write_text(wrapper.read_text().replace("\n# edited by hand\n", ""))
    assert ingest([src], pack).exit_code == 0
    assert "--who" in wrapper.read_text()
    assert check([src], pack).in_sync


# --- a field both the person and the script changed --------------------------------------

@pytest.fixture
def both_changed(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "tool.py").write_text(GOOD)
    pack = tmp_path / "ops"
    assert ingest([src], pack).exit_code == 0
    action = pack / "actions/tool.yaml"
    assert "default: x" in action.read_text()
    action.write_text(action.read_text().replace("default: x", "default: mine"))
    (src / "tool.py").write_text(GOOD.replace('"x"', '"y"'))
    return src, pack


def _default(pack: Path) -> str:
    import yaml

    meta = yaml.safe_load((pack / "actions/tool.yaml").read_text())
    return str(meta["parameters"]["name"]["default"])


def test_a_field_both_changed_is_a_conflict_until_settled(
        both_changed: tuple[Path, Path]) -> None:
    src, pack = both_changed
    proc = _cli("ingest", str(src), "--pack", str(pack))
    assert proc.returncode == 1, proc.stdout  # was: exit 0, "0 conflicts"
    assert "1 conflicts" in proc.stdout or "1 conflict" in proc.stdout, proc.stdout
    assert _default(pack) == "mine"
    for _ in range(2):
        assert ingest([src], pack).exit_code == 1
        proc = _cli("check", str(src), "--pack", str(pack))
        assert proc.returncode == 1 and "parameters.name.default" in proc.stdout, proc.stdout
    proc = _cli("ingest", str(src), "--pack", str(pack), "--theirs")  # was: did nothing
    assert proc.returncode == 0, proc.stdout
    assert _default(pack) == "y"
    assert ingest([src], pack).exit_code == 0 and check([src], pack).in_sync


def test_ours_on_a_field_both_changed_is_remembered(both_changed: tuple[Path, Path]) -> None:
    src, pack = both_changed
    assert ingest([src], pack).exit_code == 1
    proc = _cli("ingest", str(src), "--pack", str(pack), "--ours")
    assert proc.returncode == 0, proc.stdout
    assert _default(pack) == "mine"
    assert ingest([src], pack).exit_code == 0 and check([src], pack).in_sync
