"""No voodoo process imports a module from the current folder or a source folder
(issue #11, item 1).

A folder of ops scripts often holds files named like standard modules (``shutil.py``,
``struct.py``...). Each planted here writes a marker when imported. Every way voodoo starts
a process is tried: the console script (a fork pool, the forked helper), ``watch`` (a
forkserver pool: its status line is a thread), a library call with a thread running
(forkserver), and the documented ``python -P -m voodoo``; from the source folder itself
and from another folder holding the same modules.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_hostile_crashes import GOOD, _voodoo

HANG = 120
#: standard modules multiprocessing, concurrent.futures and libcst import lazily
PLANTED = ("shutil", "struct", "typing", "pickle", "tempfile", "socket", "random", "selectors")
MARKER = """\
import os as _os
_open = open
with _open(_os.path.join({folder!r}, "MARKER-" + __name__ + "-" + str(_os.getpid())),
           "w") as _f:
    _f.write("imported")
raise ImportError("planted " + __name__)
"""


def _plant(folder: Path) -> None:
    for name in PLANTED:
        (folder / f"{name}.py").write_text(MARKER.format(folder=str(folder)))


def _setup(tmp_path: Path, scripts: int = 20) -> tuple[Path, Path, Path]:
    src, elsewhere = tmp_path / "scripts", tmp_path / "elsewhere"
    src.mkdir()
    elsewhere.mkdir()
    for i in range(scripts):
        (src / f"job{i:02d}.py").write_text(GOOD)
    _plant(src)
    _plant(elsewhere)
    return src, elsewhere, tmp_path / "pack"


def _markers(*folders: Path) -> list[str]:
    return sorted(p.name for f in folders for p in f.glob("MARKER-*"))


def _ran(proc: subprocess.CompletedProcess[str], pack: Path, scripts: int = 20) -> None:
    """Every job and every planted module is an action: the planted ones do work at their
    top level, so, read (never run), each is a script without arguments."""
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(list((pack / "actions").glob("*.yaml"))) == scripts + len(PLANTED), (
        proc.stdout + proc.stderr)


@pytest.mark.parametrize("where", ["sources", "elsewhere"])
def test_the_console_script_pool_imports_nothing_from_the_cwd_or_sources(
        tmp_path: Path, where: str) -> None:
    src, elsewhere, pack = _setup(tmp_path)
    cwd = src if where == "sources" else elsewhere
    proc = subprocess.run([_voodoo(), "ingest", str(src), "--pack", str(pack), "-j", "2"],
                          cwd=cwd, capture_output=True, text=True, timeout=HANG, check=False)
    _ran(proc, pack)
    assert _markers(src, elsewhere) == []


def test_the_forked_helper_imports_nothing_from_the_cwd_or_sources(tmp_path: Path) -> None:
    src, elsewhere, pack = _setup(tmp_path, scripts=3)
    proc = subprocess.run([_voodoo(), "ingest", ".", "--pack", str(pack)], cwd=src,
                          capture_output=True, text=True, timeout=HANG, check=False)
    _ran(proc, pack, scripts=3)
    (src / "job00.py").write_text(GOOD.replace('"x"', '"y"'))  # one change: the helper
    proc = subprocess.run([_voodoo(), "ingest", ".", "--pack", str(pack)], cwd=src,
                          capture_output=True, text=True, timeout=HANG, check=False)
    _ran(proc, pack, scripts=3)
    assert _markers(src, elsewhere) == []


LIBRARY = """
import sys, threading, time
threading.Thread(target=time.sleep, args=(30,), daemon=True).start()  # -> forkserver
import voodoo
result = voodoo.ingest([sys.argv[1]], sys.argv[2], jobs=2)
print("exit", result.exit_code, len(result.files))
"""


@pytest.mark.parametrize("where", ["sources", "elsewhere"])
def test_a_forkserver_pool_imports_nothing_from_the_cwd_or_sources(
        tmp_path: Path, where: str) -> None:
    src, elsewhere, pack = _setup(tmp_path)
    cwd = src if where == "sources" else elsewhere
    # -P: the caller's own interpreter is safe; its children must be too
    proc = subprocess.run([sys.executable, "-P", "-c", LIBRARY, str(src), str(pack)],
                          cwd=cwd, capture_output=True, text=True, timeout=HANG, check=False)
    assert f"exit 0 {20 + len(PLANTED)}" in proc.stdout, proc.stdout + proc.stderr
    assert _markers(src, elsewhere) == []


def test_watch_from_inside_the_scripts_folder_imports_nothing_from_it(tmp_path: Path) -> None:
    src, elsewhere, pack = _setup(tmp_path)
    proc = subprocess.Popen([_voodoo(), "watch", ".", "--pack", str(pack)], cwd=src,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + HANG
        while (len(list((pack / "actions").glob("*.yaml"))) < 20 + len(PLANTED)
               and time.monotonic() < end and proc.poll() is None):
            time.sleep(0.1)
        (src / "job00.py").write_text(GOOD.replace('"x"', '"y"'))
        for i in range(1, 20):  # a burst of saves: a pool again
            (src / f"job{i:02d}.py").write_text(GOOD.replace('"x"', '"z"'))
        time.sleep(3)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=HANG)
    assert len(list((pack / "actions").glob("*.yaml"))) == 20 + len(PLANTED), out + err
    assert _markers(src, elsewhere) == []


def test_the_documented_python_dash_m_form_imports_nothing_from_the_cwd(tmp_path: Path) -> None:
    src, elsewhere, pack = _setup(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run([sys.executable, "-P", "-m", "voodoo", "ingest", ".", "--pack",
                           str(pack), "-j", "2"], cwd=src, env=env, capture_output=True,
                          text=True, timeout=HANG, check=False)
    _ran(proc, pack)
    assert _markers(src, elsewhere) == []
