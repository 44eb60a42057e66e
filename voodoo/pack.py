"""Plan the file changes that bring a pack up to date, then apply them.

``plan`` only reads: it compares what the renderer produced with the disk and the manifest
and returns a ``Plan`` value. ``apply`` is the only function in voodoo that changes a pack's
rendered files (each written by ``voodoo._writer``, as every file voodoo writes in a pack).
Between the two, a caller may resolve conflicts (``Plan.resolve``), e.g. with a three-way
merge of ``Conflict.base``/``ours``/``theirs``.

The rule that keeps hand edits safe: voodoo overwrites or deletes a file only when its bytes
on disk are exactly what the manifest says voodoo generated. Anything else is a conflict and
stays as it is.

Crash safety: every file is replaced atomically (``_writer.replace``), and the manifest is
written last. A run killed at any moment leaves each file either old or new; a file already
new is recognised by its bytes on the next run, a file still old by its manifest hash, so
the next run finishes the job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import fcntl
import functools
import os
import socket
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from voodoo import _writer
from voodoo._paths import STATE_DIR, check_all_inside, read_regular, resolve_inside
from voodoo.errors import ConflictError, LockError, PackError
from voodoo.manifest import (
    MANIFEST_PATH,
    PENDING_PATH,
    Entry,
    Manifest,
    SourceInfo,
    entry_for,
    pending_pieces,
    pieces,
    remember,
    sha256,
)
from voodoo.manifest import (
    Memo as ManifestMemo,
)

LOCK_PATH = f"{STATE_DIR}/lock"

#: Called by ``apply`` with a pack-relative path just before each change reaches the disk
#: (a file replaced, a file deleted, the manifest replaced). Tests use it to inject faults.
Checkpoint = Callable[[str], None]


class Reason(enum.StrEnum):
    ADD = "add"  #: the file does not exist yet
    UPDATE = "update"  #: voodoo wrote it, nobody changed it since, and it has a new version
    MERGE = "merge"  #: a conflict resolved by the caller (``Plan.resolve``)


class ConflictKind(enum.StrEnum):
    EDITED = "edited"  #: changed since voodoo wrote it, and voodoo has a new version
    FOREIGN = "foreign"  #: voodoo never wrote it, and wants to write there
    ORPHANED = "orphaned"  #: changed since voodoo wrote it, and voodoo no longer generates it


@dataclass(frozen=True, slots=True)
class Write:
    path: str  #: pack-relative POSIX path
    data: bytes
    reason: Reason
    expected: str | None  #: sha256 of the file when planned (None: absent); checked by apply


@dataclass(frozen=True, slots=True)
class Delete:
    path: str
    expected: str  #: sha256 of the file when planned; checked by apply


@dataclass(frozen=True, slots=True)
class Conflict:
    """A file voodoo will not touch. Named like git's merge: ours is the user's side."""

    path: str
    kind: ConflictKind
    ours: bytes  #: the file as it is on disk
    theirs: bytes | None  #: what voodoo generates now (None: no longer generated)
    base: bytes | None  #: what voodoo generated last time, when the manifest kept it
    #: the manifest entry that describes ``theirs``, recorded once the conflict is resolved
    entry: Entry | None = None

    def __str__(self) -> str:
        return f"{self.path}: {_CONFLICT_MESSAGES[self.kind]}"


_CONFLICT_MESSAGES = {
    ConflictKind.EDITED: "changed by hand since voodoo wrote it; left as it is, "
    "the new version was not written",
    ConflictKind.FOREIGN: "voodoo did not write this file and will not overwrite it; "
    "move it away to let voodoo generate it",
    ConflictKind.ORPHANED: "voodoo no longer generates this file, but it was changed by hand; "
    "left in place, it is yours now",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything ``apply`` will do to a pack, and what it will leave alone."""

    writes: tuple[Write, ...] = ()
    deletes: tuple[Delete, ...] = ()
    unchanged: tuple[str, ...] = ()  #: already exactly as generated
    #: left as they are on purpose: existing create-only files, and hand-edited files for
    #: which voodoo has nothing new (what it would generate is what it generated last time)
    kept: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    manifest: Manifest = dataclasses.field(default_factory=Manifest)  #: written last

    @property
    def changes(self) -> bool:
        """True when applying the plan changes a file of the pack (the manifest aside)."""
        return bool(self.writes or self.deletes)

    def resolve(self, path: str, data: bytes, *, held: bool = False) -> Plan:
        """This plan with the conflict at ``path`` replaced by writing ``data`` (a merge).

        The manifest records what voodoo generated (``theirs``), not ``data``: the merged
        file then reads as hand-edited, so the next change merges again from that base.
        ``held``: the merge kept a person's value over the script's in a field both
        changed, and nobody chose that: the manifest keeps its entry, so the next run
        merges (and reports) the same field again until someone settles it.
        """
        conflict = next((c for c in self.conflicts if c.path == path), None)
        if conflict is None or conflict.entry is None:
            raise ValueError(f"no resolvable conflict at {path!r}")
        write = Write(path, data, Reason.MERGE, expected=sha256(conflict.ours))
        entry = self.manifest.files.get(path) if held else None
        files = {**self.manifest.files, path: entry or conflict.entry}
        return dataclasses.replace(
            self,
            writes=(*self.writes, write),
            conflicts=tuple(c for c in self.conflicts if c.path != path),
            manifest=Manifest(files),
        )

    def accept(self, path: str) -> Plan:
        """This plan keeping the hand-edited file at ``path`` as it is, on purpose: the
        manifest records the new version as generated, so the file is kept as long as
        voodoo generates that version, and is a conflict again once it changes."""
        conflict = next((c for c in self.conflicts if c.path == path), None)
        if conflict is None or conflict.entry is None:
            raise ValueError(f"no resolvable conflict at {path!r}")
        return dataclasses.replace(
            self,
            kept=(*self.kept, path),
            conflicts=tuple(c for c in self.conflicts if c.path != path),
            manifest=Manifest({**self.manifest.files, path: conflict.entry}),
        )

    def rewrite(self, path: str, data: bytes) -> Plan:
        """This plan writing ``data`` instead of the planned bytes at ``path`` (a merge
        carried over from another file, e.g. a renamed action). The manifest keeps the
        entry of what voodoo generated, so the file reads as hand-edited from now on."""
        write = next((w for w in self.writes if w.path == path), None)
        if write is None:
            raise ValueError(f"no planned write at {path!r}")
        new = Write(path, data, Reason.MERGE, expected=write.expected)
        return dataclasses.replace(
            self, writes=tuple(new if w.path == path else w for w in self.writes)
        )

    def disown(self, path: str, data: bytes | None) -> Plan:
        """This plan with the orphaned conflict at ``path`` settled: ``data`` is written
        (e.g. the action disabled) and the file is no longer voodoo's, or, with ``None``,
        the file is deleted (its edits were carried over elsewhere)."""
        conflict = next((c for c in self.conflicts if c.path == path), None)
        if conflict is None or conflict.kind is not ConflictKind.ORPHANED:
            raise ValueError(f"no orphaned conflict at {path!r}")
        expected = sha256(conflict.ours)
        rest = tuple(c for c in self.conflicts if c.path != path)
        if data is None:
            return dataclasses.replace(
                self, deletes=(*self.deletes, Delete(path, expected)), conflicts=rest
            )
        write = Write(path, data, Reason.MERGE, expected=expected)
        return dataclasses.replace(self, writes=(*self.writes, write), conflicts=rest)


