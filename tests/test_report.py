"""The ingest report: above ``FULL_TABLE_MAX`` files, only what failed or changed is listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from voodoo import report
from voodoo.ingest import FileOutcome, FileStatus, IngestResult
from voodoo.model import Diagnostic, Severity
from voodoo.pack import Plan, Reason, Write
from voodoo.reconcile import Change, ChangeKind


def _outcome(name: str, status: FileStatus, *severities: Severity) -> FileOutcome:
    notes = tuple(Diagnostic(name, 3, s, "code", f"{s.value} about {name}")
                  for s in severities)
    actions = (name.removesuffix(".py"),) if status is FileStatus.INGESTED else ()
    return FileOutcome(name, status, "argparse", actions, notes)


def _result(n: int) -> IngestResult:
    files = [
        _outcome("changed.py", FileStatus.INGESTED, Severity.WARNING),
        _outcome("broken.py", FileStatus.FAILED, Severity.ERROR),
        _outcome("warned.py", FileStatus.INGESTED, Severity.WARNING, Severity.INFO),
        *(_outcome(f"quiet{i:03d}.py", FileStatus.INGESTED, Severity.INFO)
          for i in range(n - 3)),
    ]
    write = Write("actions/changed.yaml", b"x", Reason.UPDATE, expected=None)
    change = Change(ChangeKind.UPDATED, "actions/changed.yaml", "changed")
    return IngestResult(Path("ops"), "ops", tuple(files), Plan(writes=(write,)), applied=True,
                        changes=(change,))


def test_a_large_run_lists_what_failed_or_changed_and_counts_the_rest(
        capsys: pytest.CaptureFixture[str]) -> None:
    n = report.FULL_TABLE_MAX + 10
    report.print_ingest(_result(n))
    out = capsys.readouterr().out
    assert "changed.py" in out and "warning about changed.py" in out
    assert "broken.py" in out and "error about broken.py" in out
    # an unchanged file's warning is counted, not listed again
    assert "warned.py" not in out and "quiet000.py" not in out
    assert (f"{n - 2} files that changed nothing in the pack not listed ({n - 1} notes, 1 of "
            "them warnings; --verbose lists them).") in out


def test_a_small_run_lists_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    report.print_ingest(_result(5))
    out = capsys.readouterr().out
    assert "warned.py" in out and "warning about warned.py" in out and "quiet001.py" in out
    assert "not listed" not in out
