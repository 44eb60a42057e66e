"""``ingest(..., jobs=N)``: the same pack, byte for byte, however many processes parse.

No timings here: speed is measured by ``bench/run.py``, never asserted in tests.
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generate import generate_repo
from tests.fidelity import EXAMPLES
from voodoo.check import check
from voodoo.cli import cli
from voodoo.ingest import FileStatus, IngestResult, ingest
from voodoo.sources import discover

workers = importlib.import_module("voodoo.workers")


@pytest.fixture(autouse=True)
def _always_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples are fewer files than make a pool worth it: force one anyway.
    monkeypatch.setattr(workers, "POOL_MIN_FILES", 1)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "lock"}


def _both(sources: Path, tmp_path: Path) -> tuple[IngestResult, IngestResult]:
    one = ingest([sources], tmp_path / "one" / "ops", jobs=1)
    two = ingest([sources], tmp_path / "two" / "ops", jobs=2)
    return one, two


def _same(one: IngestResult, two: IngestResult, tmp_path: Path) -> None:
    assert _tree(tmp_path / "one" / "ops") == _tree(tmp_path / "two" / "ops")
    assert one.files == two.files
    assert one.changes == two.changes
    assert one.exit_code == two.exit_code


def test_examples_give_a_byte_identical_pack(tmp_path: Path) -> None:
    one, two = _both(EXAMPLES, tmp_path)
    _same(one, two, tmp_path)


def test_generated_repository_gives_a_byte_identical_pack(tmp_path: Path) -> None:
    stats = generate_repo(tmp_path / "repo", 60, seed=2)
    one, two = _both(stats.root, tmp_path)
    _same(one, two, tmp_path)
    # Broken files fail in a worker as they do in process; Python 2 ones are converted.
    failed = {f.relpath for f in two.failed}
    assert failed == {s.relpath for s in stats.broken}
    status = {f.relpath: f.status for f in two.files}
    assert {status[s.relpath] for s in stats.python2} == {FileStatus.INGESTED}


def test_a_broken_file_in_a_worker_fails_alone(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a", "b", "c"):
        (src / f"{name}.py").write_text(
            f"import argparse\np = argparse.ArgumentParser(description='{name}')\n"
            "p.add_argument('--n', type=int)\np.parse_args()\n")
    (src / "broken.py").write_text("def oops(:\n")
    (src / "binary.py").write_bytes(b"\x00\x01")
    result = ingest([src], tmp_path / "pack", jobs=2)
    status = {f.relpath: f.status for f in result.files}
    assert status == {"a.py": FileStatus.INGESTED, "b.py": FileStatus.INGESTED,
                      "binary.py": FileStatus.FAILED, "broken.py": FileStatus.FAILED,
                      "c.py": FileStatus.INGESTED}
    assert result.exit_code == 1


def test_analyses_survive_pickling(tmp_path: Path) -> None:
    sf = discover([EXAMPLES])[0]
    analyzed = workers.analyze_one(sf, EXAMPLES.resolve(), functions=False)
    assert pickle.loads(pickle.dumps(analyzed)) == analyzed


def test_broken_files_are_cached_and_check_answers_without_parsing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.py").write_text("import sys\nprint(sys.argv[1])\n")
    (src / "broken.py").write_text("def oops(:\n")
    pack = tmp_path / "pack"
    first = ingest([src], pack, jobs=1)
    assert [f.relpath for f in first.failed] == ["broken.py"]
    result = check([src], pack)
    assert result.result is None  # the fast path: no dry run, no libcst
    assert not result.in_sync and result.exit_code == 1
    assert result.lines() == [f"broken.py: failed: {d}" for d in first.failed[0].diagnostics]
    again = ingest([src], pack, jobs=1)
    assert again.files == first.files and not again.plan.changes


def test_cli_takes_jobs(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["ingest", str(EXAMPLES), "--pack", str(tmp_path / "p"),
                             "--jobs", "2"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["ingest", str(EXAMPLES), "--pack", str(tmp_path / "q"),
                              "--jobs", "0"])
    assert bad.exit_code == 2


def test_yaml_rendered_in_workers_is_used_only_for_commands_that_reach_render_unchanged(
        tmp_path: Path) -> None:
    import yaml

    src = tmp_path / "src"
    for folder in ("a", "b"):  # two backup.py: their actions clash and are renamed
        (src / folder).mkdir(parents=True)
        (src / folder / "backup.py").write_text(
            "import argparse\np = argparse.ArgumentParser(description='Back up')\n"
            f"p.add_argument('--{folder}-only', action='store_true')\np.parse_args()\n")
    (src / "tool.py").write_text(
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('host')\n"
        "p.parse_args()\n")
    (src / "voodoo.yaml").write_text(
        "sources: [.]\nscripts:\n  tool.py:\n    action: renamed_tool\n")
    from voodoo.config import find

    config = find(src)
    one = ingest([src], tmp_path / "one" / "ops", jobs=1, config=config)
    two = ingest([src], tmp_path / "two" / "ops", jobs=2, config=config)
    _same(one, two, tmp_path)
    actions = tmp_path / "two/ops/actions"
    names = sorted(p.stem for p in actions.glob("*.yaml"))
    assert "renamed_tool" in names and "tool" not in names  # the configured name
    assert len([n for n in names if "backup" in n]) == 2  # renamed apart
    for path in actions.glob("*.yaml"):  # each YAML names its own action and entry point
        meta = yaml.safe_load(path.read_text())
        assert meta["name"] == path.stem and meta["entry_point"] == f"{path.stem}.py"