def plan(
    pack_dir: Path,
    rendered: Mapping[str, bytes],
    manifest: Manifest,
    *,
    sources: Mapping[str, SourceInfo] | None = None,
    create_only: Collection[str] = ("pack.yaml",),
    keep_sources: Collection[str] = (),
    carried: Collection[str] = (),
) -> Plan:
    """Compare ``rendered`` (pack-relative path -> bytes) with the pack; read-only.

    Files generated earlier from a source in ``keep_sources`` (a script that fails to parse
    right now) are kept as they are, with their manifest entries, even when not rendered:
    a broken script never loses its last good action.

    ``carried`` files (in the manifest, not in ``rendered``) would render exactly as the
    manifest says (their sources did not change): they count as unchanged, neither read
    nor written, entries carried over. One deleted since must not be passed: it is re-added
    only by rendering it.

    Raises PackError, before anything is planned, for a path that is not a normalized
    relative path inside the pack (symlinks included), or that cannot be read.
    """
    root = pack_dir.resolve()
    carried = set(carried) - set(rendered)
    _check_layout(root, rendered, manifest, carried)
    sources = sources or {}
    builder = _Builder()
    for relpath in sorted(carried.union(rendered)):
        if relpath in carried:
            builder.carry(relpath, manifest.files[relpath])
            continue
        source = sources.get(relpath)
        new = entry_for(
            relpath,
            rendered[relpath],
            source=source.source if source else None,
            source_hash=source.hash if source else None,
        )
        builder.rendered(
            relpath,
            rendered[relpath],
            new,
            manifest.get(relpath),
            _read(root, relpath),
            create_only=relpath in create_only,
        )
    for relpath in sorted(set(manifest.files) - set(rendered) - carried):
        if relpath in create_only:  # the user's from the moment it was created
            continue
        entry = manifest.files[relpath]
        if entry.source is not None and entry.source in keep_sources:
            builder.keep(relpath, entry)
            continue
        builder.gone(relpath, manifest.files[relpath], _read(root, relpath))
    return builder.plan()


