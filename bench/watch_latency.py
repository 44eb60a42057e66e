"""Save -> updated action delay under ``voodoo watch``: median and p95 over N saves.

    python -m bench.watch_latency [--saves 30] [--debounce 0.3]

Runs the real ``watch`` loop in a thread on a copy of examples/legacy_scripts, rewrites
one script (a new default each time, written in place as editors without atomic save
do) and times until the generated action file shows the new default. The debounce is
part of the delay by design: a sync waits for that much quiet first.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from voodoo.watch import DEBOUNCE, SyncEvent, watch

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "legacy_scripts"
SCRIPT = '''import argparse
p = argparse.ArgumentParser(description="Latency probe.")
p.add_argument("--n", type=int, default={n})
p.parse_args()
'''


def measure(saves: int, debounce: float) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(EXAMPLES, src)
        probe = src / "latency_probe.py"
        probe.write_text(SCRIPT.format(n=0))
        action = Path(tmp) / "ops/actions/latency_probe.yaml"
        stop, ready = threading.Event(), threading.Event()
        synced = threading.Event()

        def on_sync(_event: SyncEvent) -> None:
            synced.set()

        thread = threading.Thread(target=watch, args=([src], Path(tmp) / "ops"), kwargs={
            "debounce": debounce, "stop": stop, "ready": ready, "on_sync": on_sync})
        thread.start()
        assert ready.wait(120)
        delays = []
        try:
            for n in range(1, saves + 1):
                synced.clear()
                start = time.perf_counter()
                probe.write_text(SCRIPT.format(n=n))
                deadline = start + 30
                while f"default: {n}\n" not in action.read_text():
                    assert time.perf_counter() < deadline, "no sync"
                    time.sleep(0.002)
                delays.append(time.perf_counter() - start)
                synced.wait(5)  # let that sync finish reporting before the next save
        finally:
            stop.set()
            thread.join(30)
        return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--debounce", type=float, default=DEBOUNCE,
                        help="seconds (default: voodoo watch's own default)")
    args = parser.parse_args()
    delays = sorted(measure(args.saves, args.debounce))
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    print(f"{len(delays)} saves, debounce {args.debounce}s: median "
          f"{statistics.median(delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {delays[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
