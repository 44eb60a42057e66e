"""The processes voodoo starts to analyze scripts (the ingest helper, pool workers).

Two rules hold for each of them:

- It never imports a module from the current folder or a source folder. A scripts folder
  often holds a ``shutil.py`` or ``struct.py``: a forkserver started with ``-c`` puts the
  current folder first on its path, and every child takes the parent's ``sys.path``, so
  children are started with both cleaned (``clean_import_path``).
- It dies with the process that started it (``die_with_parent``): a worker that outlived
  a killed ingest kept running, and, with the pack lock inherited, blocked every later run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

#: Seconds between two looks at whether the parent is still there.
_WATCH_EVERY = 0.2
_PR_SET_PDEATHSIG = 1  #: linux/prctl.h


def _unsafe_entries(folders: Iterable[Path]) -> set[str]:
    out = {os.getcwd()}
    for folder in folders:
        with contextlib.suppress(OSError, RuntimeError):
            out.add(str(Path(folder).resolve()))
    return out


def safe_path(folders: Iterable[Path] = ()) -> list[str]:
    """``sys.path`` without the current folder (``""``, ``"."`` or its path) and without
    ``folders``."""
    unsafe = _unsafe_entries(folders)
    out = []
    for entry in sys.path:
        if entry in ("", "."):
            continue
        try:
            resolved = str(Path(entry).resolve())
        except (OSError, RuntimeError):
            resolved = entry
        if resolved not in unsafe:
            out.append(entry)
    return out


@contextlib.contextmanager
def clean_import_path(folders: Iterable[Path] = ()) -> Iterator[None]:
    """While child processes are started: ``sys.path`` is ``safe_path(folders)`` (children
    take it over), and ``PYTHONSAFEPATH`` is set, so an interpreter started with ``-c``
    (multiprocessing's forkserver) does not put the current folder first either."""
    saved_path = sys.path[:]
    saved_env = os.environ.get("PYTHONSAFEPATH")
    sys.path[:] = safe_path(folders)
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        sys.path[:] = saved_path
        if saved_env is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = saved_env


def die_with_parent(main_pid: int) -> None:
    """In a child: be killed when its parent dies, or when ``main_pid`` (the voodoo process
    it works for, which a forkserver child is a grandchild of) is gone. Linux kills it at
    once (PR_SET_PDEATHSIG); everywhere, a thread looks every 0.2 s."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if _orphaned(parent, main_pid):  # (the parent died before the line above)
        os._exit(1)

    def watch() -> None:
        while not _orphaned(parent, main_pid):
            threading.Event().wait(_WATCH_EVERY)
        os._exit(1)

    threading.Thread(target=watch, name="voodoo-parent-watch", daemon=True).start()


def _orphaned(parent: int, main_pid: int) -> bool:
    if os.getppid() != parent:
        return True
    try:
        os.kill(main_pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False
