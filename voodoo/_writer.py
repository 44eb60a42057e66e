"""The one writer: every file voodoo writes in a pack is written by this module.

That is: the rendered files (actions, wrappers, copied scripts, the README: ``pack.apply``
decides what to write), the manifest and its pending entries, the cache, ``dormant.json``,
the run log, the lock and ``.voodoo/.gitignore``. Each must survive a run killed at any
moment, and none may reach outside the pack, whatever a cloned pack holds (a symlink, a
FIFO, a hard link). Done once, here, rather than in each module: the cache had its own copy,
without fsync, whose temporary files nothing removed.

- ``replace`` writes a whole file atomically: a temporary file in the same folder, named
  ``.<name>.<random>.voodoo-tmp`` so that ``sweep`` knows it for voodoo's, written and
  fsynced, moved over the target with ``os.replace``, then the folder fsynced (once per
  batch of files: ``Folders``). A reader sees the old file or the new one, never a part.
  ``replace_all`` does the same for a batch, writing the next few files' temporary copies
  in threads while it replaces the current one (fsync waits on the disk).
- ``sweep`` removes the temporary files a killed run left in a folder voodoo writes into.
- ``append`` adds lines to the run log, rotating it at a size.
- ``open_own`` opens a file that is changed in place (the lock), ``create_once`` a file
  written once and then the user's (``.voodoo/.gitignore``).

The inside-the-pack check is ``_paths.resolve_inside``, made for every path before anything
is created: a symlink in the pack that leads outside it is refused (one that stays inside
is followed, as ``plan`` and the manifest follow it). ``replace`` never writes through a
symlink at the target (``os.replace`` replaces the link itself), and files changed in place
are opened with O_NOFOLLOW and must be regular files with a single link.

Not here, on purpose: ``voodoo init`` edits the project's own ``pyproject.toml``,
``voodoo.yaml`` and ``.pre-commit-config.yaml`` (the user's files, not the pack's);
``voodoo run --result-file`` writes where its user says; the python action child
(``local/python_child.py``) writes the local datastore itself, since it runs in the
action's interpreter and cannot import voodoo; ``voodoo/runtime`` runs on StackStorm.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from voodoo._paths import STATE_DIR, check_relpath, check_state_relpath, resolve_inside
from voodoo.errors import PackError

#: How voodoo's temporary files end (``sweep`` removes them, and only them).
TEMP_SUFFIX = ".voodoo-tmp"
#: The mode of a new file (an existing file keeps its own, e.g. a script's +x).
NEW_FILE_MODE = 0o644
#: The temporary files the cache and ``dormant.json`` used to leave (``.<name>.<8>.tmp``);
#: removed from voodoo's own state folder only, where nothing else can have put them.
_OLD_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")

#: ``.voodoo/.gitignore``: commit the manifest (``ingest`` and ``check`` need it to tell
#: generated files from hand edits); the cache, the lock and the run log are this machine's.
STATE_GITIGNORE = (
    "# Written by voodoo. Commit manifest.json: it records what voodoo wrote, so that ingest\n"
    "# and check (in CI too) tell its files from your edits. The cache (rebuilt when\n"
    "# missing), the lock and the local run log (executions.jsonl) stay out of git.\n"
    "# dormant.json (when there is one) keeps the edits of actions whose script is gone\n"
    "# for now, so they come back with it: commit it too.\n"
    "*\n"
    "!.gitignore\n"
    "!manifest.json\n"
    "!dormant.json\n"
)


def inside(root: Path, relpath: str) -> Path:
    """The path of ``relpath`` in the pack at ``root`` (resolved); PackError when it leads
    outside. A path in ``.voodoo/`` is one of voodoo's own files; any other is a pack file,
    under ``check_relpath``'s rules (``plan`` has refused a rendered ``.voodoo/`` path)."""
    return resolve_inside(root, relpath, state=_is_state(relpath))


def _is_state(relpath: str) -> bool:
    return relpath == STATE_DIR or relpath.startswith(f"{STATE_DIR}/")


def folder(root: Path, relpath: str, created: list[Path] | None = None) -> Path:
    """The pack's folder ``relpath`` ("": the pack itself), made with its missing parents.

    PackError, before anything is created, when it leads outside the pack, and again when
    a folder on the way was replaced by such a symlink meanwhile. ``created`` collects the
    folders made, so that a failed run can remove those it left empty.
    """
    path = inside(root, relpath) if relpath else root
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe == root:
            break
        probe = probe.parent
    for made in reversed(missing):
        try:
            made.mkdir(parents=made == root)  # (the folders above the pack are the user's path)
        except FileExistsError:
            if made.is_symlink() or not made.is_dir():
                raise
            continue  # made meanwhile by another run (checked again below, as any folder)
        if created is not None:
            created.append(made)
    if missing and relpath:
        inside(root, relpath)  # (a folder on the way replaced by a symlink meanwhile)
    return path


