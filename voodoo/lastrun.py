"""What the last ingest in a session saw, so that the next one, told which paths changed
since, looks only at those (``session.Session`` keeps it).

``watch`` syncs again and again in one process and knows from its file system events which
paths changed in between. Given them, ``ingest`` takes the files it ingested last time
instead of discovering them again, and trusts the cache entry of each file it verified
then and no event names (nor any local module it imports) instead of asking the disk about
it. When an event may mean that the set of files changed (a file created, deleted or
renamed, a .gitignore or any other file that is not a known script or module), or the
pack's cache is no longer the one saved then, it falls back to looking at everything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from voodoo.cache import Cache
from voodoo.sources import SourceFile


@dataclass(frozen=True, slots=True)
class LastRun:
    """One ingest that saved its cache."""

    key: tuple[object, ...]  #: what it ran on: sources, pack, settings
    files: tuple[SourceFile, ...]
    verified: frozenset[str]  #: files whose cache entry matched their content
    cache: Cache  #: the cache it saved

    def touched(self, changed: Iterable[str | os.PathLike[str]], root: Path) -> set[str] | None:
        """The files and modules ``changed`` names (relative to ``root``); None when the
        set of files may have changed."""
        known = {sf.relpath for sf in self.files}
        known.update(m for e in self.cache.scripts.values() for m in e.local)
        out = set()
        for name in changed:
            path = Path(os.path.abspath(name))
            if not path.is_relative_to(root):
                return None
            rel = path.relative_to(root).as_posix()
            if rel in known and path.is_file():
                out.add(rel)
            elif rel in known or path.exists() or path.is_symlink():
                return None  # a file gone, or a new one (a script? a .gitignore?)
            # else it came and went (an editor's temporary file): nothing to do
        return out

    def unchanged(self, touched: set[str], cache: Cache) -> frozenset[str]:
        """Files whose entry in ``cache`` needs no look: verified last time, and neither
        they nor a module they import were touched since. Nothing while ``cache`` is not the
        one saved then (another process may have written it since)."""
        if cache is not self.cache:
            return frozenset()
        # (a symlink is always looked at: an event names its target, never the link)
        links = {sf.relpath for sf in self.files if sf.link}
        return frozenset(
            rel
            for rel in self.verified - links - touched
            if touched.isdisjoint(cache.scripts[rel].local)
        )


__all__ = ["LastRun"]
