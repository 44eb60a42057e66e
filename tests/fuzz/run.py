"""The long fuzz run: analysis never raises, never crashes the process, and is deterministic.

    python tests/fuzz/run.py --inputs 100000 --jobs 2 [--seed 1] [--out fuzz-failures]

Each worker analyzes its share of seeded random inputs (tests/fuzz/mutate.py); before each
input it writes the input to ``<out>/current-<worker>.py``, so an input that kills the
process (a segfault in a native parser) is kept. Failing inputs are saved to ``<out>``.
Exit code 0 when nothing failed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import random
import sys
import time
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.mutate import any_input
from voodoo.analysis import analyze_source


def _worker(worker: int, count: int, seed: int, out: str) -> tuple[int, list[str], float]:
    warnings.simplefilter("error")  # as in the test suite: a warning is a finding too
    rng = random.Random(f"{seed}-{worker}")
    current = Path(out) / f"current-{worker}.py"
    failures: list[str] = []
    slowest = 0.0
    for i in range(count):
        data = any_input(rng)
        current.write_bytes(data)
        t = time.monotonic()
        try:
            first = analyze_source(data, "fuzz.py")
            if i % 10 == 0 and analyze_source(data, "fuzz.py") != first:
                raise AssertionError("not deterministic")
        except BaseException:  # every escape is a finding
            name = Path(out) / f"fail-{worker}-{i}.py"
            name.write_bytes(data)
            failures.append(f"{name}: {traceback.format_exc(limit=3)}")
        slowest = max(slowest, time.monotonic() - t)
    current.unlink()
    return count, failures, slowest if count else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="fuzz-failures")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    share = [args.inputs // args.jobs + (w < args.inputs % args.jobs) for w in range(args.jobs)]
    start = time.monotonic()
    done, failures, slowest = 0, [], 0.0
    with concurrent.futures.ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(_worker, w, n, args.seed, args.out) for w, n in enumerate(share)]
        for future in futures:
            try:
                n, found, slow = future.result()
            except concurrent.futures.process.BrokenProcessPool:
                failures.append(f"a worker died; its input is in {args.out}/current-*.py")
                continue
            done += n
            failures += found
            slowest = max(slowest, slow)
    elapsed = time.monotonic() - start
    print(f"{done} inputs in {elapsed:.0f} s ({done / elapsed:.0f}/s), slowest {slowest:.2f} s, "
          f"{len(failures)} failures")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