def _check_layout(
    root: Path, rendered: Mapping[str, bytes], manifest: Manifest, carried: Collection[str] = ()
) -> None:
    # Carried files are neither read nor written: only what plan and apply touch is checked.
    check_all_inside(root, (p for p in manifest.files if p not in carried), where=MANIFEST_PATH)
    check_all_inside(root, rendered)
    paths = set(rendered) | set(carried)
    # every folder above a file; from each file's parent (thousands of files, few folders)
    folders: set[str] = set()
    for parent in {relpath.rpartition("/")[0] for relpath in paths} - {""}:
        parts = parent.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    clash = sorted(folders & paths)
    if clash:
        raise PackError(f"{clash[0]!r} is rendered both as a file and as a folder")


class _Builder:
    """Sorts each file into one bucket of the plan and collects the new manifest."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.deletes: list[Delete] = []
        self.unchanged: list[str] = []
        self.kept: list[str] = []
        self.conflicts: list[Conflict] = []
        self.files: dict[str, Entry] = {}

    def rendered(
        self,
        relpath: str,
        data: bytes,
        new: Entry,
        old: Entry | None,
        disk: bytes | None,
        *,
        create_only: bool,
    ) -> None:
        if disk is None:
            self.writes.append(Write(relpath, data, Reason.ADD, expected=None))
        elif disk == data:  # also adopts what a killed run wrote before its manifest
            self.unchanged.append(relpath)
        elif create_only or (old is not None and old.hash == new.hash):
            self.kept.append(relpath)
            if old is not None:
                self.files[relpath] = old
            return
        elif old is not None and sha256(disk) == old.hash:
            self.writes.append(Write(relpath, data, Reason.UPDATE, expected=old.hash))
        else:
            kind = ConflictKind.FOREIGN if old is None else ConflictKind.EDITED
            base = None if old is None else old.base
            self.conflicts.append(Conflict(relpath, kind, disk, data, base, new))
            if old is not None:
                self.files[relpath] = old
            return
        self.files[relpath] = new

    def carry(self, relpath: str, old: Entry) -> None:
        """A file that would be rendered as the manifest says: unchanged, entry kept."""
        self.unchanged.append(relpath)
        self.files[relpath] = old

    def keep(self, relpath: str, old: Entry) -> None:
        """A file whose source cannot be analyzed now: left as it is, entry carried over."""
        self.kept.append(relpath)
        self.files[relpath] = old

    def gone(self, relpath: str, old: Entry, disk: bytes | None) -> None:
        """A file voodoo wrote and no longer generates; its entry leaves the manifest."""
        if disk is None:
            return
        if sha256(disk) == old.hash:
            self.deletes.append(Delete(relpath, expected=old.hash))
        else:
            self.conflicts.append(Conflict(relpath, ConflictKind.ORPHANED, disk, None, old.base))

    def plan(self) -> Plan:
        return Plan(
            writes=tuple(self.writes),
            deletes=tuple(self.deletes),
            unchanged=tuple(self.unchanged),
            kept=tuple(self.kept),
            conflicts=tuple(self.conflicts),
            manifest=Manifest(self.files),
        )


def _read(root: Path, relpath: str) -> bytes | None:
    path = resolve_inside(root, relpath)
    try:
        return read_regular(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise PackError("a folder stands where voodoo writes a file", path=relpath) from None
    except NotADirectoryError:
        raise PackError("a file stands where voodoo needs a folder", path=relpath) from None
    except OSError as exc:
        raise PackError(f"cannot read: {exc.strerror}", path=relpath) from exc


def apply(
    plan: Plan,
    pack_dir: Path,
    *,
    checkpoint: Checkpoint | None = None,
    memo: ManifestMemo | None = None,
) -> None:
    """Carry out ``plan``: atomic writes, then deletes, then the manifest (``memo``: as for
    ``manifest.load``, noted as written).

    Raises ConflictError when a file changed since it was planned, and PackError when the
    disk refuses a change; files already replaced stay replaced, and the next run repairs.
    Hold ``pack_lock`` around ``plan`` and ``apply`` so no other process runs in between.
    """
    root = pack_dir.resolve()
    created: list[Path] = []
    current = ""
    written = _writer.Folders()  # each swept of stale temporary files once, then fsynced
    replaced: list[str] = []  # files of the plan on disk: then the pending entries must stay
    try:
        _writer.folder(root, "", created)
        if plan.writes:
            _write_pending(root, plan, created)
        expected = {w.path: w.expected for w in plan.writes}

        def check(target: Path, relpath: str) -> None:
            nonlocal current
            current = relpath
            _expect(target, relpath, expected[relpath])

        def writes() -> Iterator[tuple[str, bytes]]:
            nonlocal current
            for w in plan.writes:
                current = w.path
                yield w.path, w.data

        _writer.replace_all(
            root,
            writes(),
            folders=written,
            created=created,
            check=check,
            before=functools.partial(_stop, checkpoint),
            done=replaced,
        )
        written.sync()  # the new names are on disk before the manifest says so
        for delete in plan.deletes:
            current = delete.path
            target = resolve_inside(root, delete.path)
            _expect(target, delete.path, delete.expected)
            if checkpoint:
                checkpoint(delete.path)
            target.unlink()
            _prune(root, target.parent)
        current = MANIFEST_PATH
        _write_manifest(root, plan.manifest, created, checkpoint, memo)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(root / PENDING_PATH)
    except OSError as exc:
        code = errno.errorcode.get(exc.errno or 0, "")
        reason = f"{exc.strerror or exc}{f' ({code})' if code else ''}"
        raise PackError(
            f"cannot change the pack: {reason}; files before this one were updated, "
            "the next run will finish the job once the problem is fixed",
            path=current or None,
        ) from exc
    finally:
        if not replaced:  # (nothing to recover from)
            with contextlib.suppress(OSError):
                os.unlink(root / PENDING_PATH)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when a failed run left it empty


def _expect(target: Path, relpath: str, expected: str | None) -> None:
    try:
        actual: str | None = sha256(read_regular(target))
    except FileNotFoundError:
        actual = None
    if actual != expected:
        raise ConflictError("changed on disk while voodoo was planning; run again", path=relpath)


def _stop(checkpoint: Checkpoint | None, relpath: str) -> Callable[[], None] | None:
    """What ``_writer.replace`` calls just before it replaces the file at ``relpath``."""
    return None if checkpoint is None else functools.partial(checkpoint, relpath)


def _prune(root: Path, folder: Path) -> None:
    """Remove folders a delete left empty, up to (not including) the pack itself."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:  # not empty (or not ours to remove): stop here
            return
        folder = folder.parent


