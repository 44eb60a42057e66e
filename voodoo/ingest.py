"""From a set of source files to a planned (and, unless asked not to, applied) pack.

This is the one place the pipeline is wired together: discover -> analyze -> name ->
render -> plan -> apply. The CLI, ``watch``, the pre-commit hook and library users all
call ``ingest`` (or ``plan_ingest`` for a dry run).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import os
import re
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from voodoo import (
    cache,
    deps,
    dormant,
    gitmeta,
    lastrun,
    naming,
    pack_config,
    py2,
    stackstorm,
    wrapper,
)
from voodoo._children import clean_import_path, die_with_parent
from voodoo._paths import STATE_DIR, read_regular
from voodoo.config import DEFAULTS, Config, PackMeta, Settings
from voodoo.limits import DEFAULT_MAX_SIZE
from voodoo.manifest import Manifest, sha256
from voodoo.manifest import load as load_manifest
from voodoo.merge import Prefer
from voodoo.model import ENTRY_KEY, MOUNTED_KEY, Command, Diagnostic, Script, Severity
from voodoo.pack import ConflictKind, Plan, SourceInfo, apply, pack_lock, plan
from voodoo.reconcile import Change, ChangeKind, action_of, reconcile
from voodoo.sources import (
    SourceFile,
    check_outside,
    common_root,
    discover,
    resolve_sources,
    select,
    source_list,
)

RUNTIME_PATH = wrapper.RUNTIME_PACK_PATH
SCRIPTS_DIR = "actions/scripts"

#: Called as files are analyzed: (done, total, relpath).
Progress = Callable[[int, int, str], None]


class FileStatus(enum.StrEnum):
    """What an ingest did with one source file."""

    INGESTED = "ingested"  #: at least one action generated
    SKIPPED = "skipped"  #: no command line (a library module, or not a script)
    FAILED = "failed"  #: could not be read or parsed; its earlier actions are kept


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one source file."""

    relpath: str
    status: FileStatus
    framework: str | None
    actions: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The outcome of one ingest: per file, and what changed in the pack."""

    pack_dir: Path
    pack_ref: str
    files: tuple[FileOutcome, ...]
    plan: Plan
    applied: bool  #: False for a dry run (``check``/``inspect``)
    #: what happened to each action (and to the other pack files voodoo owns)
    changes: tuple[Change, ...] = ()
    #: about the pack as a whole, not one script (e.g. pack.yaml's placeholder email)
    notes: tuple[Diagnostic, ...] = ()

    @property
    def held(self) -> tuple[Change, ...]:
        """Actions where a field both a person and the script changed kept the person's
        value without anyone choosing it (``ingest --ours`` or ``--theirs`` settles it)."""
        return tuple(ch for ch in self.changes if ch.conflicts and not self.settled)

    settled: bool = False  #: ``resolve`` was given: field conflicts were settled on purpose

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.FAILED)

    @property
    def exit_code(self) -> int:
        """0 when every file was ingested or deliberately skipped and no conflict is left
        unsettled, 1 otherwise."""
        return 1 if self.failed or self.plan.conflicts or self.held else 0

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action the sources give, in file order."""
        return tuple(a for f in self.files for a in f.actions)

    @property
    def written_actions(self) -> tuple[str, ...]:
        """The actions whose YAML this run wrote (or, for a dry run, would write): added,
        updated, renamed, merged or disabled."""
        kept = (ChangeKind.UNCHANGED, ChangeKind.REMOVED, ChangeKind.CONFLICT)
        return tuple(
            ch.action for ch in self.changes if ch.action is not None and ch.kind not in kept
        )


@dataclass(frozen=True, slots=True)
class _Analyzed:
    source: SourceFile
    script: Script
    entry: cache.ScriptEntry | None  #: None: the file could not be read or analyzed fully
    #: a Python 2 script's converted copy for the pack (``py2.pack_copy``), made where it
    #: was parsed (a worker process), so the main process does not convert it again
    copy: tuple[bytes, str | None] | None = None
    #: each command's action YAML, rendered where it was parsed (a worker process): the
    #: main process uses it for a command that reaches ``render`` unchanged
    actions: tuple[tuple[Command, str], ...] = ()


def _analyze_all(
    files: Sequence[SourceFile],
    old: cache.Cache,
    source_root: Path,
    progress: Progress | None,
    *,
    functions: bool,
    max_size: int = DEFAULT_MAX_SIZE,
    jobs: int | None = None,
    unchanged: Collection[str] = (),
    helper: _Helper | None = None,
    pack_ref: str | None = None,
) -> list[_Analyzed]:
    """Each file's analysis: from the cache when unchanged, else parsed (libcst) now.
    Files in ``unchanged`` are known to be as their cache entry says: not looked at."""
    # A new file may be a module an unchanged script imports (and took for third-party).
    added = {
        PurePosixPath(sf.relpath).parts[0].removesuffix(".py")
        for sf in files
        if sf.relpath not in old.scripts
    }
    reused: dict[str, _Analyzed] = {}
    for sf in files:
        entry = old.scripts.get(sf.relpath)
        if (
            entry is not None
            and (
                sf.relpath in unchanged
                or cache.is_fresh(entry.stat, entry.local, sf.path, source_root)
            )
            and not (added and added & {name.split(".")[0] for name in entry.script.imports})
        ):
            reused[sf.relpath] = _Analyzed(sf, entry.script, entry)
    stale = [sf for sf in files if sf.relpath not in reused]
    fresh = iter(
        _analyze_many(stale, source_root, functions, max_size, jobs, helper, pack_ref=pack_ref)
    )
    out = []
    for i, sf in enumerate(files, 1):
        out.append(reused.get(sf.relpath) or next(fresh))
        if progress is not None:
            progress(i, len(files), sf.relpath)
    return out


