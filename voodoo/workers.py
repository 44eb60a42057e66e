"""Analyzing the files that changed: in this process, in a pool of worker processes, or
in a helper process forked at the start of an ingest.

Whichever does the work, the result is the same ``Analyzed`` records in the files' order;
only where and when the parsing happens changes. Every process started here starts on a
clean import path (``_children.clean_import_path``) and dies with its parent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from voodoo import cache, deps, py2, stackstorm
from voodoo._children import clean_import_path, die_with_parent
from voodoo._paths import read_regular
from voodoo.limits import DEFAULT_MAX_SIZE
from voodoo.manifest import sha256
from voodoo.model import Command, Script
from voodoo.sources import SourceFile

#: Called as files are analyzed: (done, total, relpath).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class Analyzed:
    """One source file's analysis, and its cache entry."""

    source: SourceFile
    script: Script
    entry: cache.ScriptEntry | None  #: None: the file could not be read or analyzed fully
    #: a Python 2 script's converted copy for the pack (``py2.pack_copy``), made where it
    #: was parsed (a worker process), so the main process does not convert it again
    copy: tuple[bytes, str | None] | None = None
    #: each command's action YAML, rendered where it was parsed (a worker process): the
    #: main process uses it for a command that reaches ``render`` unchanged
    actions: tuple[tuple[Command, str], ...] = ()
    #: parsed by this run (else taken from the cache)
    parsed: bool = False


def analyze_all(
    files: Sequence[SourceFile],
    old: cache.Cache,
    source_root: Path,
    progress: Progress | None,
    *,
    functions: bool,
    max_size: int = DEFAULT_MAX_SIZE,
    jobs: int | None = None,
    unchanged: Collection[str] = (),
    helper: Helper | None = None,
    pack_ref: str | None = None,
) -> tuple[list[Analyzed], tuple[str, ...]]:
    """Each file's analysis: from the cache when unchanged, else parsed (libcst) now; and
    the files whose cache entry was checked against the disk. Files in ``unchanged`` are
    known to be as their cache entry says: not looked at."""
    # A new file may be a module an unchanged script imports (and took for third-party).
    added = {
        PurePosixPath(sf.relpath).parts[0].removesuffix(".py")
        for sf in files
        if sf.relpath not in old.scripts
    }
    reused: dict[str, Analyzed] = {}
    checked: list[str] = []
    for sf in files:
        entry = old.scripts.get(sf.relpath)
        if entry is not None and sf.relpath not in unchanged:
            checked.append(sf.relpath)
        if (
            entry is not None
            and (
                sf.relpath in unchanged
                or cache.is_fresh(entry.stat, entry.local, sf.path, source_root)
            )
            and not (added and added & {name.split(".")[0] for name in entry.script.imports})
        ):
            reused[sf.relpath] = Analyzed(sf, entry.script, entry)
    stale = [sf for sf in files if sf.relpath not in reused]
    fresh = iter(
        analyze_many(stale, source_root, functions, max_size, jobs, helper, pack_ref=pack_ref)
    )
    out = []
    for i, sf in enumerate(files, 1):
        out.append(reused.get(sf.relpath) or next(fresh))
        if progress is not None:
            progress(i, len(files), sf.relpath)
    return out, tuple(checked)


#: Below this many files to parse, a process pool costs more than it saves.
POOL_MIN_FILES = 16


