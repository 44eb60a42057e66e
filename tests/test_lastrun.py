"""``ingest(..., changed=paths, session=s)``: after an ingest in the same session, only the
named paths are looked at, unless they may change which files there are; then everything
is. What a run looked at is what its ``IngestResult.work`` says (checked against spies on
the functions that do the work, once, in ``test_the_work_record_tells_the_truth``)."""

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
from voodoo.session import Session

ingest_module = importlib.import_module("voodoo.ingest")  # (voodoo.ingest: the function)

HELPER = "RETRIES = 3\n"
USES = '''import argparse
import helper
p = argparse.ArgumentParser(description="Use the helper.")
p.add_argument("--n", type=int, default=helper.RETRIES)
p.parse_args()
'''


class Spy:
    """What the next ingest looks at, seen from outside: discovery, stats (``is_fresh``),
    parses."""

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
def session() -> Session:
    return Session()


@pytest.fixture
def src(tmp_path: Path, session: Session) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in [("backup.py", BACKUP), ("restart.py", RESTART), ("helper.py", HELPER),
                       ("uses.py", USES)]:
        (src / name).write_text(text)
    ingest([src], tmp_path / "ops", session=session)
    return src


@pytest.fixture
def sync(src: Path, tmp_path: Path, session: Session) -> Callable[..., IngestResult]:
    def run(*changed: Path) -> IngestResult:
        return ingest([src], tmp_path / "ops", changed=changed, session=session)

    return run


def _seen(result: IngestResult) -> tuple[bool, list[str], list[str]]:
    """Whether the run discovered the files, which it checked on disk, which it parsed."""
    w = result.work
    return w.discovered, sorted(w.checked), sorted(w.parsed)


def test_the_work_record_tells_the_truth(src: Path, sync: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch, src)
    _edit(src / "backup.py", "default=3", "default=5")
    named = sync(src / "backup.py")
    assert _seen(named) == (bool(spy.discovered), sorted(spy.looked), sorted(spy.parsed))
    assert _seen(named) == (False, ["backup.py"], ["backup.py"])
    spy.discovered, spy.looked, spy.parsed = 0, [], []
    (src / "README.md").write_text("notes\n")
    full = sync(src / "README.md")
    assert _seen(full) == (bool(spy.discovered), sorted(spy.looked), sorted(spy.parsed))
    assert _seen(full) == (True, ["backup.py", "helper.py", "restart.py", "uses.py"], [])


def test_without_a_session_nothing_is_remembered(src: Path, tmp_path: Path) -> None:
    _edit(src / "restart.py", "Restart a service.", "Restart it.")
    # told only of a file that did not change, a run without the session looks at all
    result = ingest([src], tmp_path / "ops", changed=[src / "backup.py"])
    assert result.work.discovered and len(result.work.checked) == 4
    assert _kinds(result) == {"restart": ChangeKind.UPDATED}


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


def test_only_the_named_edit_is_looked_at(src: Path, sync: Any) -> None:
    _edit(src / "backup.py", "default=3", "default=5")
    result = sync(src / "backup.py")
    assert _kinds(result) == {"backup": ChangeKind.UPDATED}
    assert _action(src, "backup")["parameters"]["retries"]["default"] == 5
    assert _seen(result) == (False, ["backup.py"], ["backup.py"])


def test_an_edit_not_named_waits_for_a_full_look(src: Path, sync: Any) -> None:
    _edit(src / "restart.py", "Restart a service.", "Restart it.")
    _edit(src / "backup.py", "default=3", "default=5")
    assert _kinds(sync(src / "backup.py")) == {"backup": ChangeKind.UPDATED}
    assert _action(src, "restart")["description"] == "Restart a service."  # not looked at
    assert _kinds(ingest([src], src.parent / "ops")) == {"restart": ChangeKind.UPDATED}


def test_a_new_file_is_discovered(src: Path, sync: Any) -> None:
    (src / "new.py").write_text(RESTART)
    result = sync(src / "new.py")
    assert _kinds(result) == {"new": ChangeKind.ADDED}
    assert result.work.discovered and result.work.parsed == ("new.py",)


