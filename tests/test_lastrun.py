"""``ingest(..., changed=paths)``: after an ingest in this process, only the named paths are
looked at, unless they may change which files there are; then everything is."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_sync import BACKUP, RESTART
from voodoo import cache
from voodoo.ingest import IngestResult, ingest
from voodoo.reconcile import ChangeKind

ingest_module = importlib.import_module("voodoo.ingest")  # (voodoo.ingest: the function)

HELPER = "RETRIES = 3\n"
USES = '''import argparse
import helper
p = argparse.ArgumentParser(description="Use the helper.")
p.add_argument("--n", type=int, default=helper.RETRIES)
p.parse_args()
'''


class Spy:
    """What the next ingest looks at: discovery, stats (``is_fresh``), parses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, src: Path) -> None:
        import voodoo.analysis

        self.src = src
        self.discovered = 0
        self.looked: list[str] = []
        self.parsed: list[str] = []
        discover, is_fresh = ingest_module.discover, cache.is_fresh
        analyze_file = voodoo.analysis.analyze_file

        def spy_discover(*a: Any, **k: Any) -> Any:
            self.discovered += 1
            return discover(*a, **k)

        def spy_is_fresh(stat: Any, local: Any, path: Path, root: Path) -> bool:
            self.looked.append(self._rel(path))
            return is_fresh(stat, local, path, root)

        def spy_analyze_file(path: Path, **k: Any) -> Any:
            self.parsed.append(self._rel(path))
            return analyze_file(path, **k)

        monkeypatch.setattr(ingest_module, "discover", spy_discover)
        monkeypatch.setattr(cache, "is_fresh", spy_is_fresh)
        monkeypatch.setattr(voodoo.analysis, "analyze_file", spy_analyze_file)

    def _rel(self, path: Path) -> str:
        return Path(path).relative_to(self.src).as_posix()


@pytest.fixture
def src(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in [("backup.py", BACKUP), ("restart.py", RESTART), ("helper.py", HELPER),
                       ("uses.py", USES)]:
        (src / name).write_text(text)
    ingest([src], tmp_path / "ops")
    return src


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch, src: Path) -> Spy:
    return Spy(monkeypatch, src)


@pytest.fixture
def sync(src: Path, tmp_path: Path) -> Callable[..., IngestResult]:
    def run(*changed: Path) -> IngestResult:
        return ingest([src], tmp_path / "ops", changed=changed)

    return run


def _action(src: Path, name: str) -> Any:
    path = src.parent / "ops/actions" / f"{name}.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else None


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _kinds(result: IngestResult) -> dict[str, ChangeKind]:
    return {c.action: c.kind for c in result.changes
            if c.action is not None and c.kind is not ChangeKind.UNCHANGED}


def test_only_the_named_edit_is_looked_at(src: Path, spy: Spy, sync: Any) -> None:
    _edit(src / "backup.py", "default=3", "default=5")
    result = sync(src / "backup.py")
    assert _kinds(result) == {"backup": ChangeKind.UPDATED}
    assert _action(src, "backup")["parameters"]["retries"]["default"] == 5
    assert (spy.discovered, spy.looked, spy.parsed) == (0, ["backup.py"], ["backup.py"])


def test_an_edit_not_named_waits_for_a_full_look(src: Path, spy: Spy, sync: Any) -> None:
    _edit(src / "restart.py", "Restart a service.", "Restart it.")
    _edit(src / "backup.py", "default=3", "default=5")
    assert _kinds(sync(src / "backup.py")) == {"backup": ChangeKind.UPDATED}
    assert _action(src, "restart")["description"] == "Restart a service."  # not looked at
    assert _kinds(ingest([src], src.parent / "ops")) == {"restart": ChangeKind.UPDATED}


def test_a_new_file_is_discovered(src: Path, spy: Spy, sync: Any) -> None:
    (src / "new.py").write_text(RESTART)
    assert _kinds(sync(src / "new.py")) == {"new": ChangeKind.ADDED}
    assert spy.discovered == 1 and spy.parsed == ["new.py"]


