"""Where a cold ingest's time goes, phase by phase, against libcst's own parse.

    python bench/phases.py                 # N = 300 generated scripts (seed 1)
    python bench/phases.py -n 1000 --mix real
    python bench/phases.py --repo /some/wiring/repo

Everything runs in this one process and is timed in CPU seconds (``time.process_time``),
so another busy process on the machine changes the numbers little. Each phase is run on
its own, so the rows are measured, not inferred:

- *parse*: ``libcst.parse_module`` on every Python 3 file (the floor ``run.py`` uses);
- *rejected parse attempts*: the same on the files libcst rejects (Python 2, broken);
- *Python 2 conversion*: ``voodoo.py2.convert`` (fissix) of the Python 2 files, and
  libcst's parse of the conversions;
- *analysis*: ``voodoo.analysis.analyze_source`` on every file (parse included), and the
  same with the parse and the conversion taken out;
- *ingest*: ``voodoo.ingest.ingest(..., jobs=1)`` into an empty pack (analysis included),
  and what it adds to the analysis, its CPU time outside ``analyze_file``: finding local
  modules, rendering, writing the pack and the cache.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import MIXES


def _python_files(root: Path) -> list[Path]:
    from voodoo.sources import discover

    return [sf.path for sf in discover([root])]


def _cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def phases(root: Path) -> list[tuple[str, float, str]]:
    """(row, CPU seconds, what) for the repository at ``root``."""
    import libcst

    import voodoo.analysis
    from voodoo import deps, py2
    from voodoo.analysis import analyze_source
    from voodoo.ingest import ingest

    files = [(str(p), p.read_bytes()) for p in _python_files(root)]
    python3: list[tuple[str, bytes]] = []
    rejected: list[tuple[str, bytes]] = []
    for path, data in files:
        try:
            libcst.parse_module(data)
        except Exception:  # any rejection counts
            rejected.append((path, data))
        else:
            python3.append((path, data))
    python2: list[str] = []
    for path, data in rejected:
        with contextlib.suppress(py2.Python2Error):
            python2.append(py2.convert(data.decode("utf-8", "replace"), path).text)

    def parse_all(items: Iterable[tuple[str, bytes]]) -> None:
        for _, data in items:
            with contextlib.suppress(Exception):
                libcst.parse_module(data)

    def convert_all() -> None:
        for path, data in rejected:
            with contextlib.suppress(Exception):  # broken files fail here too
                libcst.parse_module(py2.convert(data.decode("utf-8", "replace") + " ",
                                                path).text)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parse = _cpu(lambda: parse_all(python3))
        attempts = _cpu(lambda: parse_all(rejected))
        # (the trailing space defeats py2's memo: each text is converted for real)
        conversion = _cpu(convert_all)
        analysis = _cpu(lambda: [analyze_source(data, path) for path, data in files])
        py2._convert.cache_clear()  # the ingest starts as cold as a new process
        deps._imports_of.cache_clear()
        inside = [0.0]  # CPU time the ingest spends in analyze_file
        real = voodoo.analysis.analyze_file

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                inside[0] += time.process_time() - start

        voodoo.analysis.analyze_file = timed  # type: ignore[assignment]
        try:
            with tempfile.TemporaryDirectory() as tmp:
                whole = _cpu(lambda: ingest([root], Path(tmp) / "pack", jobs=1))
        finally:
            voodoo.analysis.analyze_file = real
    beyond = analysis - parse - attempts - conversion
    return [
        (f"libcst parse, {len(python3)} Python 3 files", parse, "the floor"),
        (f"rejected parse attempts, {len(rejected)} files", attempts,
         "Python 2 and broken files: libcst says no first"),
        (f"Python 2 conversion, {len(python2)} files", conversion,
         "fissix's grammar and fixers, then libcst's parse of the result"),
        ("analysis beyond parsing", beyond,
         "analyze_source on every file, less the three rows above"),
        ("render, write pack and cache", whole - inside[0],
         "ingest(jobs=1) into an empty pack, less its time in analyze_file"),
        ("cold ingest, in process", whole, "ingest(jobs=1), all of it"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--scripts", type=int, default=300,
                        help="scripts to generate (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=MIXES, default="synthetic",
                        help="which generated repository (default: %(default)s)")
    parser.add_argument("--repo", type=Path, help="measure this folder instead")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = opts.repo
        if root is None:
            from bench.generate import generate_repo

            root = Path(tmp) / "repo"
            generate_repo(root, opts.scripts, opts.seed, opts.mix)
        rows = phases(root)
    floor = rows[0][1]
    where = root if opts.repo else f"N={opts.scripts}, {opts.mix} mix, seed {opts.seed}"
    print(f"cold ingest phases, CPU seconds, {where}")
    print(f"{'phase':<42} {'CPU s':>7} {'x parse':>8}  what")
    for label, seconds, what in rows:
        print(f"{label:<42} {seconds:7.2f} {seconds / floor:8.2f}  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
