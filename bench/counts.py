"""Actions and diagnostics voodoo reports for source trees (a dry run: nothing written).

    python bench/counts.py examples/legacy_scripts tests/fixtures/ops_repo

One line per tree: actions, scripts with actions, skipped files, diagnostics by severity,
then the diagnostic codes and how often each appears. Run it from another checkout
(``PYTHONPATH=that/checkout``) to compare versions on the same trees.
"""

from __future__ import annotations

import collections
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout given there wins

from voodoo.ingest import FileStatus, ingest  # noqa: E402


def main(trees: list[str]) -> int:
    for tree in trees:
        with tempfile.TemporaryDirectory() as tmp:
            result = ingest([tree], Path(tmp) / "pack", dry_run=True)
        diagnostics = [d for f in result.files for d in f.diagnostics]
        severities = collections.Counter(d.severity.value for d in diagnostics)
        codes = collections.Counter(d.code for d in diagnostics)
        print(
            f"{tree}: {sum(len(f.actions) for f in result.files)} actions from "
            f"{sum(1 for f in result.files if f.actions)} scripts, "
            f"{sum(1 for f in result.files if f.status is FileStatus.SKIPPED)} skipped; "
            f"{len(diagnostics)} diagnostics ({severities['warning']} warnings, "
            f"{severities['info']} infos, {severities['error']} errors)"
        )
        print("  " + ", ".join(f"{code} {n}" for code, n in sorted(codes.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["examples/legacy_scripts"]))
