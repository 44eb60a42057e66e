"""``check``: would a re-ingest change the pack? Plan, then compare; never writes.

The fast path answers from file stats and hashes alone, with the pack's cache: same
sources, each with unchanged content (its local modules too), the same configuration, a
clean last run, and every file voodoo wrote still in place. Then the pack is in sync unless
a script failed to parse (the cache keeps those errors too). Only when that fails is the
full pipeline (libcst and all) run as a dry run, to say exactly what would change.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voodoo import cache
from voodoo._paths import STATE_DIR
from voodoo.config import DEFAULTS, Config, Settings
from voodoo.manifest import PENDING_PATH
from voodoo.model import Diagnostic
from voodoo.pack import pack_lock
from voodoo.sources import (
    SourceFile,
    check_outside,
    common_root,
    discover,
    resolve_sources,
    select,
    source_list,
)

if TYPE_CHECKING:
    from voodoo.ingest import IngestResult
    from voodoo.session import Session


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether a pack is in sync with its sources (``exit_code``, and ``lines()`` saying
    what would change)."""

    pack_dir: Path
    in_sync: bool
    result: IngestResult | None  #: the dry run, when the fast path could not decide
    #: from the fast path: why the scripts that fail to parse fail
    failures: tuple[Diagnostic, ...] = ()

    @property
    def exit_code(self) -> int:
        return 0 if self.in_sync else 1

    def lines(self) -> list[str]:
        """A readable diff: per action and field, old -> new."""
        if self.result is None:
            return [f"{d.path}: failed: {d}" for d in self.failures]
        out = [f"{f.relpath}: failed: {d}" for f in self.result.failed for d in f.diagnostics]
        from voodoo.reconcile import ChangeKind

        for ch in self.result.changes:
            if ch.kind is ChangeKind.UNCHANGED:
                continue
            if (
                ch.action is None
                and ch.path.endswith(".py")
                and ch.path.startswith("actions/")
                and ch.kind is not ChangeKind.CONFLICT
            ):
                continue  # wrappers and copies follow their action; listed once, below
            out.append(str(ch) if ch.action is not None else f"{ch.kind.value} {ch.path}")
            out.extend(f"    {f}" for f in ch.fields)
            out.extend(
                f"    conflict {c.field}: yours {c.ours!r}, script {c.theirs!r}"
                for c in ch.conflicts
            )
        copies = [
            ch
            for ch in self.result.changes
            if ch.kind is not ChangeKind.UNCHANGED
            and ch.action is None
            and ch.path.endswith(".py")
            and ch.path.startswith("actions/")
        ]
        if copies:
            out.append(f"{len(copies)} wrapper/script file(s) would change:")
            out.extend(f"    {ch.kind.value} {ch.path}" for ch in copies)
        return out


def check(
    sources: Iterable[str | os.PathLike[str]],
    pack_dir: str | os.PathLike[str],
    *,
    name: str | None = None,
    config: Config | None = None,
    settings: Settings = DEFAULTS,
    session: Session | None = None,
) -> CheckResult:
    """Whether the pack is in sync with the sources; reads only (and takes the pack lock).
    ``session``: as for ``ingest`` (the dry run it may do reads through it)."""
    from voodoo.stackstorm import pack_ref

    sources = source_list(sources)
    src = resolve_sources(sources, config)
    pack = Path(pack_dir)
    check_outside(src, pack)
    ref = pack_ref(name or pack.resolve().name)
    root = common_root(src)
    settings = settings.with_config(config)
    if (pack / STATE_DIR).is_dir():
        files = select(discover(src, exclude=[pack]), config)
        fp = cache.settings_fingerprint(ref, root, config, name, settings)
        with pack_lock(pack, wait=True):
            fast = _fast_check(files, pack, root, fp)
            if fast is not None:
                return CheckResult(pack, not fast, None, fast)
    from voodoo.ingest import ingest

    result = ingest(
        sources, pack, name=name, config=config, dry_run=True, settings=settings, session=session
    )
    in_sync = not (result.plan.changes or result.plan.conflicts or result.failed or result.held)
    return CheckResult(pack, in_sync, result)


def _fast_check(
    files: list[SourceFile], pack: Path, root: Path, fp: str
) -> tuple[Diagnostic, ...] | None:
    """The failures when nothing changed since the last clean run; None: cannot tell."""
    index = cache.load_index(pack)
    if (pack / PENDING_PATH).exists():  # a run was interrupted: look at everything
        return None
    if index.fingerprint != fp or not index.clean or set(index.stats) != {f.relpath for f in files}:
        return None
    if not all(cache.is_fresh(*index.stats[f.relpath], f.path, root) for f in files):
        return None
    # The index lists the files the manifest did when it was written, and the manifest's
    # hash (decoding its 2 MB of JSON was most of check's time); of the files, only their
    # existence is asked.
    if index.manifest is None or index.manifest != cache.manifest_hash(pack):
        return None
    if not all((pack / rel).exists() for rel in index.pack_files):
        return None
    return tuple(d for f in files for d in index.failures.get(f.relpath, ()))


__all__ = ["CheckResult", "check"]