class Folders:
    """The folders a batch of ``replace`` calls writes into: each is swept before its first
    file and fsynced once, by ``sync``, after the last (not once per file: a cold ingest
    writes thousands of files into a few folders)."""

    def __init__(self) -> None:
        #: each folder entered -> the names of the symlinks in it when it was swept
        self._seen: dict[Path, frozenset[str]] = {}
        #: folders (relative) found inside the pack in this batch -> where they are
        self.inside: dict[str, Path] = {}

    def enter(self, path: Path, *, state: bool = False) -> frozenset[str]:
        """Sweep ``path`` the first time; the names of the symlinks in it then (later
        calls: the same names, from that listing)."""
        links = self._seen.get(path)
        if links is None:
            links = self._seen[path] = sweep(path, state=state)
        return links

    def sync(self) -> None:
        """Make the new names in every folder written durable (before, e.g., a manifest
        that lists them)."""
        for path in self._seen:
            sync_folder(path)


#: What a file is written from: its bytes, or its bytes in pieces (a large file written
#: without ever being held whole).
Data = bytes | Iterable[bytes]


def replace(
    root: Path,
    relpath: str,
    data: Data,
    *,
    folders: Folders | None = None,
    created: list[Path] | None = None,
    before: Callable[[], object] | None = None,
) -> Path:
    """Replace the pack's file ``relpath`` with ``data`` (``Data``), atomically; its path.

    The file keeps its mode (a new one gets ``NEW_FILE_MODE``). Missing folders are made
    (``created``: see ``folder``). With ``folders``, the folder is swept once per batch
    and the caller fsyncs it (``Folders.sync``); without, it is swept and fsynced now.
    ``before`` runs once the data is on disk, just before the target is replaced (tests
    stop a run there). Whatever goes wrong, no temporary file is left behind; only a
    killed process leaves one, for the next ``sweep``.
    """
    target = _enter(root, relpath, folders, created)
    _commit(target, _temporary(target, data), before)
    if folders is None:
        sync_folder(target.parent)
    return target


#: How many files ``replace_all`` writes ahead of the one it replaces.
AHEAD = 8


def replace_all(
    root: Path,
    writes: Iterable[tuple[str, bytes]],
    *,
    folders: Folders,
    created: list[Path] | None = None,
    check: Callable[[Path, str], object] | None = None,
    before: Callable[[str], Callable[[], object] | None] | None = None,
    done: list[str] | None = None,
) -> None:
    """``replace`` for each (relpath, data) of ``writes``, in their order, with the same
    guarantees; ``check(target, relpath)`` runs before each file is replaced (it may raise
    to stop the batch), ``before(relpath)`` gives that file's ``before``, and ``done``
    collects the files replaced.

    Meanwhile, the temporary files of the next ``AHEAD`` files are written and fsynced in
    threads: fsync waits on the disk, not on this process, and a cold ingest writes
    thousands of files. Each file is still replaced only once its own data is on disk.
    Should anything fail, the temporary files written ahead are removed (a killed process
    leaves them to ``sweep``, in folders the next run writes into again: none of their
    targets was replaced).
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    ahead: collections.deque[tuple[Path, str, Future[str]]] = collections.deque()

    def next_one() -> None:
        target, relpath, temporary = ahead[0]
        if check is not None:
            check(target, relpath)
        tmp = temporary.result()
        ahead.popleft()
        _commit(target, tmp, None if before is None else before(relpath))
        if done is not None:
            done.append(relpath)

    with ThreadPoolExecutor(AHEAD, thread_name_prefix="voodoo-write") as pool:
        try:
            for relpath, data in writes:
                # (folders are made and swept here, before any temporary file goes in them)
                target = _enter(root, relpath, folders, created)
                ahead.append((target, relpath, pool.submit(_temporary, target, data)))
                if len(ahead) > AHEAD:
                    next_one()
            while ahead:
                next_one()
        except BaseException:
            for _, _, temporary in ahead:
                temporary.cancel()
            for _, _, temporary in ahead:
                if not temporary.cancelled() and temporary.exception() is None:
                    _discard(temporary.result())
            raise


def _enter(root: Path, relpath: str, folders: Folders | None, created: list[Path] | None) -> Path:
    """The target of ``relpath``, its folder made and swept (once per batch)."""
    state = _is_state(relpath)
    parent, _, name = relpath.rpartition("/")
    if folders is not None and parent in folders.inside:
        where = folders.inside[parent]
        # its folder was checked earlier in this batch (in ``.voodoo/``: no symlink on the
        # way), and listed: only the file itself could lead elsewhere now, when it is one
        # of the folder's symlinks (as in ``check_all_inside``; no look at the disk per file)
        (check_state_relpath if state else check_relpath)(relpath)
        if name not in folders.enter(where, state=state):
            return where / name
    target = inside(root, relpath)
    if not target.parent.is_dir():
        target = folder(root, parent, created) / target.name
    if folders is None:
        sweep(target.parent, state=state)
    else:
        folders.enter(target.parent, state=state)
        folders.inside[parent] = target.parent
    return target


def _temporary(target: Path, data: Data) -> str:
    """A new temporary file beside ``target`` holding ``data``, on disk (fsynced), with the
    target's mode (a new file's: ``NEW_FILE_MODE``); its path."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    # mkstemp: a new file (O_EXCL), never one planted there to be written through.
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=temp_prefix(target.name), suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _commit(target: Path, tmp: str, before: Callable[[], object] | None) -> None:
    """Move the temporary file ``tmp`` over ``target`` (``before`` first); whatever goes
    wrong, ``tmp`` is gone."""
    try:
        if before is not None:
            before()
        os.replace(tmp, target)
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def temp_prefix(name: str) -> str:
    """The prefix of a temporary file next to ``name``: ``.<name>.``, with ``name`` cut to
    100 bytes, so the temporary file's name fits where ``name`` itself does (255 bytes)."""
    return f".{os.fsdecode(os.fsencode(name)[:100])}."