def _write_pending(root: Path, plan: Plan, created: list[Path]) -> None:
    """Save the entries of the files about to be written (manifest.PENDING_PATH)."""
    entries = {
        w.path: plan.manifest.files[w.path] for w in plan.writes if w.path in plan.manifest.files
    }
    written = {w.path: sha256(w.data) for w in plan.writes if w.path in entries}
    data = (piece.encode("utf-8") for piece in pending_pieces(entries, written))
    _writer.replace(root, PENDING_PATH, data, created=created)


def _write_manifest(
    root: Path,
    manifest: Manifest,
    created: list[Path],
    checkpoint: Checkpoint | None,
    memo: ManifestMemo | None,
) -> None:
    target = _writer.inside(root, MANIFEST_PATH)
    # (in pieces: the manifest of a large pack is megabytes, and so is each copy of it)
    text = pieces(manifest, memo)
    with contextlib.suppress(FileNotFoundError):
        if _holds(read_regular(target), text):
            _writer.ensure_state_gitignore(root)
            return
    _writer.replace(
        root,
        MANIFEST_PATH,
        (piece.encode("utf-8") for piece in text),
        created=created,
        before=_stop(checkpoint, MANIFEST_PATH),
    )
    _writer.ensure_state_gitignore(root)
    if memo is not None:
        remember(root, manifest, memo)