#: Below this many files to parse, a process pool costs more than it saves.
_POOL_MIN_FILES = 16


def _analyze_many(
    files: Sequence[SourceFile],
    source_root: Path,
    functions: bool,
    max_size: int,
    jobs: int | None,
    helper: _Helper | None = None,
    *,
    pack_ref: str | None = None,
) -> Iterator[_Analyzed]:
    """``_analyze`` over ``files``, in their order; in ``jobs`` processes when worth it
    (a few in ``helper``, when there is one)."""
    work = functools.partial(
        _analyze, source_root=source_root, functions=functions, max_size=max_size, pack_ref=pack_ref
    )
    jobs = jobs or os.cpu_count() or 1
    if helper is not None and 0 < len(files) < _POOL_MIN_FILES:
        done = helper.run(work, files)
        if done is not None:
            yield from done
            return
    elif helper is not None:
        helper.close()  # nothing for it to do but take a CPU from the pool
    if jobs < 2 or len(files) < _POOL_MIN_FILES:
        yield from map(work, files)
        return
    # fork is cheapest (workers inherit the imported analyzers) but unsafe once threads
    # run (watch's observer): then forkserver.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    import multiprocessing  # (here: a one-change run never needs them)
    from concurrent.futures import ProcessPoolExecutor

    import voodoo.analysis  # noqa: F401  (once here, not in every forked worker)

    chunk = max(1, min(32, len(files) // (jobs * 8)))
    with contextlib.ExitStack() as stack:
        # The pool's helper processes (multiprocessing's resource tracker and forkserver,
        # started with the pool) and its workers (started as map() submits the work) all
        # start on a clean path. map() hands results back in input order as they arrive:
        # output is byte-identical to one process, and finished chunks are not held
        # beyond their turn.
        with clean_import_path([source_root, *{sf.path.parent for sf in files}]):
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    jobs,
                    mp_context=multiprocessing.get_context(method),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
            )
            results = pool.map(work, files, chunksize=chunk)
        yield from results


class _Helper:
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
        self, work: Callable[[SourceFile], _Analyzed], files: Sequence[SourceFile]
    ) -> list[_Analyzed] | None:
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


def _helper(jobs: int | None, dry_run: bool, sources: Iterable[Path] = ()) -> _Helper | None:
    """A helper when it can gain something: the analyzers are not imported yet, and
    nothing forbids forking (threads, ``jobs=1``). Not for a dry run: the pre-commit hook
    ingests right after ``check`` ran one, and then needs the analyzers imported here."""
    if dry_run or jobs == 1 or threading.active_count() > 1 or "voodoo.analysis" in sys.modules:
        return None
    try:
        return _Helper([p if p.is_dir() else p.parent for p in sources])
    except OSError:  # (no process to spare: this one does the work)
        return None


def _analyze(
    sf: SourceFile,
    source_root: Path,
    *,
    functions: bool,
    max_size: int = DEFAULT_MAX_SIZE,
    pack_ref: str | None = None,
) -> _Analyzed:
    """One file's analysis and cache entry; with ``pack_ref``, its actions' YAML too."""
    from voodoo.analysis import analyze_file  # libcst: only loaded when a file changed

    before = cache.file_stat(sf.path)  # taken before reading: a later edit stays visible
    script = analyze_file(sf.path, display_path=sf.relpath, functions=functions, max_size=max_size)
    if before is None or before[2] != script.source_hash:
        return _Analyzed(sf, script, None)
    if not script.ok:  # cached too: a broken file is not parsed again until it changes
        return _Analyzed(sf, script, cache.ScriptEntry(before, script))
    found = deps.discover(sf.path, script.imports, source_root)
    local: dict[str, cache.Stat] = {}
    for mod in found.local:
        st = cache.file_stat(mod)
        if st is None:
            return _Analyzed(sf, script, None)
        local[mod.resolve().relative_to(source_root).as_posix()] = st
    actions = (
        () if pack_ref is None else tuple((c, _action_yaml(c, pack_ref)) for c in script.commands)
    )
    return _Analyzed(
        sf,
        script,
        cache.ScriptEntry(before, script, local, found.third_party, found.notes, found.unknown),
        _python2_copy(sf, script),
        actions,
    )