def sweep(path: Path, *, state: bool = False) -> frozenset[str]:
    """Remove voodoo's temporary files from the folder ``path``. A process killed between
    creating one and replacing its target leaves it; voodoo writes a pack under its lock,
    so no other writer can be using it. ``state``: the folder is voodoo's own (in
    ``.voodoo/``), so the temporary files of older versions go too. Returns the names of
    the symlinks in the folder (from the same listing)."""
    links = []
    with os.scandir(path) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(".") and (
                name.endswith(TEMP_SUFFIX) or (state and _OLD_TEMP.fullmatch(name))
            ):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
            elif entry.is_symlink():
                links.append(name)
    return frozenset(links)


def sync_folder(path: Path) -> None:
    """fsync the folder ``path``: the names replaced in it survive a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a directory
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def open_own(root: Path, relpath: str, flags: int, *, what: str) -> int:
    """A descriptor of the pack's file ``relpath``, created if missing, to change in place.

    Refused (PackError, naming it ``what``), before anything is created: a folder on the way
    that leads outside the pack, and the file itself when it is a symlink (O_NOFOLLOW, even
    to inside the pack: voodoo's own files are never links), or not a regular file with a
    single link (a FIFO would block, a hard link would have voodoo write into another file).
    """
    parent, _, name = relpath.rpartition("/")
    try:
        path = folder(root, parent) / name
        fd = os.open(
            path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, NEW_FILE_MODE
        )
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PackError(f"{what} is a symlink; refusing it (remove it)", path=relpath) from None
        raise PackError(f"cannot create {what}: {exc.strerror}", path=relpath) from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise PackError(
            f"{what} is not a regular file of the pack's own (a FIFO, device or hard link); "
            "refusing it (remove it)",
            path=relpath,
        )
    return fd


def append(root: Path, relpath: str, data: bytes, *, rotate_at: int, what: str) -> None:
    """Append ``data`` (whole lines) to the pack's file ``relpath`` (``open_own``'s checks).

    When ``data`` would take a file that is not empty over ``rotate_at`` bytes, the file
    first becomes ``relpath.1`` (replacing the one before) and a new one starts: the file
    and the one before it are kept, no more. One ``write`` per call (O_APPEND), so lines
    of concurrent runs do not mix; after a torn last line (a run killed while writing it),
    on a line of its own. Not fsynced: the run log is a record for people, whose reader
    skips a torn line, and no run should wait for the disk to log.
    """
    flags = os.O_RDWR | os.O_APPEND
    fd = open_own(root, relpath, flags, what=what)
    try:
        size = os.fstat(fd).st_size
        if size and size + len(data) > rotate_at:
            path = root.joinpath(*relpath.split("/"))
            os.replace(path, path.with_name(f"{path.name}.1"))
            os.close(fd)
            fd = -1
            fd = open_own(root, relpath, flags, what=what)
            size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        if fd >= 0:
            os.close(fd)


def create_once(root: Path, relpath: str, data: bytes) -> bool:
    """Write the pack's file ``relpath`` unless there is one (then it is the user's to
    keep, even a symlink: O_EXCL never follows one); True when written. Not atomic: a few
    hundred bytes, in one ``write``."""
    path = folder(root, relpath.rpartition("/")[0]) / relpath.rpartition("/")[2]
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, NEW_FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return True


def ensure_state_gitignore(root: Path) -> None:
    """Write ``.voodoo/.gitignore`` unless there is one. A convenience: never fails a run."""
    with contextlib.suppress(OSError, PackError):
        create_once(root, f"{STATE_DIR}/.gitignore", STATE_GITIGNORE.encode())
