"""Finding the scripts to ingest: which files under the given sources are Python.

Pure file-system listing; nothing here reads a file past its first line.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from voodoo._paths import is_regular
from voodoo.config import Config
from voodoo.errors import VoodooError

#: Folders that never hold a team's scripts.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".voodoo",
        "build",
        "dist",
    }
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One candidate script."""

    path: Path  #: where it is on disk
    relpath: str  #: POSIX path relative to the source root: its place in the pack
    link: bool = False  #: a symlink (to a file inside the source tree)


def _has_python_shebang(path: Path) -> bool:
    if not is_regular(path):  # (a FIFO would block the open)
        return False
    try:
        with path.open("rb") as f:
            first = f.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _walk(root: Path, exclude: Sequence[Path]) -> Iterator[tuple[Path, bool]]:
    # followlinks=False: a symlinked folder is never entered, so nothing outside the
    # source tree (and no symlink loop) is read.
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIPPED_DIRS
            and not d.startswith(".")
            and not any(_same(here / d, e) for e in exclude)
            and not is_pack(here / d)
        )
        for name in sorted(filenames):
            path = here / name
            link = path.is_symlink()
            if link and not _link_inside(path, root):
                continue
            if (name.endswith(".py") and is_regular(path)) or (
                "." not in name and _has_python_shebang(path)
            ):
                yield path, link


def is_pack(folder: Path) -> bool:
    """True for a StackStorm pack: one voodoo keeps (``.voodoo/manifest.json``) or any with
    ``pack.yaml`` and ``actions/``. Never a source below a folder given as one: its copies
    of scripts and its wrappers would come back as new scripts on every run."""
    return (folder / ".voodoo" / "manifest.json").is_file() or (
        (folder / "pack.yaml").is_file() and (folder / "actions").is_dir()
    )


def check_outside(sources: Sequence[Path], pack: Path) -> None:
    """VoodooError when a source is the pack or lies inside it."""
    root = pack.resolve()
    for source in sources:
        real = source.resolve()
        if real == root or real.is_relative_to(root):
            raise VoodooError(
                f"the source {source} is inside the pack {pack}; give the "
                "scripts' folder and a pack folder outside it",
                path=str(source),
            )


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _link_inside(link: Path, root: Path) -> bool:
    """True when the symlink resolves to a file in ``root``; False for a loop, a dangling
    link, or one leading elsewhere (never followed out of the source tree)."""
    try:
        return _inside(link.resolve(strict=True), root.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return False


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def discover(
    sources: Iterable[str | os.PathLike[str]], *, exclude: Sequence[Path] = ()
) -> list[SourceFile]:
    """List the Python files under ``sources`` (files or folders), sorted by relative path.

    A folder contributes its ``*.py`` files and extension-less files with a python shebang;
    a StackStorm pack below it (``is_pack``) is not entered.
    Relative paths are taken from the common parent of all sources, so two folders that
    both hold ``deploy.py`` keep distinct places. ``exclude`` folders (the pack itself,
    when it lies inside a source) are not entered.
    """
    paths = [Path(s) for s in sources]
    for p in paths:
        if not p.exists():
            raise VoodooError("no such file or folder", path=str(p))
    if not paths:
        return []
    roots = [p if p.is_dir() else p.parent for p in paths]
    common = Path(os.path.commonpath([r.resolve() for r in roots]))
    if len(paths) == 1 and paths[0].is_dir():
        common = paths[0].resolve()
    found: dict[str, SourceFile] = {}
    folders: dict[Path, str] = {}  # folder -> its place under common: resolved once
    for p in paths:
        files = [(p, p.is_symlink())] if p.is_file() else _walk(p, exclude)
        for f, link in files:
            # The link's own place, not its target's: that is where the user sees it.
            if f.parent not in folders:
                folders[f.parent] = f.parent.resolve().relative_to(common).as_posix()
            rel = posixpath.join(folders[f.parent], f.name).removeprefix("./")
            found.setdefault(rel, SourceFile(f, rel, link))
    return [found[k] for k in sorted(found)]


def common_root(sources: Sequence[Path]) -> Path:
    """The folder relative paths are taken from (as ``discover`` computes it)."""
    roots = [(p if p.is_dir() else p.parent).resolve() for p in sources]
    if len(sources) == 1 and sources[0].is_dir():
        return roots[0]
    return Path(os.path.commonpath(roots))


def source_list(
    sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
) -> list[str | os.PathLike[str]]:
    """``sources`` as a list: one path given alone (``"scripts"``) is one source, not one
    per character."""
    if isinstance(sources, str | os.PathLike):
        return [sources]
    return list(sources)


def resolve_sources(
    sources: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], config: Config | None
) -> list[Path]:
    """The sources given, else the configured ones; VoodooError when there are none."""
    src = [Path(s) for s in source_list(sources)]
    if not src and config is not None:
        src = config.source_paths()
    if not src:
        raise VoodooError("no sources given")
    return src


def select(files: list[SourceFile], config: Config | None) -> list[SourceFile]:
    """The discovered files the configuration keeps (globs, excludes, .gitignore, per-script
    ``exclude``)."""
    if config is None:
        return files
    return [
        f
        for f in files
        if config.selects(f.path)
        and not (f.relpath in config.scripts and config.scripts[f.relpath].exclude)
    ]
