"""The helper process an ingest forks to import the analyzers while it reads the pack: the
same results as without it, and no harm when it fails or has nothing to do.

No timings here: speed is measured by ``bench/run.py``, never asserted in tests.
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fidelity import EXAMPLES
from voodoo.ingest import ingest
from voodoo.sources import discover
from voodoo.workers import Helper, analyze_many, analyze_one, start_helper

workers = importlib.import_module("voodoo.workers")

ROOT = Path(__file__).resolve().parent.parent
PARENT = os.getpid()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "lock"}


def _files(n: int) -> list:  # type: ignore[type-arg]
    return discover([EXAMPLES])[:n]


def _fails_in_the_helper(sf, **kw):  # type: ignore[no-untyped-def]
    if os.getpid() != PARENT:
        raise RuntimeError("in the helper")
    return analyze_one(sf, **kw)


def test_the_helper_analyzes_as_this_process_does() -> None:
    files = _files(3)
    work = functools.partial(analyze_one, source_root=EXAMPLES, functions=False,
                             max_size=1 << 20)
    assert Helper().run(work, files) == [work(sf) for sf in files]


def test_a_helper_that_fails_returns_nothing() -> None:
    work = functools.partial(_fails_in_the_helper, source_root=EXAMPLES, functions=False)
    assert Helper().run(work, _files(1)) is None


def test_when_the_helper_fails_this_process_does_the_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "analyze_one", _fails_in_the_helper)
    files = _files(2)
    got = list(analyze_many(files, EXAMPLES, False, 1 << 20, None, Helper()))
    assert got == [analyze_one(sf, EXAMPLES, functions=False) for sf in files]


def test_a_helper_with_nothing_to_do_is_stopped() -> None:
    helper = Helper()
    assert list(analyze_many([], EXAMPLES, False, 1 << 20, None, helper)) == []
    helper.close()  # (again: harmless)
    assert not helper._process.is_alive()


def test_no_helper_once_the_analyzers_are_imported_or_for_one_job_or_a_dry_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "voodoo.analysis", raising=False)
    assert start_helper(1, dry_run=False) is None
    assert start_helper(None, dry_run=True) is None
    monkeypatch.undo()
    import voodoo.analysis  # noqa: F401

    assert start_helper(None, dry_run=False) is None


def test_no_process_to_spare_means_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing.process

    def refuse(self: object) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.delitem(sys.modules, "voodoo.analysis", raising=False)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    assert start_helper(None, dry_run=False) is None


def test_the_command_with_its_helper_writes_what_one_process_writes(tmp_path: Path) -> None:
    """In a fresh process the analyzers are not imported yet: ``voodoo ingest`` forks its
    helper, which parses the edited script; the pack is byte for byte the one an ingest
    without a helper writes."""
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    one, two = tmp_path / "one" / "ops", tmp_path / "two" / "ops"
    ingest([src], one, jobs=1)
    ingest([src], two, jobs=1)
    script = src / "run_puppet.py"
    script.write_text(script.read_text().replace("puppet agent pass", "puppet run"))
    ingest([src], one, jobs=1)
    code = ("import sys\n"
            "import importlib\n"
            "m = importlib.import_module('voodoo.workers')\n"
            "run, used = m.Helper.run, []\n"
            "m.Helper.run = lambda self, work, files: used.append(len(files)) or "
            "run(self, work, files)\n"
            "from voodoo.cli import main\n"
            "code = main(['ingest', sys.argv[1], '--pack', sys.argv[2]])\n"
            "print('helper ran on', used)\n"
            "sys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(src), str(two)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "helper ran on [1]" in proc.stdout
    assert _tree(one) == _tree(two)
