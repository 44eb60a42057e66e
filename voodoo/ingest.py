"""From a set of source files to a planned (and, unless asked not to, applied) pack.

The one place the pipeline is wired together, in the order it runs:

    discover (sources) -> analyze (workers) -> interpret (interpret, naming)
    -> render (render, incremental) -> plan (pack) -> reconcile (reconcile)
    -> apply (pack) -> save (cache, dormant, session)

Each arrow is a call into the module named beside it; nothing here parses, renders or
writes a file itself. The CLI, ``watch``, the pre-commit hook and library users all call
``ingest`` (``check`` calls it with ``dry_run``).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from voodoo import cache, dormant, incremental, interpret, lastrun, stackstorm, workers
from voodoo._paths import STATE_DIR
from voodoo.config import DEFAULTS, Config, Settings
from voodoo.limits import DEFAULT_MAX_SIZE
from voodoo.manifest import load as load_manifest
from voodoo.merge import Prefer
from voodoo.pack import apply, pack_lock, plan
from voodoo.reconcile import Change, ChangeKind, reconcile, settle
from voodoo.render import render
from voodoo.result import FileOutcome, FileStatus, IngestResult, Work, attach, outcome, pack_notes
from voodoo.session import Session
from voodoo.sources import (
    check_outside,
    common_root,
    discover,
    resolve_sources,
    select,
    source_list,
)
from voodoo.workers import Progress


def ingest(
    sources: Iterable[str | os.PathLike[str]],
    pack_dir: str | os.PathLike[str],
    *,
    name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    config: Config | None = None,
    prefer: Prefer = "ours",
    settings: Settings = DEFAULTS,
    jobs: int | None = None,
    changed: Iterable[str | os.PathLike[str]] | None = None,
    resolve: Prefer | None = None,
    session: Session | None = None,
    rebuild: bool = False,
) -> IngestResult:
    """Analyze ``sources`` (files or folders) and bring the pack in ``pack_dir`` up to date.

    Unchanged scripts are taken from the pack's cache, not parsed again. Files that fail to
    parse are reported in the result and their earlier actions are kept; every other file
    is still ingested. Action YAML edited by hand is merged field by field with what the
    script now gives (``prefer`` decides fields both changed); other hand-edited files are
    never overwritten: they come back as ``plan.conflicts``. With ``dry_run`` nothing is
    written. ``sources`` may be empty when ``config`` names them. ``jobs`` processes parse
    changed files (default: one per CPU; 1: in this process; until the analyzers are
    imported, an ingest that writes forks a helper process at its start that imports them
    while this one reads the pack, and parses a few changed files); the result does not
    depend on it.

    ``settings`` (each on when it or ``config`` turns it on): ``functions``, modules without
    a command line get one action per public top-level function (the wrapper imports the
    module and calls it); ``config_schema``, environment variables the scripts read become
    keys of the pack's ``config.schema.yaml``, exported to the scripts from the pack
    config; ``keep_python2``, Python 2 scripts and modules are copied as they are and run
    with ``python2`` (by default they are copied converted to Python 3); ``max_size``,
    scripts larger than that many bytes fail with an error instead of being parsed.

    ``resolve`` settles the conflicts no merge could: ``"theirs"`` writes what the scripts
    give over the hand-edited files, ``"ours"`` keeps the hand versions on purpose (the
    manifest remembers it, until the scripts change them again). Without it, a conflict is
    reported by every run until it is resolved (or the file deleted or restored).

    ``session``: what ingests of this pack in this process keep warm between runs (the
    cache and manifest last read, the files last seen); ``watch`` passes the same one to
    every run. Without one, the run starts cold. ``changed``: the paths (files, absolute or
    relative to the cwd) that changed since the last ingest in ``session``, when the caller
    knows them all (``watch`` does, from file system events). Then only those are looked
    at, unless they may change which files there are (see ``lastrun``).

    ``rebuild`` renders every script again instead of carrying the files of unchanged
    ones over from the last run (the result is the same; it costs more). What the run did
    is in ``IngestResult.work``.
    """
    paths = [Path(s) for s in source_list(sources)]
    run = _Run(
        paths, Path(pack_dir), name, dry_run, progress, config, prefer, settings, jobs, resolve
    )
    helper = workers.start_helper(jobs, dry_run, paths)
    try:
        return _ingest(run, session or Session(), changed, helper, rebuild)
    finally:
        if helper is not None:
            helper.close()


@dataclass(frozen=True, slots=True)
class _Run:
    """What ``ingest`` was asked to do."""

    sources: list[Path]
    pack: Path
    name: str | None
    dry_run: bool
    progress: Progress | None
    config: Config | None
    prefer: Prefer
    settings: Settings
    jobs: int | None
    resolve: Prefer | None


def _ingest(
    run: _Run,
    session: Session,
    changed: Iterable[str | os.PathLike[str]] | None,
    helper: workers.Helper | None,
    rebuild: bool,
) -> IngestResult:
    # discover
    src = resolve_sources(run.sources, run.config)
    pack, config = run.pack, run.config
    check_outside(src, pack)
    folder = pack.resolve().name
    ref = stackstorm.pack_ref(run.name or folder)
    root = common_root(src)
    settings = run.settings.with_config(config)
    fp = cache.settings_fingerprint(ref, root, config, run.name, settings)
    key = (tuple(str(p.resolve()) for p in src), str(pack.resolve()), fp)
    last = session.take_last_run(key)
    touched = None if last is None or changed is None else last.touched(changed, root)
    if last is None or touched is None:
        discovered, files = True, select(discover(src, exclude=[pack]), config)
    else:
        discovered, files = False, list(last.files)
    lock = (
        contextlib.nullcontext()
        if run.dry_run and not (pack / STATE_DIR).is_dir()
        else pack_lock(pack, wait=True)
    )
    with lock:
        old = cache.load(pack, session.cache)
        # Cached analyses are reused only for the same voodoo version and settings.
        reusable = old if old.fingerprint == fp else cache.Cache(fp, False, {})
        max_size = settings.max_size or DEFAULT_MAX_SIZE
        # Read before the analysis: with a helper process, this one only waits meanwhile.
        manifest = load_manifest(pack, session.manifest)
        on_disk = incremental.existing(
            pack, (f for e in reusable.scripts.values() if e.render for f in e.render.files)
        )
        # analyze
        found, checked = workers.analyze_all(
            files,
            reusable,
            root,
            run.progress,
            functions=settings.functions,
            # actions rendered in the workers say their pack only when the folder is so named
            pack_ref=ref if folder == ref else None,
            max_size=max_size,
            jobs=run.jobs,
            unchanged=() if last is None or touched is None else last.unchanged(touched, old),
            helper=helper,
        )
        # interpret: configuration overrides, helper modules, unique names
        asleep = dormant.load(pack)
        kept = incremental.kept_names(manifest, pack, {a.source.relpath for a in found}, asleep)
        analyzed, commands, clash_notes = interpret.interpret(found, config, kept)
        # render: only the scripts whose files cannot be carried over as they are
        redo = (
            {a.source.relpath for a in analyzed if a.script.ok}
            if rebuild
            else incremental.to_render(analyzed, commands, manifest, on_disk, settings)
        )
        whole_of = functools.partial(
            workers.complete, pack=pack, root=root, functions=settings.functions, max_size=max_size
        )
        analyzed, commands, clash_notes = interpret.complete(
            analyzed, commands, clash_notes, redo, found, config, kept, whole_of
        )
        out = render(
            analyzed,
            commands,
            pack_ref=ref,
            pack_name=run.name or ref,
            source_root=root,
            pack_meta=config.metadata if config else None,
            settings=settings,
            redo=redo,
            cwds={rel: o.cwd for rel, o in config.scripts.items() if o.cwd} if config else None,
            folder=folder,
            modules={f.source.relpath: f for f in found},
        )
        # A broken script keeps what it generated last time: never delete on a parse error.
        keep = {a.source.relpath for a in analyzed if not a.script.ok}
        outcomes = attach(
            [outcome(a, commands.get(a.source.relpath, [])) for a in analyzed],
            [*clash_notes, *out.notes],
        )
        # plan, then reconcile with what people edited
        the_plan = plan(
            pack, out.files, manifest, sources=out.sources, keep_sources=keep, carried=out.carried
        )
        # a dormant action comes back only with its own script
        waking = {
            path: d
            for path, d in asleep.items()
            if (info := out.sources.get(path)) is not None and info.source == d.source
        }
        the_plan, changes = reconcile(
            the_plan,
            manifest,
            incremental.renames(old, analyzed, commands),
            prefer=run.resolve or run.prefer,
            settle=run.resolve is not None,
            dormant=waking,
        )
        if run.resolve is not None:
            the_plan, changes = settle(the_plan, changes, run.resolve)
        # apply and save
        if not run.dry_run:
            apply(the_plan, pack, memo=session.manifest)
            sleeping = incremental.dormant_after(asleep, changes, manifest, the_plan, pack)
            dormant.save(pack, sleeping, was=asleep)
            held = set() if run.resolve is not None else {c.path for c in changes if c.conflicts}
            new = incremental.new_cache(analyzed, commands, old, the_plan, fp, out.records, held)
            saved = cache.save(pack, new, the_plan.manifest.files, session.cache)
            verified = frozenset(a.source.relpath for a in analyzed if a.entry is not None)
            session.last_run = lastrun.LastRun(key, tuple(files), verified, saved)
    work = Work(
        discovered=discovered,
        checked=checked,
        parsed=tuple(a.source.relpath for a in analyzed if a.parsed),
        rendered=tuple(
            a.source.relpath
            for a in analyzed
            if a.source.relpath in redo and commands.get(a.source.relpath)
        ),
    )
    return IngestResult(
        pack,
        ref,
        tuple(outcomes),
        the_plan,
        applied=not run.dry_run,
        changes=changes,
        notes=pack_notes(the_plan, pack),
        settled=run.resolve is not None,
        work=work,
    )


__all__ = [
    "Change",
    "ChangeKind",
    "FileOutcome",
    "FileStatus",
    "IngestResult",
    "Session",
    "Work",
    "ingest",
]
