"""What a series of ingests in one process keeps warm between runs, in one visible object.

``watch`` syncs again and again in one process: it holds one ``Session`` and passes it to
every ``ingest``, which then reuses the cache and the manifest it read or wrote last time
while their files are unchanged (by size, mtime and inode), and, told which paths changed,
looks only at those (``lastrun``). An ``ingest`` given no session makes one of its own,
used for that run only: nothing an earlier call did changes what a later one computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voodoo import cache, manifest
from voodoo.lastrun import LastRun


@dataclass(eq=False)
class Session:
    """Hand the same one to each ``ingest`` (or ``check``) of one pack that should start
    warm; a session used with several packs only keeps what the last one left."""

    cache: cache.Memo = field(default_factory=cache.Memo)
    manifest: manifest.Memo = field(default_factory=manifest.Memo)
    #: the last ingest that saved its cache; taken (and forgotten) by the next one
    last_run: LastRun | None = None

    def take_last_run(self, key: tuple[object, ...]) -> LastRun | None:
        """The last run when it ran on ``key``; forgotten either way (an ingest that fails
        half-way must leave nothing to trust)."""
        last, self.last_run = self.last_run, None
        return last if last is not None and last.key == key else None


__all__ = ["Session"]
