"""Pack-relative paths: the one place that decides whether a path may be touched.

Every path voodoo reads, writes or deletes in a pack goes through ``resolve_inside``, so a
crafted manifest or a rendered name can never reach outside the pack directory.
"""

from __future__ import annotations

import errno
import os
import stat
import string
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from voodoo.errors import PackError

_DRIVE_LETTERS = frozenset(string.ascii_letters)
_NOT_NORMAL = frozenset({"", ".", ".."})

#: voodoo's own folder in a pack (manifest, lock); never a rendered file.
STATE_DIR = ".voodoo"


def check_relpath(relpath: object, *, where: str | None = None) -> str:
    """Return ``relpath`` when it is a normalized, relative POSIX path; else raise PackError.

    Rejected: non-strings, empty, absolute, drive letters, backslashes, NUL, ``.``/``..``
    components, empty components (``a//b``, trailing ``/``) and voodoo's own state folder.
    """
    if not isinstance(relpath, str) or not relpath:
        raise PackError(f"not a pack-relative path: {relpath!r}", path=where)
    problem = _problem(relpath)
    if problem:
        raise PackError(f"refusing path {relpath!r}: {problem}", path=where)
    return relpath


def _problem(relpath: str) -> str:
    if "\\" in relpath or "\0" in relpath:
        return "backslashes and NUL characters are not allowed"
    # (backslashes are refused above, so a drive is "C:..." only; pathlib is slow here)
    if relpath.startswith("/") or (relpath[1:2] == ":" and relpath[:1] in _DRIVE_LETTERS):
        return "absolute paths are not allowed"
    parts = relpath.split("/")
    if not _NOT_NORMAL.isdisjoint(parts):
        return "the path must be normalized (no '', '.' or '..' components)"
    if parts[0] == STATE_DIR:
        return f"{STATE_DIR}/ is voodoo's own state folder"
    return ""


def check_state_relpath(relpath: str, *, where: str | None = None) -> str:
    """``check_relpath`` for one of voodoo's own files: ``relpath`` is ``.voodoo`` or a
    normalized path inside it."""
    head, _, rest = relpath.partition("/")
    problem = f"not in {STATE_DIR}/" if head != STATE_DIR else _problem(rest) if rest else ""
    if problem:
        raise PackError(f"refusing path {relpath!r}: {problem}", path=where)
    return relpath


def resolve_inside(
    pack_root: Path, relpath: str, *, where: str | None = None, state: bool = False
) -> Path:
    """The absolute path of ``relpath`` in the pack, refusing symlinks that lead outside.

    ``pack_root`` must already be resolved. Existing symlinks anywhere along the path
    (directories or the file itself) are followed; the result must stay inside the pack.

    ``state``: ``relpath`` is one of voodoo's own files, in ``.voodoo/`` (which
    ``check_relpath`` refuses for any other file), or that folder itself. There no symlink
    is followed, even one that stays inside the pack: voodoo's own files and folders are
    never links, and the cache removes what it does not know from its folder (a
    ``.voodoo/cache/analyses`` linked to ``actions/`` would have emptied that).
    """
    if state:
        check_state_relpath(relpath, where=where)
    else:
        check_relpath(relpath, where=where)
    target = pack_root.joinpath(*PurePosixPath(relpath).parts)
    real = target.resolve()
    if not real.is_relative_to(pack_root):
        raise PackError(
            f"refusing path {relpath!r}: a symlink in the pack leads outside it (to {real})",
            path=where,
        )
    if state and real != target:
        link = next(p for p in (target, *target.parents) if p.is_symlink())
        raise PackError(
            f"refusing path {relpath!r}: {link.relative_to(pack_root).as_posix()} is a symlink "
            f"(voodoo's own files and folders in {STATE_DIR}/ never are; remove it)",
            path=where,
        )
    return target


def check_all_inside(pack_root: Path, relpaths: Iterable[str], *, where: str | None = None) -> None:
    """``resolve_inside`` for many paths, resolving each folder once (a manifest lists
    thousands of files in a few folders); PackError for the first one refused."""
    folders: dict[str, frozenset[str] | None] = {}  # folder -> its symlinks; None: outside
    for relpath in relpaths:
        check_relpath(relpath, where=where)
        parent, _, name = relpath.rpartition("/")
        if parent not in folders:
            folders[parent] = _symlinks_in(pack_root, parent)
        links = folders[parent]
        # Below a resolved folder, only the file itself can still be a symlink.
        if links is None or name in links:
            resolve_inside(pack_root, relpath, where=where)


def _symlinks_in(pack_root: Path, folder: str) -> frozenset[str] | None:
    """The names of the symlinks in a pack folder (one listing, not a stat per file);
    None when the folder leads outside the pack."""
    real = pack_root.joinpath(*folder.split("/")).resolve() if folder else pack_root
    if not real.is_relative_to(pack_root):
        return None
    try:
        with os.scandir(real) as entries:
            return frozenset(e.name for e in entries if e.is_symlink())
    except OSError:  # missing (or not a folder): nothing in it can be a symlink
        return frozenset()


def file_version(path: Path) -> tuple[object, ...] | None:
    """What tells one version of a file from the next, for remembering what was read from
    it in this process: voodoo replaces its state files (a new inode) whenever it writes
    them. None when the file cannot be looked at."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


#: What a file that is not a regular file (a FIFO, socket or device) is called in errors.
NOT_REGULAR = "not a regular file (a FIFO, socket or device); only regular files are read"


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed). Never blocks: a FIFO
    (or socket, or device) raises OSError without being read, a folder IsADirectoryError.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, NOT_REGULAR, os.fspath(path))
        os.set_blocking(fd, True)
        with open(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def is_regular(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a regular file (a symlink to one counts); never opens it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
