"""``voodoo watch``: watchdog events, debounced, each burst turned into the same ``ingest`` call.

Coalescing: after the first event, the sync waits until the sources have been quiet for
``debounce`` seconds; an editor's save-through-rename or a ``git checkout`` touching 200
files is one re-sync. Events inside the pack (voodoo's own writes) are ignored. A broken
script keeps its last good action (ingest does that) and its error is reported until it
is fixed. Writes are atomic (``pack.apply``) and hold the pack lock, so stopping at any
moment never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import stat
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from voodoo.config import Config
from voodoo.errors import VoodooError
from voodoo.ingest import IngestResult, ingest
from voodoo.session import Session
from voodoo.sources import SKIPPED_DIRS, common_root, resolve_sources

#: Seconds of quiet before a re-sync. Editors and ``git checkout`` write a burst of files
#: milliseconds apart, so a short quiet gap still makes one sync of a burst, while a single
#: save is picked up quickly (people wait on it; 0.3 s alone was over the 0.2 s target).
DEBOUNCE = 0.05


@dataclass(frozen=True, slots=True)
class SyncEvent:
    """One re-sync: its result, or the error that stopped it."""

    result: IngestResult | None
    error: VoodooError | None = None


OnSync = Callable[[SyncEvent], None]


class _Handler(FileSystemEventHandler):
    """Notes the paths that changed, for the next sync, and when the last event came; sets
    ``changed`` on each event."""

    def __init__(self, pack: Path, changed: threading.Event) -> None:
        self.pack = pack
        self.changed = changed
        self.last = 0.0  #: time.monotonic() of the last event
        self._lock = threading.Lock()
        self._paths: set[Path] | None = set()  #: None: a folder changed, look at everything

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [Path(str(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        paths = [p for p in paths if not self._ignored(p)]
        if not paths:
            return
        with self._lock:
            if not event.is_directory:
                if self._paths is not None:
                    self._paths.update(paths)
            elif event.event_type != "modified":  # (a folder's "modified" comes with its
                self._paths = None  # files' own events)
            self.last = time.monotonic()
        self.changed.set()

    def take(self) -> set[Path] | None:
        """The paths changed since the last ``take``; None: anything may have."""
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths

    def _ignored(self, path: Path) -> bool:
        resolved = path.resolve()
        if resolved == self.pack or resolved.is_relative_to(self.pack):
            return True
        return any(part in SKIPPED_DIRS for part in path.parts)


def watch(
    sources: Sequence[str | Path],
    pack_dir: str | Path,
    *,
    name: str | None = None,
    config: Config | None = None,
    debounce: float = DEBOUNCE,
    on_sync: OnSync | None = None,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Sync once, then again after every burst of changes, until ``stop`` is set or Ctrl-C
    (without ``stop``, in the main thread, Ctrl-C sets one: the current sync finishes).

    ``on_sync`` gets each outcome; ``ready`` is set once the observer is running.
    """
    src = resolve_sources(sources, config)
    pack = Path(pack_dir).resolve()
    previous_handler = None
    if stop is None and threading.current_thread() is threading.main_thread():
        stop = threading.Event()
        previous_handler = signal.signal(signal.SIGINT, _stop_on_ctrl_c(stop))
    stop = stop or threading.Event()
    changed = threading.Event()
    report = on_sync or (lambda _event: None)
    # What every sync leaves warm for the next one (the cache, the manifest, the files
    # seen), for this watch only.
    session = Session()

    def sync(paths: set[Path] | None = None) -> None:
        try:
            result = ingest(sources, pack, name=name, config=config, changed=paths, session=session)
            report(SyncEvent(result))
        except VoodooError as exc:  # a vanished folder, a lock problem: shown, then retried
            report(SyncEvent(None, exc))

    root = common_root(src)
    observer = Observer()
    handler = _Handler(pack, changed)
    frozen = False
    try:
        # The first sync runs before watching starts: it creates the pack's folders, and
        # watchdog's recursive inotify watch races with folders created in quick succession
        # under a watched tree (it adds the new folder twice and warns "Callback with id
        # ... already exists"), which is what a pack inside the sources would otherwise be.
        sync()
        identity = _identity(root)
        watched = observer.schedule(handler, str(root), recursive=True)
        observer.start()
        # An edit saved during the first sync was not seen: catch up (cheap when in sync).
        from voodoo.check import check

        try:
            behind = not check(sources, pack, name=name, config=config, session=session).in_sync
        except VoodooError:
            behind = True  # sync() reports it
        if behind:
            sync()
        import voodoo.analysis  # noqa: F401  (now, not on the first save: libcst takes 0.2 s)

        # What is loaded by now (libcst, the cache and the manifest of every script) lives
        # as long as the watch: the collector need not walk it again on every full
        # collection (about 35 ms each, every few syncs, at 1,000 scripts).
        gc.collect()
        frozen = not gc.get_freeze_count()
        gc.freeze()
        if ready is not None:
            ready.set()
        while not stop.is_set():
            now = _identity(root)
            if now != identity:
                # The watched folder was deleted (its watch is gone with it), or replaced:
                # say so at once, and follow the new one as soon as there is one.
                identity = now
                with contextlib.suppress(KeyError, OSError):
                    observer.unschedule(watched)
                if now is None:
                    report(
                        SyncEvent(
                            None,
                            VoodooError(
                                "the watched folder was deleted; watching for it to be created "
                                "again",
                                path=str(root),
                            ),
                        )
                    )
                    stop.wait(0.2)
                    continue
                try:
                    watched = observer.schedule(handler, str(root), recursive=True)
                except OSError as exc:  # (gone again already: the next look sees it)
                    identity = None
                    report(SyncEvent(None, VoodooError(f"cannot watch: {exc}", path=str(root))))
                    continue
                handler.take()
                sync()
                continue
            if identity is None:
                stop.wait(0.2)
                continue
            if not changed.wait(timeout=0.2):
                continue
            # Wait for ``debounce`` of quiet after the last event: a save is a burst of
            # events a fraction of a millisecond apart, a git checkout a longer one.
            while (quiet := handler.last + debounce - time.monotonic()) > 0:
                if stop.wait(quiet):
                    break
            changed.clear()  # (what comes from here on is for the next sync)
            if not stop.is_set() and _identity(root) == identity:  # (else: see above)
                sync(handler.take())
    except KeyboardInterrupt:
        pass
    finally:
        if frozen:  # (a process that froze its own objects before keeps them frozen)
            gc.unfreeze()
        if observer.is_alive():
            observer.stop()
            observer.join()
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at ``folder`` (device, inode); None when there is none."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _stop_on_ctrl_c(stop: threading.Event) -> Callable[[int, FrameType | None], None]:
    # A KeyboardInterrupt raised at an arbitrary point can leave a lock held (rich's live
    # display, watchdog's observer) and hang the exit, or stop a sync halfway. The first
    # Ctrl-C only asks the loop to stop once the current sync is done; a second one
    # interrupts at once.
    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    return handler


__all__ = ["DEBOUNCE", "OnSync", "SyncEvent", "watch"]
