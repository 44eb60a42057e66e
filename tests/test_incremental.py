"""Incremental rendering: carrying unchanged scripts over gives exactly the full render.

Each scenario step runs ``ingest`` twice on copies of the same pack: as it is (unchanged
scripts carried over) and with every script forced to render again; the packs, the
outcomes and the changes must be the same. No timings here (``bench/run.py`` has them).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import generate_repo
from tests.fidelity import EXAMPLES, example_count
from voodoo.config import DEFAULTS, Settings
from voodoo.ingest import IngestResult, ingest

Step = Callable[[Path], None]


def _tree(root: Path) -> dict[str, bytes]:
    # The cache is allowed to differ (a full render rewrites every analysis); the pack not.
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "lock" and ".voodoo/cache" not in p.as_posix()}


def _both(src: Path, pack: Path, tmp_path: Path,
          settings: Settings = DEFAULTS) -> tuple[IngestResult, IngestResult]:
    full = tmp_path / "full" / pack.name
    shutil.rmtree(full.parent, ignore_errors=True)
    shutil.copytree(pack, full)
    incremental = ingest([src], pack, settings=settings)
    complete = ingest([src], full, settings=settings, rebuild=True)
    # the two did the same analyses, one rendering only what changed, the other everything
    assert set(incremental.work.rendered) <= set(complete.work.rendered)
    assert {o.relpath for o in complete.files if o.actions} == set(complete.work.rendered)
    return incremental, complete


def _assert_same(one: IngestResult, two: IngestResult, pack: Path, tmp_path: Path) -> None:
    assert _tree(pack) == _tree(tmp_path / "full" / pack.name)
    assert one.files == two.files
    assert one.changes == two.changes
    assert one.plan.writes == two.plan.writes
    assert one.plan.deletes == two.plan.deletes
    assert one.plan.unchanged == two.plan.unchanged
    assert one.plan.manifest == two.plan.manifest


def _edit(rel: str, old: str, new: str) -> Step:
    def step(src: Path) -> None:
        path = src / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))
    return step


def _add(rel: str, text: str) -> Step:
    def step(src: Path) -> None:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)
    return step


def _delete(rel: str) -> Step:
    return lambda src: (src / rel).unlink()


def _rename(rel: str, to: str) -> Step:
    return lambda src: (src / rel).rename(src / to)


def _same_name_as(rel: str) -> Step:
    """A second script whose action clashes with ``rel``'s: both get renamed."""
    def step(src: Path) -> None:
        (src / "other").mkdir(exist_ok=True)
        shutil.copy(src / rel, src / "other" / Path(rel).name)
        _edit(f"other/{Path(rel).name}", "import", "import os\nimport")(src)
    return step


NEW_SCRIPT = '''import argparse
p = argparse.ArgumentParser(description="A new script.")
p.add_argument("--count", type=int, default=3)
p.parse_args()
'''

STEPS: list[tuple[str, Step]] = [
    ("edit", _edit("run_puppet.py", "one puppet agent pass", "one puppet agent run")),
    ("add", _add("new_tool.py", NEW_SCRIPT)),
    ("edit-local-module", _edit("opslib.py", "import", "import os\nimport")),
    ("clash-appears", _same_name_as("run_puppet.py")),
    ("edit-under-clash", _edit("run_puppet.py", "one puppet agent run", "a puppet run")),
    ("clash-disappears", _delete("other/run_puppet.py")),
    ("add-in-a-folder", _add("tools/probe.py", NEW_SCRIPT)),
    ("clash-renames-an-unchanged-script", _add("more/probe.py", NEW_SCRIPT)),
    ("clash-goes-away", _delete("more/probe.py")),
    ("rename", _rename("new_tool.py", "renamed_tool.py")),
    ("delete", _delete("renamed_tool.py")),
    ("break", _add("flush_dns.py", "def broken(:\n")),
    ("nothing", lambda src: None),
]


