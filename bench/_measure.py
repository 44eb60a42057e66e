"""Running one command and knowing what it cost: wall time, exit code, peak memory.

``os.wait4`` reports the resource usage of exactly the child we waited for, so the peak
RSS is that process's own (and its waited-for children's, for ``--jobs`` workers: the
largest one), not the maximum over every child this benchmark ever started.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Run:
    """One finished (or killed) process."""

    seconds: float
    returncode: int
    timed_out: bool
    max_rss_bytes: int
    stdout: str
    stderr: str


class NotAvailable(Exception):
    """A measurement that cannot be taken (yet): the message says why."""


def run(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 900.0) -> Run:
    """Run ``cmd`` to completion with stdin closed, capturing its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, cwd=cwd)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        # Tell Popen the child is reaped, so it neither waits again nor warns.
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return Run(seconds, proc.returncode, killed.is_set(), rss,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def failure(r: Run, ok_codes: Sequence[int] = (0, 1)) -> str | None:
    """Why ``r`` does not count as a measurement, or None when it does.

    Exit 1 is voodoo's "something to fix" (the synthetic repository holds broken files on
    purpose), so it still counts; a usage error, a crash or a timeout does not.
    """
    err = r.stderr.strip()
    last = err.splitlines()[-1].strip() if err else ""
    if r.timed_out:
        return f"timed out after {r.seconds:.0f} s"
    if "No such command" in err:
        return "command not implemented yet"
    option = re.search(r"No such option:? '?(-[\w-]+)", err)
    if option:
        return f"{option.group(1)} not supported yet"
    if "Traceback (most recent call last)" in err:
        return _shorten(last or "crashed")
    if r.returncode not in ok_codes:
        return _shorten(f"exit {r.returncode}: {last}" if last else f"exit {r.returncode}")
    return None


def checked(r: Run, ok_codes: Sequence[int] = (0, 1)) -> Run:
    reason = failure(r, ok_codes)
    if reason is not None:
        raise NotAvailable(reason)
    return r


def _shorten(text: str, limit: int = 70) -> str:
    # Error messages often end in "(/some/checkout/path)": noise in a table.
    text = re.sub(r"\s*\((?:/|[A-Za-z]:\\)[^)]*\)", "", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (defined for any non-empty sample)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def wait_for_text(path: Path, text: bytes, timeout: float, interval: float = 0.002) -> bool:
    """Poll ``path`` until it contains ``text``; False if ``timeout`` seconds pass first."""
    deadline = time.perf_counter() + timeout
    while True:
        try:
            if text in path.read_bytes():
                return True
        except OSError:
            pass
        if time.perf_counter() >= deadline:
            return False
        time.sleep(interval)