def _holds(data: bytes, text: Iterable[str]) -> bool:
    """Whether ``data`` is ``text`` (in pieces) encoded as UTF-8."""
    at = 0
    for piece in text:
        encoded = piece.encode("utf-8")
        if data[at : at + len(encoded)] != encoded:
            return False
        at += len(encoded)
    return at == len(data)


#: Seconds a run waits for a lock that a live process holds before it gives up
#: (``VOODOO_LOCK_TIMEOUT`` overrides it).
LOCK_TIMEOUT = 120.0
#: Held while a stale lock is replaced, so two runs never both replace it.
_TAKEOVER_PATH = f"{STATE_DIR}/lock.takeover"
_POLL = 0.05
#: Descriptors of the locks this process holds: a forked child closes its copies (a
#: pool worker that outlived its ingest kept the lock held, and every later run waited).
_held: set[int] = set()


def _forget_held_locks() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_forget_held_locks)


def lock_timeout() -> float:
    """``VOODOO_LOCK_TIMEOUT`` (seconds) when set to a number >= 0, else LOCK_TIMEOUT."""
    try:
        value = float(os.environ.get("VOODOO_LOCK_TIMEOUT", ""))
    except ValueError:
        return LOCK_TIMEOUT
    return value if value >= 0 and value != float("inf") else LOCK_TIMEOUT


#: Where the lock's notes go (a holder waited for, a stale lock taken over): nowhere by
#: default, since the library never prints; the CLI shows them on stderr.
notes: Callable[[str], None] | None = None


def _say(message: str) -> None:
    if notes is not None:
        notes(message)