@pytest.fixture()
def examples(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    pack = tmp_path / "ops"
    ingest([src], pack)
    return src, pack


def test_each_step_renders_as_a_full_render(examples: tuple[Path, Path],
                                            tmp_path: Path) -> None:
    src, pack = examples
    for name, step in STEPS:
        step(src)
        one, two = _both(src, pack, tmp_path)
        try:
            _assert_same(one, two, pack, tmp_path)
        except AssertionError as e:
            raise AssertionError(f"after step {name!r}") from e


def test_a_clash_renames_an_unchanged_script_s_action(examples: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    src, pack = examples
    _add("tools/probe.py", NEW_SCRIPT)(src)
    ingest([src], pack)
    _add("more/probe.py", NEW_SCRIPT)(src)
    one, two = _both(src, pack, tmp_path)
    _assert_same(one, two, pack, tmp_path)
    assert {f.relpath: f.actions for f in one.files}["tools/probe.py"] == ("tools_probe",)
    assert not (pack / "actions/probe.yaml").exists()


def test_a_settings_change_renders_as_a_full_render(examples: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    src, pack = examples
    for chosen in (Settings(config_schema=True), Settings(keep_python2=True), Settings()):
        one, two = _both(src, pack, tmp_path, chosen)
        _assert_same(one, two, pack, tmp_path)


def test_a_deleted_pack_file_is_rendered_again(examples: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    src, pack = examples
    before = (pack / "actions/run_puppet.py").read_bytes()
    (pack / "actions/run_puppet.py").unlink()
    one, two = _both(src, pack, tmp_path)
    _assert_same(one, two, pack, tmp_path)
    assert (pack / "actions/run_puppet.py").read_bytes() == before


def test_a_generated_repo_renders_as_a_full_render(tmp_path: Path) -> None:
    src = tmp_path / "repo"
    stats = generate_repo(src, 40, seed=3)
    pack = tmp_path / "ops"
    ingest([src], pack)
    scripts = [s for s in stats.scripts if s.description and not s.broken]
    steps: list[Step] = [
        _edit(scripts[0].relpath, scripts[0].description or "", "changed"),
        _same_name_as(scripts[1].relpath),
        _delete(scripts[2].relpath),
        _rename(scripts[3].relpath, scripts[3].relpath.replace(".py", "_moved.py")),
    ]
    for step in steps:
        step(src)
        one, two = _both(src, pack, tmp_path)
        _assert_same(one, two, pack, tmp_path)


def test_only_the_changed_script_is_rendered(examples: tuple[Path, Path]) -> None:
    src, pack = examples
    _edit("run_puppet.py", "one puppet agent pass", "one puppet agent run")(src)
    result = ingest([src], pack)
    assert result.work.parsed == ("run_puppet.py",)
    assert result.work.rendered == ("run_puppet.py",)
    # every other script was checked against the disk, and carried over as it was
    assert "backup_files.py" in result.work.checked
    assert len(result.work.checked) == len(result.files)
    assert [w.path for w in result.plan.writes] == ["README.md", "actions/run_puppet.yaml",
                                                    "actions/scripts/run_puppet.py"]


_NAMES = ("sync.py", "tools/sync.py", "more/sync.py", "tools/report.py", "backup.py")
_OPS = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(_NAMES), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.sampled_from(_NAMES), st.just(0)),
    st.tuples(st.just("move"), st.sampled_from(_NAMES), st.integers(0, len(_NAMES) - 1)),
)


def test_a_carried_script_reports_its_import_notes_as_a_rendered_one(tmp_path: Path) -> None:
    """An import of an operating-system package (a dependency note) and one whose
    distribution is unknown (a warning): the carried script's diagnostics come in the
    order its full render gives them."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("import argparse\nimport apt\nimport frobnicate_xyz\n"
                              "argparse.ArgumentParser(description='A.').parse_args()\n")
    (src / "b.py").write_text("import argparse\n"
                              "argparse.ArgumentParser(description='B.').parse_args()\n")
    pack = tmp_path / "ops"
    ingest([src], pack)
    (src / "b.py").write_text((src / "b.py").read_text() + "# edited\n")
    one, two = _both(src, pack, tmp_path)
    assert one.work.rendered == ("b.py",)  # a.py carried over
    codes = [d.code for f in one.files if f.relpath == "a.py" for d in f.diagnostics]
    assert sorted(codes) == ["dependency", "unknown-distribution"]
    _assert_same(one, two, pack, tmp_path)


def _script(default: int) -> str:
    return NEW_SCRIPT.replace("default=3", f"default={default}")


@settings(max_examples=example_count(8), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_OPS, min_size=1, max_size=5))
def test_any_sequence_renders_as_a_full_render(tmp_path_factory: pytest.TempPathFactory,
                                               ops: list[tuple[str, str, int]]) -> None:
    """Writes (new or changed scripts, so action names clash and stop clashing), deletes
    and moves, in any order: after each, carried over == fully rendered."""
    tmp_path = tmp_path_factory.mktemp("seq")
    src, pack = tmp_path / "src", tmp_path / "ops"
    _add("backup.py", _script(0))(src)
    ingest([src], pack)
    for op, rel, n in ops:
        path = src / rel
        if op == "write":
            _add(rel, _script(n))(src)
        elif path.exists() and op == "delete":
            path.unlink()
        elif path.exists() and op == "move" and not (src / _NAMES[n]).exists():
            (src / _NAMES[n]).parent.mkdir(parents=True, exist_ok=True)
            path.rename(src / _NAMES[n])
        one, two = _both(src, pack, tmp_path)
        _assert_same(one, two, pack, tmp_path)
