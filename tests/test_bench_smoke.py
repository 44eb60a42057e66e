"""The benchmark runs and reports every row; its synthetic repository is what it claims.

Nothing here asserts on timings: these tests keep the benchmark working, they do not
measure voodoo.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench import _realmix
from bench import run as bench_run
from bench._styles import Style
from bench.generate import MAX_SIZE, MIN_SIZE, STYLE_WEIGHTS, RepoStats, Role, generate_repo

ROOT = Path(__file__).resolve().parent.parent
STUB = Path(__file__).resolve().parent / "fixtures" / "stub_voodoo.py"
SMALL = ["-n", "20", "--memory-sizes", "20", "--sample", "3", "--repeat", "1",
         "--watch-edits", "3", "--timeout", "60"]


def test_benchmark_prints_every_row_for_both_mixes() -> None:
    proc = subprocess.run([sys.executable, "bench/run.py", *SMALL, "--plain"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    labels = bench_run.row_labels([20], ["synthetic", "real"])
    for label in labels:
        assert label in proc.stdout
    assert "voodoo benchmark: N=20 scripts" in proc.stdout
    assert "[synthetic] 20 scripts" in proc.stdout and "[real] 20 scripts" in proc.stdout
    table = {line.split("  ")[0]: line for line in proc.stdout.splitlines()}
    for mix in ("synthetic", "real"):  # the per-mix rows are measured, not "n/a"
        for base in ("cold ingest, one process", "libcst parse floor", "import-based --help"):
            assert "n/a" not in table[bench_run.mix_label(base, mix)], table
        assert "x parse floor" in table[bench_run.mix_label("cold ingest, one process", mix)]
        assert "x cold ingest" in table[bench_run.mix_label("import-based --help", mix)]


def test_one_mix_alone_gives_only_its_rows() -> None:
    proc = subprocess.run([sys.executable, "bench/run.py", "-n", "10", "--mix", "real",
                           "--only", "ingest,parse", "--plain"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "cold ingest, one process [real]" in proc.stdout
    assert "[synthetic]" not in proc.stdout
    assert "n/a (not selected)" in proc.stdout  # what was not asked for says so


@pytest.mark.parametrize("mix", ["synthetic", "real"])
def test_every_measurement_has_a_value_with_a_working_cli(tmp_path: Path, mix: str) -> None:
    # A stub that honours the CLI contract: proves the harness measures once voodoo does.
    opts = bench_run.parse_args([*SMALL, "--voodoo", shlex.join([sys.executable, str(STUB)]),
                                 "--workdir", str(tmp_path), "--mix", mix])
    bench = bench_run.Bench(opts, tmp_path, mix)
    assert bench.stats.mix == mix
    res = bench_run.measure(bench, opts.only, opts.memory_sizes)
    assert res["jobs"].na in ("--jobs not supported yet", "fewer than 2 CPUs")
    for key, result in res.items():
        if key != "jobs":
            assert result.na is None, (key, result.na)
            assert result.value is not None and result.value > 0
    assert "0 missed" in res["watch_median"].detail
    assert "updated 1/1" in res["reingest"].detail
    assert f"{len(bench.stats.python_files)} files" in res["parse"].detail
    rows = bench_run.build_rows({mix: res}, opts)
    assert [r.label for r in rows] == bench_run.row_labels([20], [mix])


def test_the_import_based_row_has_no_target_and_the_new_targets_are_stated() -> None:
    opts = bench_run.parse_args(["--mix", "synthetic,real"])
    assert opts.mix == ["synthetic", "real"]
    assert bench_run.parse_args([]).mix == ["synthetic", "real"]  # both by default
    res = {"ingest": bench_run.Result(10.0), "parse": bench_run.Result(4.0),
           "import": bench_run.Result(14.0),
           "jobs": bench_run.Result(5.0, before=10.0), "memory_5000": bench_run.Result(2.6e8)}
    rows = {r.label: r for r in bench_run.build_rows({"synthetic": res, "real": res}, opts)}
    imp = rows["import-based --help [real]"]
    assert (imp.ratio, imp.target, imp.met) == ("1.40x cold ingest", "none: measured ratio", "-")
    assert not any("15x" in r.target for r in rows.values())  # the ">= 15x" row is retired
    ingest = rows["cold ingest, one process [real]"]
    assert (ingest.ratio, ingest.target, ingest.met) == ("2.50x parse floor",
                                                          "<= 1.5x parse floor", "NO")
    jobs = rows["parallel ingest speed-up [synthetic]"]
    assert (jobs.ratio, jobs.met) == ("2.00x faster", "yes") and ">= 1.8x" in jobs.target
    memory = rows["peak memory, cold ingest, N=5,000"]
    assert (memory.target, memory.met) == ("< 250 MB", "NO")  # 260 MB misses 250 MB
    assert rows["check, nothing changed"].target == "< 0.3 s at N=1,000"  # daily: as before


@pytest.mark.parametrize("args", [["--only", "ingest,nope"], ["--mix", "synthetic,nope"],
                                  ["--mix", ""]])
def test_unknown_measurement_or_mix_is_a_usage_error(args: list[str]) -> None:
    with pytest.raises(SystemExit) as e:
        bench_run.parse_args(args)
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


def test_measured_processes_run_with_bytecode_and_it_is_written_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "benchpkg_bytecode"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")
    (package / "sub" / "mod.py").write_text("y = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")

    done = bench_run.compile_bytecode(("benchpkg_bytecode", "no_such_package_here"))

    assert done == ["benchpkg_bytecode"]  # the missing one is skipped, not an error
    assert list((package / "__pycache__").glob("__init__.*.pyc"))
    assert list((package / "sub" / "__pycache__").glob("mod.*.pyc"))
    opts = bench_run.parse_args(["-n", "1"])
    bench = bench_run.Bench.__new__(bench_run.Bench)
    bench.opts, bench.wd = opts, tmp_path
    env = bench._env()
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["XDG_CACHE_HOME"] == str(tmp_path / "cache")  # the rest as before


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
    assert set(repo.by_style()) == {str(s) for s in STYLE_WEIGHTS}
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


@pytest.mark.parametrize("mix", ["synthetic", "real"])
def test_the_phase_breakdown_runs_on_the_generated_repository(tmp_path: Path, mix: str) -> None:
    from bench.phases import phases

    root = tmp_path / "repo"
    stats = generate_repo(root, 20, 1, mix)
    result = phases(root)
    rows = {label.split(",")[0]: seconds for label, seconds, _ in result}
    assert list(rows) == ["libcst parse", "rejected parse attempts", "Python 2 conversion",
                          "analysis beyond parsing", "render", "cold ingest"]
    for measured in ("libcst parse", "Python 2 conversion", "cold ingest"):
        assert rows[measured] > 0, measured
    labels = " | ".join(label for label, _, _ in result)
    python2 = len(stats.python2_files)
    broken = len(stats.broken)
    assert python2 and f"Python 2 conversion, {python2} files" in labels
    assert f"rejected parse attempts, {python2 + broken} files" in labels
    python3 = len(stats.python_files) - python2 - broken
    assert f"libcst parse, {python3} Python 3 files" in labels


def test_the_phase_script_takes_the_mix() -> None:
    proc = subprocess.run([sys.executable, "bench/phases.py", "-n", "10", "--mix", "real"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "N=10, real mix" in proc.stdout and "Python 2 conversion" in proc.stdout


# -- the real mix ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RepoStats:
    return generate_repo(tmp_path_factory.mktemp("real"), 200, seed=1, mix="real")


def _text(repo: RepoStats, rel: str) -> str:
    return (repo.root / rel).read_text(encoding="utf-8")


def test_real_mix_same_seed_gives_a_byte_identical_tree(tmp_path: Path) -> None:
    generate_repo(tmp_path / "a", 40, seed=3, mix="real")
    generate_repo(tmp_path / "b", 40, seed=3, mix="real")
    generate_repo(tmp_path / "c", 40, seed=4, mix="real")
    generate_repo(tmp_path / "d", 40, seed=3)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "d")  # the mix matters
    with pytest.raises(ValueError, match="unknown mix"):
        generate_repo(tmp_path / "e", 5, seed=1, mix="nope")


def test_real_mix_is_a_fifth_python2_written_in_python2_throughout(
        real: RepoStats, repo: RepoStats) -> None:
    from voodoo import py2

    assert 0.18 <= len(real.python2) / len(real.scripts) <= 0.22
    assert len(repo.python2) / len(repo.scripts) < 0.1  # the synthetic mix: far fewer
    assert 0.12 <= len(real.python2_files) / len(real.python_files) <= 0.25
    assert any(m.python2 for m in real.modules)  # legacy helpers too, not only scripts
    idioms = {"iteritems()": 0, "print >>sys.stderr": 0, "raw_input(": 0, "<>": 0}
    for rel in real.python2_files:
        source = _text(real, rel)
        assert not _compiles(source.encode(), rel), rel
        py2.convert(source, rel)  # valid Python 2: fissix reads it (raises otherwise)
        for idiom in idioms:
            idioms[idiom] += idiom in source
    assert all(idioms.values()), idioms  # beyond print and except: the padding too
    broken = {s.relpath for s in real.broken}
    assert len(broken) == 2
    for rel in set(real.python_files) - set(real.python2_files) - broken:
        assert _compiles((real.root / rel).read_bytes(), rel), rel


def test_real_mix_scripts_are_2_to_40_kb(real: RepoStats, repo: RepoStats) -> None:
    sizes = sorted(s.size for s in real.scripts)
    assert sizes[0] >= 2 * 1024 and sizes[-1] <= 40 * 1024
    assert sizes[-1] > 20 * 1024 and sizes[-1] > 5 * sizes[0]  # a spread, up to big files
    synthetic = sorted(s.size for s in repo.scripts)
    assert sizes[0] > synthetic[0] and sizes[len(sizes) // 2] > synthetic[len(synthetic) // 2]


def test_real_mix_scripts_import_helper_packages(real: RepoStats) -> None:
    packages = {m.relpath for m in real.modules if m.role is Role.PACKAGE}
    inits = {p for p in packages if p.endswith("/__init__.py")}
    assert "opslib/__init__.py" in inits and "opslib/cloud/__init__.py" in inits
    texts = {rel: _text(real, rel) for rel in packages}
    assert any(re.search(r"^from \.\w+ import ", t, re.M) for t in texts.values())  # relative
    assert any(re.search(r"^from \.\.\w+ import ", t, re.M) for t in texts.values())
    assert any(re.search(r"^from opslib\.\w+ import ", t, re.M) for t in texts.values())
    importing = [s for s in real.scripts if set(s.helpers) & packages]
    assert len(importing) >= 10
    for s in importing:
        assert re.search(r"^(from opslib|import opslib|from \w+lib|import \w+lib)",
                         _text(real, s.relpath), re.M), s.relpath
    # Helper packages have no command line: no module of theirs is among the scripts.
    assert not packages & {s.relpath for s in real.scripts}
    assert not any("__main__" in t for t in texts.values())


def test_real_mix_has_tests_setup_and_vendored_copies_that_are_not_scripts(
        real: RepoStats, repo: RepoStats) -> None:
    roles = real.by_role()
    assert roles["test"] >= 200 // 12 and roles["setup.py"] >= 2 and roles["vendored"] >= 10
    assert set(repo.by_role()) == {"helper module"}  # the synthetic mix: helpers only
    scripts = {s.relpath for s in real.scripts}
    by_role = {r: [m.relpath for m in real.modules if m.role is r] for r in Role}
    assert "tests/conftest.py" in by_role[Role.TEST]
    assert "parser.addoption(" in _text(real, "tests/conftest.py")  # not a command line
    tests = [p for p in by_role[Role.TEST] if Path(p).name.startswith("test_")]
    assert any(p.startswith("tests/") for p in tests)
    assert any(p.startswith("opslib/tests/") for p in tests)
    assert "setup.py" in by_role[Role.SETUP] and "setup(" in _text(real, "setup.py")
    for rel in by_role[Role.TEST] + by_role[Role.SETUP]:
        assert rel not in scripts and "__main__" not in _text(real, rel), rel
    vendored = by_role[Role.VENDORED]
    homes = {p.split("/backoff_lite/")[0] for p in vendored if "/backoff_lite/" in p}
    assert "vendor" in homes and any(h.endswith("/third_party") for h in homes)
    copies = [_tree(real.root / h / "backoff_lite") for h in homes]
    assert all(c == copies[0] for c in copies)  # copies of one library, byte for byte


def test_real_mix_repeats_names_in_nested_folders(real: RepoStats, repo: RepoStats) -> None:
    names = Counter(Path(s.relpath).name for s in real.scripts)
    repeated = {name for name, k in names.items() if k > 1}
    assert repeated & {f"{stem}.py" for stem in _realmix.COMMON_STEMS}
    assert any(names[f"{stem}.py"] >= 3 for stem in ("check", "status", "cleanup", "backup"))
    utils = [p for p in real.python_files if Path(p).name == "utils.py"]
    assert len(utils) >= 4 and len({str(Path(p).parent) for p in utils}) == len(utils)
    assert any(s.relpath.count("/") >= 3 for s in real.scripts)  # nested folders
    synthetic = Counter(Path(s.relpath).name for s in repo.scripts)
    assert max(synthetic.values()) == 1  # the synthetic mix: every name once


def test_real_mix_has_tools_with_no_arguments(real: RepoStats) -> None:
    tools = [s for s in real.scripts if s.style is Style.NO_ARGS and not s.broken]
    assert len(tools) >= 0.05 * len(real.scripts) and any(s.python2 for s in tools)
    for s in tools:
        text = _text(real, s.relpath)
        assert re.search(r'^if __name__ == "__main__":\n    (sys\.exit\()?main\(\)', text, re.M)
        assert "argv" not in text and "argparse" not in text and "click" not in text


def test_real_mix_spreads_cli_styles_like_real_repositories(real: RepoStats) -> None:
    py3 = Counter(str(s.style) for s in real.scripts if not s.python2 and not s.broken)
    py2 = Counter(str(s.style) for s in real.python2)
    assert set(py3) == {str(s) for s in _realmix.STYLE_WEIGHTS}  # typer, docopt, fire too
    assert max(py3, key=lambda k: py3[k]) == "argparse"
    assert set(py2) <= {str(s) for s in _realmix.PY2_WEIGHTS}
    assert not {"click", "typer", "docopt", "fire"} & set(py2)
    old_style = ("optparse", "getopt", "sys.argv")
    share2 = sum(py2[k] for k in old_style) / sum(py2.values())
    share3 = sum(py3[k] for k in old_style) / sum(py3.values())
    assert share2 > 0.4 and share2 > 2 * share3
