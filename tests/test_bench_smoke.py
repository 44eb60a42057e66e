"""The benchmark runs and reports every row; its synthetic repository is what it claims.

Nothing here asserts on timings: these tests keep the benchmark working, they do not
measure voodoo.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bench import run as bench_run
from bench._styles import Style
from bench.generate import MAX_SIZE, MIN_SIZE, RepoStats, generate_repo

ROOT = Path(__file__).resolve().parent.parent
STUB = Path(__file__).resolve().parent / "fixtures" / "stub_voodoo.py"
SMALL = ["-n", "20", "--memory-sizes", "20", "--sample", "3", "--repeat", "1",
         "--watch-edits", "3", "--timeout", "60"]


def test_benchmark_prints_every_row() -> None:
    proc = subprocess.run([sys.executable, "bench/run.py", *SMALL, "--plain"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    for label in bench_run.row_labels([20]):
        assert label in proc.stdout
    assert "voodoo benchmark: N=20 scripts" in proc.stdout


def test_every_measurement_has_a_value_with_a_working_cli(tmp_path: Path) -> None:
    # A stub that honours the CLI contract: proves the harness measures once voodoo does.
    opts = bench_run.parse_args([*SMALL, "--voodoo", shlex.join([sys.executable, str(STUB)]),
                                 "--workdir", str(tmp_path)])
    res = bench_run.measure(bench_run.Bench(opts, tmp_path), opts.only, opts.memory_sizes)
    assert res["jobs"].na in ("--jobs not supported yet", "fewer than 2 CPUs")
    for key, result in res.items():
        if key != "jobs":
            assert result.na is None, (key, result.na)
            assert result.value is not None and result.value > 0
    assert "0 missed" in res["watch_median"].detail
    assert "updated 1/1" in res["reingest"].detail
    rows = bench_run.build_rows(res, opts)
    assert [r.label for r in rows] == bench_run.row_labels([20])


def test_unknown_measurement_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as e:
        bench_run.parse_args(["--only", "ingest,nope"])
    assert e.value.code == 2


# -- the generator --------------------------------------------------------------------------

def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_a_byte_identical_tree(tmp_path: Path) -> None:
    generate_repo(tmp_path / "a", 60, seed=3)
    generate_repo(tmp_path / "b", 60, seed=3)
    generate_repo(tmp_path / "c", 60, seed=4)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "stale.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="not empty"):
        generate_repo(tmp_path, 5, seed=1)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> RepoStats:
    return generate_repo(tmp_path_factory.mktemp("repo"), 200, seed=1)


def _compiles(source: bytes, name: str) -> bool:
    try:
        compile(source, name, "exec")
    except SyntaxError:
        return False
    return True


def _as_python3(source: str) -> str:
    """Undo exactly the Python 2 spellings the generator writes."""
    source = re.sub(r"^(\s*)print >>(\S+), (.*)$", r"\1print(\3, file=\2)", source, flags=re.M)
    source = re.sub(r"^(\s*)print (.*)$", r"\1print(\2)", source, flags=re.M)
    return re.sub(r"except ([\w.]+|\([^)]*\)), (\w+):", r"except \1 as \2:", source)


def test_every_style_is_present(repo: RepoStats) -> None:
    assert len(repo.scripts) == 200
    assert set(repo.by_style()) == {str(s) for s in Style}
    assert max(repo.by_style(), key=lambda s: repo.by_style()[s]) == "argparse"
    assert repo.python2
    assert any(s.subcommands for s in repo.scripts)
    assert any(s.helpers for s in repo.scripts)
    assert all((repo.root / h).is_file() for s in repo.scripts for h in s.helpers)


def test_sizes_are_within_bounds(repo: RepoStats) -> None:
    for rel in repo.python_files:
        size = (repo.root / rel).stat().st_size
        assert MIN_SIZE <= size <= MAX_SIZE, (rel, size)
    sizes = sorted(s.size for s in repo.scripts)
    assert sizes[-1] > 4 * sizes[0]  # a spread, not one size


def test_about_one_percent_is_broken_and_really_fails(repo: RepoStats) -> None:
    assert len(repo.broken) == 2
    for s in repo.broken:
        assert not _compiles((repo.root / s.relpath).read_bytes(), s.relpath)


def test_python2_scripts_fail_as_python3_but_are_valid_python2(repo: RepoStats) -> None:
    for s in repo.python2:
        source = (repo.root / s.relpath).read_text(encoding="utf-8")
        assert not _compiles(source.encode(), s.relpath)
        assert re.search(r"^\s*print [^(]", source, flags=re.M)
        assert _compiles(_as_python3(source).encode(), s.relpath)


def test_every_other_file_compiles(repo: RepoStats) -> None:
    odd = {s.relpath for s in repo.broken + repo.python2}
    for rel in repo.python_files:
        if rel not in odd:
            assert _compiles((repo.root / rel).read_bytes(), rel), rel


def test_descriptions_are_verbatim_in_their_scripts(repo: RepoStats) -> None:
    described = [s for s in repo.scripts if s.description]
    assert described
    for s in described:
        text = (repo.root / s.relpath).read_text(encoding="utf-8")
        assert text.count(f'description="{s.description}"') == 1


def test_accuracy_report_covers_every_style_of_the_examples() -> None:
    """bench/accuracy.py: exact-parameter counts per style (Python 2 examples included)."""
    proc = subprocess.run([sys.executable, "bench/accuracy.py"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("|")[1].strip() for line in proc.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| style")}
    assert {"argparse", "click", "typer", "optparse", "getopt", "docopt", "fire",
            "functions", "sysargv"} <= rows


def test_the_phase_breakdown_runs_on_the_generated_repository(tmp_path: Path) -> None:
    from bench.phases import phases

    root = tmp_path / "repo"
    stats = generate_repo(root, 20, 1)
    result = phases(root)
    rows = {label.split(",")[0]: seconds for label, seconds, _ in result}
    assert list(rows) == ["libcst parse", "rejected parse attempts", "Python 2 conversion",
                          "analysis beyond parsing", "render", "cold ingest"]
    for measured in ("libcst parse", "Python 2 conversion", "cold ingest"):
        assert rows[measured] > 0, measured
    labels = " | ".join(label for label, _, _ in result)
    python2 = sum(1 for s in stats.scripts if s.python2)
    broken = sum(1 for s in stats.scripts if s.broken)
    assert python2 and f"Python 2 conversion, {python2} files" in labels
    assert f"rejected parse attempts, {python2 + broken} files" in labels
    python3 = len(stats.scripts) + len(stats.helpers) - python2 - broken
    assert f"libcst parse, {python3} Python 3 files" in labels
