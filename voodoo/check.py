"""``check``: would a re-ingest change the pack? Plan, then compare; never writes.

The fast path answers "in sync" from file stats and hashes alone, with the pack's cache:
same sources, each with unchanged content (its local modules too), the same configuration,
a clean last run, and every file voodoo wrote still in place. Only when that fails is the
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
from voodoo.config import Config
from voodoo.manifest import load as load_manifest
from voodoo.pack import pack_lock
from voodoo.sources import SourceFile, common_root, discover, resolve_sources, select

if TYPE_CHECKING:
    from voodoo.ingest import IngestResult


@dataclass(frozen=True, slots=True)
class CheckResult:
    pack_dir: Path
    in_sync: bool
    result: IngestResult | None  #: the dry run, when the fast path could not decide

    @property
    def exit_code(self) -> int:
        return 0 if self.in_sync else 1

    def lines(self) -> list[str]:
        """A readable diff: per action and field, old -> new."""
        if self.result is None:
            return []
        out = [f"{f.relpath}: failed: {d}" for f in self.result.failed for d in f.diagnostics]
        from voodoo.reconcile import ChangeKind

        for ch in self.result.changes:
            if ch.kind is ChangeKind.UNCHANGED:
                continue
            if ch.action is None and ch.path.endswith(".py") and ch.path.startswith("actions/"):
                continue  # wrappers and copies follow their action; listed once, below
            out.append(str(ch) if ch.action is not None else f"{ch.kind.value} {ch.path}")
            out.extend(f"    {f}" for f in ch.fields)
            out.extend(f"    conflict {c.field}: yours {c.ours!r}, script {c.theirs!r}"
                       for c in ch.conflicts)
        copies = sum(1 for ch in self.result.changes if ch.kind is not ChangeKind.UNCHANGED
                     and ch.action is None and ch.path.endswith(".py"))
        if copies:
            out.append(f"{copies} wrapper/script file(s) would change")
        return out


def check(sources: Iterable[str | os.PathLike[str]], pack_dir: str | os.PathLike[str], *,
          name: str | None = None, config: Config | None = None,
          functions: bool = False, config_schema: bool = False) -> CheckResult:
    """Whether the pack is in sync with the sources; reads only (and takes the pack lock)."""
    from voodoo.stackstorm import pack_ref

    sources = list(sources)
    src = resolve_sources(sources, config)
    pack = Path(pack_dir)
    ref = pack_ref(name or pack.resolve().name)
    root = common_root(src)
    functions = functions or bool(config and config.functions)
    config_schema = config_schema or bool(config and config.config_schema)
    if (pack / STATE_DIR).is_dir():
        files = select(discover(src, exclude=[pack]), config)
        fp = cache.settings_fingerprint(ref, root, config, name, functions=functions,
                                        config_schema=config_schema)
        with pack_lock(pack, wait=True):
            if _fast_in_sync(files, pack, root, fp):
                return CheckResult(pack, True, None)
    from voodoo.ingest import ingest

    result = ingest(sources, pack, name=name, config=config, dry_run=True, functions=functions,
                    config_schema=config_schema)
    in_sync = not (result.plan.changes or result.plan.conflicts or result.failed)
    return CheckResult(pack, in_sync, result)


def _fast_in_sync(files: list[SourceFile], pack: Path, root: Path, fp: str) -> bool:
    c = cache.load(pack)
    if c.fingerprint != fp or not c.clean or set(c.scripts) != {f.relpath for f in files}:
        return False
    if not all(cache.is_fresh(c.scripts[f.relpath], f.path, root) for f in files):
        return False
    return all((pack / rel).exists() for rel in load_manifest(pack).files)


__all__ = ["CheckResult", "check"]