def test_a_deleted_file_loses_its_action(src: Path, spy: Spy, sync: Any) -> None:
    (src / "restart.py").unlink()
    assert _kinds(sync(src / "restart.py")) == {"restart": ChangeKind.REMOVED}
    assert spy.discovered == 1 and spy.parsed == []
    assert _action(src, "restart") is None and _action(src, "backup") is not None


def test_a_renamed_file_renames_its_action(src: Path, spy: Spy, sync: Any) -> None:
    os.replace(src / "restart.py", src / "bounce.py")
    result = sync(src / "restart.py", src / "bounce.py")
    assert _kinds(result) == {"bounce": ChangeKind.RENAMED}
    assert spy.discovered == 1
    assert _action(src, "restart") is None and _action(src, "bounce") is not None


def test_a_changed_helper_module_re_analyzes_the_scripts_importing_it(
        src: Path, spy: Spy, sync: Any) -> None:
    (src / "helper.py").write_text("RETRIES = 4\n")
    sync(src / "helper.py")
    assert spy.discovered == 0
    assert sorted(spy.parsed) == ["helper.py", "uses.py"]  # backup.py, restart.py: not
    pack_copy = src.parent / "ops/actions/scripts/helper.py"
    assert pack_copy.read_text() == "RETRIES = 4\n"


def test_a_temporary_file_that_came_and_went_needs_no_discovery(src: Path, spy: Spy,
                                                                sync: Any) -> None:
    _edit(src / "backup.py", "default=3", "default=6")
    assert _kinds(sync(src / ".backup.py.swp", src / "backup.py")) == {
        "backup": ChangeKind.UPDATED}
    assert spy.discovered == 0


def test_any_other_file_named_means_a_full_look(src: Path, spy: Spy, sync: Any) -> None:
    (src / "README.md").write_text("notes\n")
    assert _kinds(sync(src / "README.md")) == {}
    assert spy.discovered == 1
    assert sorted(spy.looked) == ["backup.py", "helper.py", "restart.py", "uses.py"]


def test_changed_none_means_a_full_look(src: Path, spy: Spy) -> None:
    ingest([src], src.parent / "ops", changed=None)
    assert spy.discovered == 1 and len(spy.looked) == 4


def test_a_cache_written_since_by_someone_else_is_not_trusted(src: Path, spy: Spy,
                                                              sync: Any) -> None:
    scripts = src.parent / "ops" / cache.SCRIPTS_PATH
    scripts.write_text(json.dumps(json.loads(scripts.read_text()), indent=1))
    _edit(src / "backup.py", "default=3", "default=7")
    assert _kinds(sync(src / "backup.py")) == {"backup": ChangeKind.UPDATED}
    assert spy.discovered == 0  # which files there are: events tell
    assert sorted(spy.looked) == ["backup.py", "helper.py", "restart.py", "uses.py"]


def test_a_symlinked_script_follows_its_target(src: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (src / "link.py").symlink_to(src / "restart.py")
    ingest([src], tmp_path / "ops")
    _edit(src / "restart.py", "Restart a service.", "Restart it.")
    result = ingest([src], tmp_path / "ops", changed=[src / "restart.py"])  # not the link
    assert _kinds(result) == {"restart": ChangeKind.UPDATED, "link": ChangeKind.UPDATED}


def test_a_dry_run_in_between_means_a_full_look(src: Path, spy: Spy, sync: Any) -> None:
    ingest([src], src.parent / "ops", dry_run=True)
    spy.discovered = 0
    _edit(src / "backup.py", "default=3", "default=5")
    assert _kinds(sync(src / "backup.py")) == {"backup": ChangeKind.UPDATED}
    assert spy.discovered == 1


def test_other_settings_mean_a_full_look(src: Path, spy: Spy) -> None:
    ingest([src], src.parent / "ops", name="other", changed=[src / "backup.py"])
    assert spy.discovered == 1