def test_a_deleted_file_loses_its_action(src: Path, sync: Any) -> None:
    (src / "restart.py").unlink()
    result = sync(src / "restart.py")
    assert _kinds(result) == {"restart": ChangeKind.REMOVED}
    assert result.work.discovered and result.work.parsed == ()
    assert _action(src, "restart") is None and _action(src, "backup") is not None


def test_a_renamed_file_renames_its_action(src: Path, sync: Any) -> None:
    os.replace(src / "restart.py", src / "bounce.py")
    result = sync(src / "restart.py", src / "bounce.py")
    assert _kinds(result) == {"bounce": ChangeKind.RENAMED}
    assert result.work.discovered
    assert _action(src, "restart") is None and _action(src, "bounce") is not None


def test_a_changed_helper_module_re_analyzes_the_scripts_importing_it(
        src: Path, sync: Any) -> None:
    (src / "helper.py").write_text("RETRIES = 4\n")
    result = sync(src / "helper.py")
    assert not result.work.discovered
    assert sorted(result.work.parsed) == ["helper.py", "uses.py"]  # backup, restart: not
    pack_copy = src.parent / "ops/actions/scripts/helper.py"
    assert pack_copy.read_text() == "RETRIES = 4\n"


def test_a_temporary_file_that_came_and_went_needs_no_discovery(src: Path,
                                                                sync: Any) -> None:
    _edit(src / "backup.py", "default=3", "default=6")
    result = sync(src / ".backup.py.swp", src / "backup.py")
    assert _kinds(result) == {"backup": ChangeKind.UPDATED}
    assert not result.work.discovered


def test_any_other_file_named_means_a_full_look(src: Path, sync: Any) -> None:
    (src / "README.md").write_text("notes\n")
    result = sync(src / "README.md")
    assert _kinds(result) == {}
    assert _seen(result) == (True, ["backup.py", "helper.py", "restart.py", "uses.py"], [])


def test_changed_none_means_a_full_look(src: Path, session: Session) -> None:
    result = ingest([src], src.parent / "ops", changed=None, session=session)
    assert result.work.discovered and len(result.work.checked) == 4


def test_a_cache_written_since_by_someone_else_is_not_trusted(src: Path,
                                                              sync: Any) -> None:
    scripts = src.parent / "ops" / cache.SCRIPTS_PATH
    scripts.write_text(json.dumps(json.loads(scripts.read_text()), indent=1))
    _edit(src / "backup.py", "default=3", "default=7")
    result = sync(src / "backup.py")
    assert _kinds(result) == {"backup": ChangeKind.UPDATED}
    assert not result.work.discovered  # which files there are: events tell
    assert sorted(result.work.checked) == ["backup.py", "helper.py", "restart.py", "uses.py"]


def test_a_symlinked_script_follows_its_target(src: Path, tmp_path: Path,
                                               session: Session) -> None:
    (src / "link.py").symlink_to(src / "restart.py")
    ingest([src], tmp_path / "ops", session=session)
    _edit(src / "restart.py", "Restart a service.", "Restart it.")
    result = ingest([src], tmp_path / "ops", changed=[src / "restart.py"],  # not the link
                    session=session)
    assert _kinds(result) == {"restart": ChangeKind.UPDATED, "link": ChangeKind.UPDATED}


def test_a_dry_run_in_between_means_a_full_look(src: Path, sync: Any,
                                                 session: Session) -> None:
    ingest([src], src.parent / "ops", dry_run=True, session=session)
    _edit(src / "backup.py", "default=3", "default=5")
    result = sync(src / "backup.py")
    assert _kinds(result) == {"backup": ChangeKind.UPDATED}
    assert result.work.discovered


def test_other_settings_mean_a_full_look(src: Path, session: Session) -> None:
    result = ingest([src], src.parent / "ops", name="other", changed=[src / "backup.py"],
                    session=session)
    assert result.work.discovered