def _action_yaml(command: Command, pack_ref: str | None) -> str:
    return stackstorm.dump_yaml(
        stackstorm.action_metadata(command, pack_ref=pack_ref, entry_point=f"{command.name}.py")
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


def _override(analyzed: list[_Analyzed], config: Config | None) -> list[_Analyzed]:
    """Apply per-script overrides from the configuration (names, descriptions, secrets)."""
    if config is None or not config.scripts:
        return analyzed
    out = []
    for a in analyzed:
        o = config.scripts.get(a.source.relpath)
        if o is None:
            out.append(a)
            continue
        cmds = []
        for c in a.script.commands:
            params = tuple(
                dataclasses.replace(p, secret=True) if p.name in o.secret else p for p in c.params
            )
            c = dataclasses.replace(c, params=params, description=o.description or c.description)
            if o.action and len(a.script.commands) == 1:
                c = dataclasses.replace(c, name=naming.action_name(o.action))
            cmds.append(c)
        out.append(
            _Analyzed(a.source, dataclasses.replace(a.script, commands=tuple(cmds)), a.entry)
        )
    return out


def _drop_imported_helpers(analyzed: list[_Analyzed]) -> list[_Analyzed]:
    """A file with no ``__main__`` block that only does its work at the top level, or
    whose click/typer commands nothing calls, is a helper module when another script
    imports it: not an action (its top-level code is set-up that runs on import; its
    commands are the importer's sub-commands)."""
    imported: set[str] = set()
    names: set[str] = set()
    mounted: set[str] = set()
    for a in analyzed:
        if a.entry is not None:
            imported.update(a.entry.local)
        names.update(a.script.imports)
        mounted.update(v for k, v in a.script.extra if k == MOUNTED_KEY)
    files = {a.source.relpath for a in analyzed}
    out = []
    for a in analyzed:
        s = a.script
        if not _runs_nothing_itself(s, a.source.relpath in mounted) or (
            a.source.relpath not in imported
            and not {PurePosixPath(a.source.relpath).stem, _top_package(a.source.relpath, files)}
            & names
        ):
            out.append(a)
            continue
        note = Diagnostic(
            s.path,
            0,
            Severity.INFO,
            "no-cli",
            "a helper module other scripts import (no __main__ block); skipped",
        )
        kept = tuple(d for d in s.diagnostics if d.code not in ("no-args", "no-entry-point"))
        script = dataclasses.replace(
            s, framework=None, commands=(), extra=(), diagnostics=(*kept, note)
        )
        out.append(dataclasses.replace(a, script=script, actions=()))
    return out


def _runs_nothing_itself(script: Script, mounted: bool) -> bool:
    """No ``__main__`` block: work at the top level only (``noargs``), or typer commands
    that no entry point calls in a module another script mounts as its sub-app."""
    return dict(script.extra).get(ENTRY_KEY) == "toplevel" or (
        mounted and any(d.code == "no-entry-point" for d in script.diagnostics)
    )


def _top_package(relpath: str, files: set[str]) -> str:
    """The outermost package holding ``relpath`` (folders with ``__init__.py``), or ""."""
    top = ""
    folder = PurePosixPath(relpath).parent
    while folder.name and f"{folder.as_posix()}/__init__.py" in files:
        top, folder = folder.name, folder.parent
    return top


def _named(
    analyzed: Sequence[_Analyzed], reserved: Collection[str] = ()
) -> tuple[dict[str, list[Command]], list[Diagnostic]]:
    """Each script's commands, renamed where two scripts would produce one action name
    (or a name in ``reserved``)."""
    pairs = [(a.source.relpath, c) for a in analyzed for c in a.script.commands]
    names, notes = naming.unique_names(pairs, reserved)
    by_file: dict[str, list[Command]] = {}
    for (relpath, command), new in zip(pairs, names, strict=True):
        by_file.setdefault(relpath, []).append(
            command if new == command.name else dataclasses.replace(command, name=new)
        )
    return by_file, list(notes)


@dataclass(frozen=True, slots=True)
class Rendered:
    """Every file voodoo owns in the pack, and the source each one comes from."""

    files: dict[str, bytes]
    sources: dict[str, SourceInfo]
    notes: tuple[Diagnostic, ...]
    #: files of unchanged scripts, not rendered again: they would be what the manifest says
    carried: frozenset[str] = frozenset()
    #: per script with actions: what rendering it made (for the cache)
    records: dict[str, cache.RenderRecord] = dataclasses.field(default_factory=dict)


def render(
    analyzed: Sequence[_Analyzed],
    commands: dict[str, list[Command]],
    *,
    pack_ref: str,
    pack_name: str,
    source_root: Path,
    pack_meta: PackMeta | None = None,
    settings: Settings = DEFAULTS,
    redo: Collection[str] | None = None,
    cwds: Mapping[str, str] | None = None,
    folder: str | None = None,
) -> Rendered:
    """Render the pack: pure apart from reading the scripts and their local modules.
    With ``settings.config_schema``, environment variables the scripts read become pack
    config keys. Python 2 files are copied converted to Python 3, or with
    ``settings.keep_python2`` as they are (their actions then run them with ``python2``).

    With ``redo``, only those scripts are rendered; every other one must have a cached
    ``RenderRecord`` (its files are then ``carried``, the pack-wide files use its record).
    ``cwds``: script relpath -> the working directory its actions run in (the
    configuration's ``cwd``; by default the script's own folder in the pack). ``folder``:
    the pack folder's name; when it is not ``pack_ref``, actions leave ``pack`` out
    (``stackstorm.action_metadata``)."""
    action_pack = pack_ref if folder is None or folder == pack_ref else None
    files: dict[str, bytes] = {}
    sources: dict[str, SourceInfo] = {}
    notes: list[Diagnostic] = []
    sections: list[tuple[str, str]] = []
    requirements: set[str] = set()
    unknown: list[tuple[str, str]] = []  #: imports whose distribution is unknown
    carried: set[str] = set()
    records: dict[str, cache.RenderRecord] = {}
    with_cmds = [a.script for a in analyzed if commands.get(a.source.relpath)]
    env_keys = pack_config.config_keys(with_cmds) if settings.config_schema else {}

    def copy(
        path: Path, rel: str, owner: str, package: bool = False, script: _Analyzed | None = None
    ) -> bool:
        """Copy one file (a Python 2 one converted, unless kept); True if Python 2.
        ``script``: the file's analysis, which already says whether it is Python 3."""
        data = read_regular(path)
        digest = sha256(data)
        fresh = script is not None and script.script.ok and digest == script.script.source_hash
        if fresh and script is not None and not script.script.python2:
            out, done = data, None  # parsed as Python 3 already: copied as it is
        elif fresh and script is not None and script.copy and not settings.keep_python2:
            out, done = script.copy
        else:
            out, done = py2.pack_copy(data, str(path), keep=settings.keep_python2, package=package)
        files[f"{SCRIPTS_DIR}/{rel}"] = out
        sources[f"{SCRIPTS_DIR}/{rel}"] = SourceInfo(rel, digest)
        mine.append(f"{SCRIPTS_DIR}/{rel}")
        if done is not None:
            mine_notes.append(
                Diagnostic(
                    owner, 0, Severity.INFO, "python2", f"the pack's copy of {rel} is {done}"
                )
            )
        return done is not None

    for a in analyzed:
        cmds = commands.get(a.source.relpath, [])
        if not cmds:
            continue
        rel = a.source.relpath
        mine: list[str] = []
        mine_notes: list[Diagnostic] = []
        mine_sections: list[tuple[str, str]] = []
        record = a.entry.render if a.entry is not None else None
        if redo is not None and rel not in redo and record is not None:
            assert a.entry is not None
            carried.update(record.files)
            notes.extend(record.notes)
            sections.extend(record.readme)
            requirements.update(a.entry.third_party)
            notes.extend(Diagnostic(rel, 0, Severity.INFO, "dependency", n) for n in a.entry.notes)
            unknown.extend(a.entry.unknown)
            notes.extend(_unknown_notes(rel, a.entry.unknown))
            records[rel] = record
            continue
        python2 = copy(a.source.path, rel, rel, script=a)
        if a.entry is not None:
            local = [source_root / m for m in a.entry.local]
            third, dep_notes = a.entry.third_party, a.entry.notes
            unknown_here = a.entry.unknown
        else:
            found = deps.discover(a.source.path, a.script.imports, source_root)
            local, third, dep_notes = list(found.local), found.third_party, found.notes
            unknown_here = found.unknown
        unknown.extend(unknown_here)
        notes.extend(_unknown_notes(rel, unknown_here))
        for mod in local:
            python2 |= copy(
                mod,
                mod.resolve().relative_to(source_root).as_posix(),
                rel,
                mod.resolve().parent != a.source.path.resolve().parent,
            )
        interpreter = "python2" if python2 and settings.keep_python2 else None
        requirements.update(third)
        notes.extend(mine_notes)
        notes.extend(Diagnostic(rel, 0, Severity.INFO, "dependency", n) for n in dep_notes)
        origin = SourceInfo(rel, a.script.source_hash)
        config_env = {env_keys[v]: v for v in a.script.env_reads if v in env_keys}
        for cmd in cmds:
            ready = next((text for c, text in a.actions if c == cmd), None)
            for path, text in (
                (f"actions/{cmd.name}.yaml", ready or _action_yaml(cmd, action_pack)),
                (
                    f"actions/{cmd.name}.py",
                    wrapper.wrapper_source(
                        cmd,
                        f"scripts/{rel}",
                        source_display=rel,
                        config_env=config_env,
                        interpreter=interpreter,
                        parser=a.script.framework,
                        cwd=(cwds or {}).get(rel),
                    ),
                ),
            ):
                files[path] = text.encode()
                sources[path] = origin
                mine.append(path)
            mine_sections.append((cmd.name, stackstorm.readme_section(pack_ref, cmd, rel)))
        sections.extend(mine_sections)
        records[rel] = cache.RenderRecord(tuple(mine), tuple(mine_sections), tuple(mine_notes))
    if sections:
        files[RUNTIME_PATH] = wrapper.runtime_source().encode()
    if env_keys:
        files[pack_config.CONFIG_SCHEMA_PATH] = stackstorm.dump_yaml(
            pack_config.config_schema(with_cmds)
        ).encode()
    files["requirements.txt"] = deps.requirements_txt(sorted(requirements), unknown).encode()
    files["README.md"] = stackstorm.readme_from_sections(pack_ref, sections).encode()
    pm = pack_meta or PackMeta()
    pack_yaml = stackstorm.pack_metadata(
        pack_ref,
        pm.name or pack_name,
        pm.description or "Actions generated by voodoo from legacy scripts.",
        version=pm.version or "0.1.0",
        author=pm.author or "voodoo",
        email=pack_email(pm, source_root),
    )
    files["pack.yaml"] = stackstorm.dump_yaml(pack_yaml).encode()
    # A module two scripts import is rendered by the one that changed: not carried too.
    return Rendered(files, sources, tuple(notes), frozenset(carried - files.keys()), records)


def _unknown_notes(rel: str, unknown: Iterable[tuple[str, str]]) -> list[Diagnostic]:
    """A warning per import whose distribution is unknown, at its line when in ``rel``."""
    out = []
    for name, where in unknown:
        file, _, line = where.rpartition(":")
        here = int(line) if file == rel and line.isdigit() else 0
        out.append(
            Diagnostic(
                rel,
                here,
                Severity.WARNING,
                "unknown-distribution",
                f"import {name!r} ({where}): its PyPI distribution is not known, "
                "so requirements.txt only names it in a comment; add the "
                "distribution there by hand",
            )
        )
    return out


def pack_email(meta: PackMeta, source_root: Path) -> str:
    """pack.yaml's ``email``: ``[tool.voodoo.metadata] email``, else ``user.email`` of the
    source repository's git configuration (read as files, git never runs), else
    ``stackstorm.PLACEHOLDER_EMAIL`` (``pack_notes`` then warns)."""
    return meta.email or gitmeta.user_email(source_root) or stackstorm.PLACEHOLDER_EMAIL


def pack_notes(the_plan: Plan, pack: Path) -> tuple[Diagnostic, ...]:
    """Warnings about pack.yaml's ``email``, which StackStorm needs to register the pack:
    a pack.yaml about to be created with the placeholder, or a user's pack.yaml without."""
    written = next((w for w in the_plan.writes if w.path == "pack.yaml"), None)
    if written is not None:
        if stackstorm.PLACEHOLDER_EMAIL.encode() not in written.data:
            return ()
        return (
            Diagnostic(
                "pack.yaml",
                0,
                Severity.WARNING,
                "pack-email",
                f"no email configured: pack.yaml gets the placeholder "
                f"{stackstorm.PLACEHOLDER_EMAIL}; set the maintainer's address in "
                "pack.yaml (and [tool.voodoo.metadata] email, or git config "
                "user.email, for new packs)",
            ),
        )
    try:
        text = (pack / "pack.yaml").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return ()
    if re.search(r"(?m)^email\s*:", text):
        return ()
    return (
        Diagnostic(
            "pack.yaml",
            0,
            Severity.WARNING,
            "pack-email",
            "pack.yaml has no email: StackStorm refuses to register the pack "
            "without one; add email: <address> to pack.yaml",
        ),
    )


def _outcome(a: _Analyzed, commands: list[Command]) -> FileOutcome:
    s = a.script
    if not s.ok:
        status = FileStatus.FAILED
    elif commands:
        status = FileStatus.INGESTED
    else:
        status = FileStatus.SKIPPED
    return FileOutcome(
        a.source.relpath, status, s.framework, tuple(c.name for c in commands), s.diagnostics
    )


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

    ``changed``: the paths (files, absolute or relative to the cwd) that changed since the
    last ingest of these sources into this pack in this process, when the caller knows
    them all (``watch`` does, from file system events). Then only those are looked at,
    unless they may change which files there are (see ``lastrun``).
    """
    paths = [Path(s) for s in source_list(sources)]
    helper = _helper(jobs, dry_run, paths)
    try:
        return _ingest(
            paths,
            pack_dir,
            name=name,
            dry_run=dry_run,
            progress=progress,
            config=config,
            prefer=prefer,
            settings=settings,
            jobs=jobs,
            changed=changed,
            helper=helper,
            resolve=resolve,
        )
    finally:
        if helper is not None:
            helper.close()


def _ingest(
    sources: Iterable[str | os.PathLike[str]],
    pack_dir: str | os.PathLike[str],
    *,
    name: str | None,
    dry_run: bool,
    progress: Progress | None,
    config: Config | None,
    prefer: Prefer,
    settings: Settings,
    jobs: int | None,
    changed: Iterable[str | os.PathLike[str]] | None,
    helper: _Helper | None,
    resolve: Prefer | None = None,
) -> IngestResult:
    src = resolve_sources(sources, config)
    pack = Path(pack_dir)
    check_outside(src, pack)
    folder = pack.resolve().name
    ref = stackstorm.pack_ref(name or folder)
    # actions rendered in the workers say their pack only when the folder is named so
    ready_ref = ref if folder == ref else None
    root = common_root(src)
    settings = settings.with_config(config)
    fp = cache.settings_fingerprint(ref, root, config, name, settings)
    key = (tuple(str(p.resolve()) for p in src), str(pack.resolve()), fp)
    last = lastrun.take(key)
    touched = None if last is None or changed is None else last.touched(changed, root)
    if last is not None and touched is not None:
        files = list(last.files)
    else:
        files = select(discover(src, exclude=[pack]), config)
    lock = (
        contextlib.nullcontext()
        if dry_run and not (pack / STATE_DIR).is_dir()
        else pack_lock(pack, wait=True)
    )
    with lock:
        old = cache.load(pack)
        # Cached analyses are reused only for the same voodoo version and settings.
        reusable = old if old.fingerprint == fp else cache.Cache(fp, False, {})
        max_size = settings.max_size or DEFAULT_MAX_SIZE
        # Read before the analysis: with a helper process, this one only waits meanwhile.
        manifest = load_manifest(pack)
        on_disk = _existing(
            pack, (f for e in reusable.scripts.values() if e.render for f in e.render.files)
        )
        found = _analyze_all(
            files,
            reusable,
            root,
            progress,
            functions=settings.functions,
            pack_ref=ready_ref,
            max_size=max_size,
            jobs=jobs,
            unchanged=(
                last.unchanged(touched, old) if last is not None and touched is not None else ()
            ),
            helper=helper,
        )
        analyzed = _drop_imported_helpers(_override(found, config))
        asleep = dormant.load(pack)
        kept_names = _kept_names(manifest, pack, {a.source.relpath for a in analyzed}, asleep)
        commands, clash_notes = _named(analyzed, kept_names)
        redo = _to_render(analyzed, commands, manifest, on_disk, settings)
        if any(
            a.entry is not None and not a.entry.full and a.source.relpath in redo for a in found
        ):
            found = [
                _whole(a, pack, root, settings.functions, max_size)
                if a.source.relpath in redo
                else a
                for a in found
            ]
            analyzed = _drop_imported_helpers(_override(found, config))
            commands, clash_notes = _named(analyzed, kept_names)
        out = render(
            analyzed,
            commands,
            pack_ref=ref,
            pack_name=name or ref,
            source_root=root,
            pack_meta=config.metadata if config else None,
            settings=settings,
            redo=redo,
            cwds={rel: o.cwd for rel, o in config.scripts.items() if o.cwd} if config else None,
            folder=folder,
        )
        # A broken script keeps what it generated last time: never delete on a parse error.
        keep = {a.source.relpath for a in analyzed if not a.script.ok}
        outcomes = _attach(
            [_outcome(a, commands.get(a.source.relpath, [])) for a in analyzed],
            [*clash_notes, *out.notes],
        )
        renames = _renames(old, analyzed, commands)
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
            renames,
            prefer=resolve or prefer,
            settle=resolve is not None,
            dormant=waking,
        )
        if resolve is not None:
            the_plan, changes = _settle(the_plan, changes, resolve)
        if not dry_run:
            apply(the_plan, pack)
            dormant.save(pack, _dormant(asleep, changes, manifest, the_plan, pack), was=asleep)
            held = set() if resolve is not None else {ch.path for ch in changes if ch.conflicts}
            saved = cache.save(
                pack,
                _new_cache(analyzed, commands, old, the_plan, fp, out.records, held),
                the_plan.manifest.files,
            )
            lastrun.remember(
                lastrun.LastRun(
                    key,
                    tuple(files),
                    frozenset(a.source.relpath for a in found if a.entry is not None),
                    saved,
                )
            )
    return IngestResult(
        pack,
        ref,
        tuple(outcomes),
        the_plan,
        applied=not dry_run,
        changes=changes,
        notes=pack_notes(the_plan, pack),
        settled=resolve is not None,
    )


def _dormant(
    asleep: Mapping[str, dormant.Dormant],
    changes: Iterable[Change],
    manifest: Manifest,
    the_plan: Plan,
    pack: Path,
) -> dict[str, dormant.Dormant]:
    """The dormant actions after this run: those it disabled join, those it restored
    leave, and so does one whose file is gone or voodoo's again."""
    records = dict(asleep)
    for ch in changes:
        entry = manifest.get(ch.path)
        if ch.kind is ChangeKind.RESTORED:
            records.pop(ch.path, None)
        elif (
            ch.kind is ChangeKind.DISABLED
            and entry is not None
            and entry.content is not None
            and entry.source is not None
        ):
            enable = any(f.field == "enabled" for f in ch.fields)
            records[ch.path] = dormant.Dormant(entry.content, enable, entry.source)
    return {
        path: d
        for path, d in records.items()
        if path not in the_plan.manifest.files and (pack / path).is_file()
    }


def _kept_names(
    manifest: Manifest, pack: Path, present: Collection[str], asleep: Mapping[str, dormant.Dormant]
) -> set[str]:
    """Action names no other script may take: those of scripts gone (for now, maybe)
    whose action a person edited (this run disables it) or that are dormant already.
    Taken by another script, the name would hand it the person's edits of this one. And
    the names of actions a person wrote in the pack (files in ``actions/`` the manifest
    does not list): a script never takes one, it is renamed instead. (Not when the
    manifest is empty: every file of a pack whose manifest is lost would look so.)"""
    out = {
        name
        for path, d in asleep.items()
        if d.source not in present
        and (name := action_of(path)) is not None
        and (pack / path).is_file()
    }
    for path, entry in manifest.files.items():
        if entry.source is None or entry.source in present:
            continue  # (first: a set lookup, for the thousands of files of present scripts)
        name = action_of(path)
        if name is None:
            continue
        try:
            edited = sha256(read_regular(pack / path)) != entry.hash
        except OSError:
            continue
        if edited:
            out.add(name)
    if manifest.files:
        for name in _names_in(pack / "actions"):
            stem, dot, suffix = name.rpartition(".")
            path = f"actions/{name}"
            # (a dormant action is voodoo's: it is restored, not avoided)
            ours = path in manifest.files or path in asleep
            if dot and suffix in ("yaml", "yml", "py") and not ours:
                out.add(stem)
    return out


def _settle(
    the_plan: Plan, changes: tuple[Change, ...], side: Prefer
) -> tuple[Plan, tuple[Change, ...]]:
    """``the_plan`` with each hand-edited file's conflict settled: ``theirs`` writes the new
    version over it, ``ours`` keeps it and records that on purpose."""
    settled: dict[str, ChangeKind] = {}
    for c in the_plan.conflicts:
        if c.kind is not ConflictKind.EDITED or c.theirs is None or c.entry is None:
            continue
        if side == "theirs":
            the_plan = the_plan.resolve(c.path, c.theirs)
            settled[c.path] = ChangeKind.UPDATED
        else:
            the_plan = the_plan.accept(c.path)
            settled[c.path] = ChangeKind.UNCHANGED
    if not settled:
        return the_plan, changes
    kept = [ch for ch in changes if ch.path not in settled]
    kept.extend(Change(kind, path, action_of(path)) for path, kind in settled.items())
    return the_plan, tuple(sorted(kept, key=lambda ch: (ch.action is None, ch.path)))


def _to_render(
    analyzed: Sequence[_Analyzed],
    commands: dict[str, list[Command]],
    manifest: Manifest,
    on_disk: Collection[str],
    settings: Settings,
) -> set[str]:
    """The scripts to render; the others render exactly what they did last time.

    A script is carried over when its cached analysis was reused, its actions keep their
    names (a clash elsewhere can rename them), and each file it rendered is still in the
    manifest and ``on_disk``. Config keys are shared by all scripts: with them, all render.
    """
    redo = set()
    for a in analyzed:
        rel, e = a.source.relpath, a.entry
        if not a.script.ok:
            continue  # renders nothing; plan keeps its last good files
        cmds = commands.get(rel, [])
        if (
            settings.config_schema
            or e is None
            or e.full
            or dict(e.actions) != {_words(c): c.name for c in cmds}
            or (cmds and not _in_place(e.render, manifest, on_disk, _hashes(rel, e)))
        ):
            redo.add(rel)
    return redo


def _in_place(
    record: cache.RenderRecord | None,
    manifest: Manifest,
    on_disk: Collection[str],
    hashes: Mapping[str, str],
) -> bool:
    """Every file ``record`` lists is still voodoo's (in the manifest), on disk, and was
    generated from the sources as they are now (``hashes``: source relpath -> sha256).

    The last check catches a manifest newer than the cache: a run interrupted after it
    replaced files (their entries recovered from the pending ones) or after it wrote the
    manifest, followed by the script going back to what the cache saw (a revert, a branch
    switch). Its files say what the interrupted run rendered, not what the script does."""
    if record is None:
        return False
    for f in record.files:
        entry = manifest.files.get(f)
        if (
            entry is None
            or f not in on_disk
            or (
                entry.source is not None
                and entry.source_hash is not None
                and hashes.get(entry.source, entry.source_hash) != entry.source_hash
            )
        ):
            return False
    return True


def _hashes(rel: str, entry: cache.ScriptEntry) -> dict[str, str]:
    """The sha256 of a script and of each local module it imports, as its cache entry
    (checked fresh) says: what its carried files must have been generated from."""
    return {rel: entry.stat[2], **{m: st[2] for m, st in entry.local.items()}}


def _existing(pack: Path, relpaths: Iterable[str]) -> set[str]:
    """Which of ``relpaths`` exist in the pack: one listing per folder (a pack holds
    thousands of files in a few folders), not a stat per file."""
    listed: dict[str, set[str]] = {}
    out = set()
    for relpath in relpaths:
        folder, _, name = relpath.rpartition("/")
        if folder not in listed:
            listed[folder] = _names_in(pack / folder)
        if name in listed[folder]:
            out.add(relpath)
    return out


def _names_in(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            # a symlink counts when what it leads to exists, as os.path.exists says
            return {e.name for e in entries if not e.is_symlink() or os.path.exists(e.path)}
    except OSError:
        return set()


def _whole(a: _Analyzed, pack: Path, root: Path, functions: bool, max_size: int) -> _Analyzed:
    """``a`` with its whole cached analysis instead of the summary (parsed again if lost)."""
    if a.entry is None or a.entry.full:
        return a
    script = cache.analysis(pack, a.source.relpath, a.entry)
    if script is None:
        return _analyze(a.source, root, functions=functions, max_size=max_size)
    return _Analyzed(a.source, script, dataclasses.replace(a.entry, script=script, full=True))


def _words(c: Command) -> str:
    return " ".join(c.path)


def _new_cache(
    analyzed: Sequence[_Analyzed],
    commands: dict[str, list[Command]],
    old: cache.Cache,
    the_plan: Plan,
    fp: str,
    records: dict[str, cache.RenderRecord],
    held: Collection[str] = (),
) -> cache.Cache:
    scripts: dict[str, cache.ScriptEntry] = {}
    conflicted = {c.path for c in the_plan.conflicts} | set(held)
    for a in analyzed:
        if a.entry is None:
            # A broken (or changing) file: keep the last good entry, for renames only.
            prev = old.scripts.get(a.source.relpath)
            if prev is not None and not a.script.ok:
                scripts[a.source.relpath] = dataclasses.replace(prev, stat=(-1, -1, prev.stat[2]))
            continue
        names = {_words(c): c.name for c in commands.get(a.source.relpath, [])}
        if not a.script.ok:  # a broken file keeps its last good actions, for renames
            prev = old.scripts.get(a.source.relpath)
            names = dict(prev.actions) if prev is not None else {}
        record = records.get(a.source.relpath)
        if record is not None and conflicted & set(record.files):
            record = None  # rendered again next time: a conflict is reported until resolved
        if names == a.entry.actions and record == a.entry.render:
            scripts[a.source.relpath] = a.entry  # the same object: saved as it was loaded
        else:
            scripts[a.source.relpath] = dataclasses.replace(a.entry, actions=names, render=record)
    clean = not the_plan.conflicts and not conflicted and all(a.entry is not None for a in analyzed)
    return cache.Cache(fp, clean, scripts, old.lines)


def _renames(
    old: cache.Cache, analyzed: Sequence[_Analyzed], commands: dict[str, list[Command]]
) -> dict[str, str]:
    """Old action name -> new one, for scripts renamed or moved (same content), and for
    actions a new clash renamed (the script stayed where it was): hand edits follow."""
    present = {a.source.relpath for a in analyzed}
    by_hash = {e.stat[2]: rel for rel, e in sorted(old.scripts.items()) if rel not in present}
    out: dict[str, str] = {}
    for a in analyzed:
        if a.entry is None:
            continue
        was = a.source.relpath if a.source.relpath in old.scripts else by_hash.get(a.entry.stat[2])
        if was is None:
            continue
        before = old.scripts[was].actions
        for c in commands.get(a.source.relpath, []):
            prev = before.get(_words(c))
            if prev is not None and prev != c.name:
                out[prev] = c.name
    return out


def _attach(outcomes: list[FileOutcome], notes: list[Diagnostic]) -> list[FileOutcome]:
    extra: dict[str, list[Diagnostic]] = {}
    for n in notes:
        extra.setdefault(n.path, []).append(n)
    return [
        FileOutcome(
            o.relpath,
            o.status,
            o.framework,
            o.actions,
            _one_python2_note(o, extra.get(o.relpath, [])),
        )
        for o in outcomes
    ]


def _one_python2_note(outcome: FileOutcome, extra: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    """A Python 2 script gets one note: its analysis says it was parsed through the
    conversion, so the note about its own converted copy says nothing new (a kept original
    is said in the same note)."""
    own = f"the pack's copy of {outcome.relpath} is "
    first = next((d for d in outcome.diagnostics if d.code == "python2"), None)
    copies = [d for d in extra if d.code == "python2" and d.message.startswith(own)]
    if first is None or not copies:
        return outcome.diagnostics + tuple(extra)
    rest = tuple(d for d in extra if d not in copies)
    said = [
        d.message.removeprefix(own)
        for d in copies
        if not d.message.removeprefix(own).startswith("converted to Python 3")
    ]
    if not said:
        return outcome.diagnostics + rest
    merged = dataclasses.replace(first, message=f"{first.message}; the pack holds {said[0]}")
    return tuple(merged if d is first else d for d in outcome.diagnostics) + rest


__all__ = [
    "Change",
    "ChangeKind",
    "FileOutcome",
    "FileStatus",
    "IngestResult",
    "Rendered",
    "ingest",
    "render",
]