def analyze_many(
    files: Sequence[SourceFile],
    source_root: Path,
    functions: bool,
    max_size: int,
    jobs: int | None,
    helper: Helper | None = None,
    *,
    pack_ref: str | None = None,
) -> Iterator[Analyzed]:
    """``analyze_one`` over ``files``, in their order; in ``jobs`` processes when worth it
    (a few in ``helper``, when there is one)."""
    work = functools.partial(
        analyze_one,
        source_root=source_root,
        functions=functions,
        max_size=max_size,
        pack_ref=pack_ref,
    )
    jobs = jobs or os.cpu_count() or 1
    if helper is not None and 0 < len(files) < POOL_MIN_FILES:
        done = helper.run(work, files)
        if done is not None:
            yield from done
            return
    elif helper is not None:
        helper.close()  # nothing for it to do but take a CPU from the pool
    if jobs < 2 or len(files) < POOL_MIN_FILES:
        yield from map(work, files)
        return
    # fork is cheapest (workers inherit the imported analyzers) but unsafe once threads
    # run (watch's observer): then forkserver.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    import multiprocessing  # (here: a one-change run never needs them)
    from concurrent.futures import ProcessPoolExecutor

    import voodoo.analysis  # noqa: F401  (once here, not in every forked worker)

    # Largest files first, in small chunks: no worker is left with a long file (or a full
    # chunk) at the end while the others wait. The results come back in the files' order.
    order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
    chunk = max(1, min(8, len(files) // (jobs * 32)))
    with contextlib.ExitStack() as stack:
        # The pool's helper processes (multiprocessing's resource tracker and forkserver,
        # started with the pool) and its workers (started as map() submits the work) all
        # start on a clean path. Output is byte-identical to one process.
        with clean_import_path([source_root, *{sf.path.parent for sf in files}]):
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    jobs,
                    mp_context=multiprocessing.get_context(method),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
            )
            results = pool.map(work, [files[i] for i in order], chunksize=chunk)
        ordered: list[Analyzed | None] = [None] * len(files)
        for i, analyzed in zip(order, results, strict=True):
            ordered[i] = analyzed
        for one in ordered:
            assert one is not None
            yield one


def _size(sf: SourceFile) -> int:
    try:
        return sf.path.stat().st_size
    except OSError:
        return 0


class Helper:
    """A process forked at the start of an ingest that imports the analyzers at once
    (libcst: about 0.2 s) while this one reads the pack, then analyzes the few files that
    turn out to have changed. The results are what this process would get: only their
    order in time changes. ``run`` returns None when the helper failed (the caller then
    does the work itself); ``close`` stops it, done or not."""

    def __init__(self, folders: Iterable[Path] = ()) -> None:
        import multiprocessing  # (as for the pool: it runs voodoo's own analysis)

        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_help, args=(child, os.getpid()), daemon=True)
        with clean_import_path(folders):  # (it imports the analyzers from this path)
            self._process.start()
        child.close()

    def run(
        self, work: Callable[[SourceFile], Analyzed], files: Sequence[SourceFile]
    ) -> list[Analyzed] | None:
        try:
            self._conn.send((work, list(files)))
            done = self._conn.recv()
        except (OSError, EOFError):
            done = None
        self.close()
        return done if isinstance(done, list) and len(done) == len(files) else None

    def close(self) -> None:
        self._conn.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def _help(conn: Any, main_pid: int) -> None:
    die_with_parent(main_pid)
    try:
        import voodoo.analysis  # noqa: F401  (what the helper is for: before it is needed)

        work, files = conn.recv()
        conn.send([work(sf) for sf in files])
    except BaseException:  # (stopped, or failed: the caller does the work, and says why)
        return


def start_helper(jobs: int | None, dry_run: bool, sources: Iterable[Path] = ()) -> Helper | None:
    """A helper when it can gain something: the analyzers are not imported yet, and
    nothing forbids forking (threads, ``jobs=1``). Not for a dry run: the pre-commit hook
    ingests right after ``check`` ran one, and then needs the analyzers imported here."""
    if dry_run or jobs == 1 or threading.active_count() > 1 or "voodoo.analysis" in sys.modules:
        return None
    try:
        return Helper([p if p.is_dir() else p.parent for p in sources])
    except OSError:  # (no process to spare: this one does the work)
        return None


def analyze_one(
    sf: SourceFile,
    source_root: Path,
    *,
    functions: bool,
    max_size: int = DEFAULT_MAX_SIZE,
    pack_ref: str | None = None,
) -> Analyzed:
    """One file's analysis and cache entry; with ``pack_ref``, its actions' YAML too."""
    from voodoo.analysis import analyze_file  # libcst: only loaded when a file changed

    before = cache.file_stat(sf.path)  # taken before reading: a later edit stays visible
    script = analyze_file(sf.path, display_path=sf.relpath, functions=functions, max_size=max_size)
    if before is None or before[2] != script.source_hash:
        return Analyzed(sf, script, None, parsed=True)
    if not script.ok:  # cached too: a broken file is not parsed again until it changes
        return Analyzed(sf, script, cache.ScriptEntry(before, script), parsed=True)
    found = deps.discover(sf.path, script.imports, source_root)
    local: dict[str, cache.Stat] = {}
    for mod in found.local:
        st = cache.file_stat(mod)
        if st is None:
            return Analyzed(sf, script, None, parsed=True)
        local[mod.resolve().relative_to(source_root).as_posix()] = st
    actions = (
        ()
        if pack_ref is None
        else tuple((c, stackstorm.action_yaml(c, pack_ref)) for c in script.commands)
    )
    return Analyzed(
        sf,
        script,
        cache.ScriptEntry(before, script, local, found.third_party, found.notes, found.unknown),
        _python2_copy(sf, script),
        actions,
        parsed=True,
    )


def _python2_copy(sf: SourceFile, script: Script) -> tuple[bytes, str | None] | None:
    """The pack's copy of a Python 2 script, converted while its conversion is at hand
    (``py2`` remembers the last ones): None for a Python 3 script."""
    if not script.python2:
        return None
    try:
        data = read_regular(sf.path)
    except OSError:
        return None
    if sha256(data) != script.source_hash:
        return None  # changed since: render reads and converts it again
    return py2.pack_copy(data, str(sf.path))


def complete(a: Analyzed, pack: Path, root: Path, functions: bool, max_size: int) -> Analyzed:
    """``a`` with its whole cached analysis instead of the summary (parsed again if lost)."""
    if a.entry is None or a.entry.full:
        return a
    script = cache.analysis(pack, a.source.relpath, a.entry)
    if script is None:
        return analyze_one(a.source, root, functions=functions, max_size=max_size)
    return Analyzed(a.source, script, dataclasses.replace(a.entry, script=script, full=True))
