"""How long ``voodoo run`` takes to show an action that prints a lot: wall time and peak
memory of the whole command, per size.

    python -m bench.run_output [--mb 1 16 100] [--json]

Ingests one argparse script that prints N MB of 80-character lines into a temporary pack,
then times ``voodoo run PACK big_output mb=N`` (its display, or ``--json``) as a user
types it, through the installed console script.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = """import argparse, sys
p = argparse.ArgumentParser()
p.add_argument("--mb", type=int, default=1)
a = p.parse_args()
sys.stdout.write(("x" * 79 + "\\n") * (a.mb * 1024 * 1024 // 80))
"""


def _voodoo() -> str:
    found = shutil.which("voodoo") or str(Path(sys.executable).with_name("voodoo"))
    if not Path(found).exists():
        raise SystemExit("the voodoo console script is not installed")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[1, 16, 100])
    parser.add_argument("--json", action="store_true", help="time --json instead")
    args = parser.parse_args(argv)
    exe = _voodoo()
    with tempfile.TemporaryDirectory(prefix="voodoo-bench-output-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        (src / "big_output.py").write_text(SCRIPT)
        pack = Path(tmp) / "pack"
        subprocess.run(
            [exe, "ingest", str(src), "--pack", str(pack)], check=True, capture_output=True
        )
        for mb in args.mb:
            command = [exe, "run", str(pack), "big_output", f"mb={mb}"]
            command += ["--json"] if args.json else []
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True)
            took = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
            print(
                f"{mb:>5} MB of stdout: {took:7.2f} s, exit {proc.returncode}, "
                f"{len(proc.stdout):,} bytes shown, peak child memory so far {peak} MB"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