@contextlib.contextmanager
def pack_lock(pack_dir: Path, wait: bool = True) -> Iterator[None]:
    """Hold the pack's lock (``.voodoo/lock``) so one process at a time changes it.

    The lock file must be a regular file in the pack's own ``.voodoo`` folder: a symlink,
    or a ``.voodoo`` leading elsewhere, is refused before anything is created. The holder
    writes its process id in it. A lock whose holder is gone (killed, while a process it
    started still held the file) is taken over, with a note (to ``notes``). A lock a live
    process holds: with ``wait``, say so at once (to ``notes``) and wait up to
    ``lock_timeout()`` seconds, then raise LockError; without, raise LockError at once.
    """
    root = pack_dir.resolve()
    fd = _open_lock(root, LOCK_PATH)
    try:
        fd = _acquire(root, fd, pack_dir, wait)
        _held.add(fd)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # released on purpose: nobody's lock to take over
    finally:
        _held.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock


def _open_lock(root: Path, relpath: str) -> int:
    """A descriptor of the regular file ``relpath`` in the pack's state folder, created if
    missing; PackError, before anything is created, for anything leading elsewhere."""
    return _writer.open_own(root, relpath, os.O_RDWR, what="the lock file")


def _acquire(root: Path, fd: int, pack_dir: Path, wait: bool) -> int:
    """``fd`` (or the descriptor of a lock file that replaced it) once locked."""
    timeout = lock_timeout()
    start = time.monotonic()
    told = False
    while True:
        if not _same_file(fd, root / LOCK_PATH):  # replaced by a takeover: the new one
            os.close(fd)
            fd = _open_lock(root, LOCK_PATH)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            if _same_file(fd, root / LOCK_PATH):
                return fd
            continue  # (locked a file a takeover had just replaced)
        holder = _holder(fd)
        if holder is not None and not _alive(holder):
            fd = _take_over(root, fd, holder)
            continue
        who = (
            f"process {holder[0]}" + (f" on {holder[1]}" if holder[1] != _host() else "")
            if holder
            else "another process"
        )
        if not wait:
            raise LockError(
                f"another voodoo process is writing this pack ({who}); try again "
                "when it has finished",
                path=str(pack_dir),
            )
        waited = time.monotonic() - start
        if not told:
            _say(
                f"waiting for {who}, which holds {pack_dir}/{LOCK_PATH} (up to "
                f"{timeout:g} s; VOODOO_LOCK_TIMEOUT sets it)"
            )
            told = True
        if waited >= timeout:
            raise LockError(
                f"another voodoo process is writing this pack ({who}); gave up "
                f"after {timeout:g} s. Try again when it has finished (if it is "
                "stuck, stop it)",
                path=str(pack_dir),
            )
        time.sleep(min(_POLL, max(0.0, timeout - waited)))


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_ino, st.st_dev) == (mine.st_ino, mine.st_dev)


def _host() -> str:
    return socket.gethostname()


def _holder(fd: int) -> tuple[int, str] | None:
    """(pid, host) the holder wrote in the lock file; None when it says nothing."""
    try:
        words = os.pread(fd, 200, 0).decode("ascii").split()
        return (int(words[0]), words[1]) if len(words) == 2 and int(words[0]) > 0 else None
    except (OSError, ValueError):
        return None


def _alive(holder: tuple[int, str]) -> bool:
    """False only when the holder ran on this host and no process has its id."""
    pid, host = holder
    if host != _host():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (exists, another user's)
        return True
    return True


def _take_over(root: Path, fd: int, holder: tuple[int, str]) -> int:
    """Replace the lock file whose holder is gone by a new one; the descriptor to use."""
    guard = _open_lock(root, _TAKEOVER_PATH)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        time.sleep(_POLL)  # a new holder writes its id right after locking: let it
        if not _same_file(fd, root / LOCK_PATH) or _holder(fd) != holder or _alive(holder):
            return fd  # someone else took it over, or it is not stale after all
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.unlink(root / LOCK_PATH)
            _say(
                f"note: took over {root}/{LOCK_PATH}: the process that held it "
                f"({holder[0]}) is gone, and a process it left behind still held the file"
            )
            return fd  # the loop opens the new file
        fcntl.flock(fd, fcntl.LOCK_UN)  # (free after all: the loop locks it)
        return fd
    finally:
        os.close(guard)
