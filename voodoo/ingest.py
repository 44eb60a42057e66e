"""From a set of source files to a planned (and, unless asked not to, applied) pack.

This is the one place the pipeline is wired together: discover -> analyze -> name ->
render -> plan -> apply. The CLI, ``watch``, the pre-commit hook and library users all
call ``ingest`` (or ``plan_ingest`` for a dry run).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from voodoo import deps, naming, stackstorm, wrapper
from voodoo.analysis import analyze_file
from voodoo.errors import VoodooError
from voodoo.manifest import load as load_manifest
from voodoo.manifest import sha256
from voodoo.model import Command, Diagnostic, Script, Severity
from voodoo.pack import Plan, SourceInfo, apply, pack_lock, plan
from voodoo.sources import SourceFile, discover

RUNTIME_PATH = wrapper.RUNTIME_PACK_PATH
SCRIPTS_DIR = "actions/scripts"

#: Called as files are analyzed: (done, total, relpath).
Progress = Callable[[int, int, str], None]


class FileStatus(enum.StrEnum):
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

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.FAILED)

    @property
    def exit_code(self) -> int:
        """0 when every file was ingested or deliberately skipped, 1 otherwise."""
        return 1 if self.failed or self.plan.conflicts else 0


@dataclass(frozen=True, slots=True)
class _Analyzed:
    source: SourceFile
    script: Script


def _analyze_all(files: Sequence[SourceFile], progress: Progress | None, *,
                 functions: bool = False) -> list[_Analyzed]:
    out = []
    for i, sf in enumerate(files, 1):
        script = analyze_file(sf.path, display_path=sf.relpath, functions=functions)
        out.append(_Analyzed(sf, script))
        if progress is not None:
            progress(i, len(files), sf.relpath)
    return out


def _named(analyzed: Sequence[_Analyzed]) -> tuple[dict[str, list[Command]], list[Diagnostic]]:
    """Each script's commands, renamed where two scripts would produce one action name."""
    pairs = [(a.source.relpath, c) for a in analyzed for c in a.script.commands]
    renames, notes = naming.resolve_clashes(pairs)
    by_file: dict[str, list[Command]] = {}
    for relpath, command in pairs:
        new = renames.get((relpath, command.name))
        by_file.setdefault(relpath, []).append(
            command if new is None else dataclasses.replace(command, name=new))
    return by_file, list(notes)


@dataclass(frozen=True, slots=True)
class Rendered:
    """Every file voodoo owns in the pack, and the source each one comes from."""

    files: dict[str, bytes]
    sources: dict[str, SourceInfo]
    notes: tuple[Diagnostic, ...]


def render(analyzed: Sequence[_Analyzed], commands: dict[str, list[Command]], *,
           pack_ref: str, pack_name: str, source_root: Path) -> Rendered:
    """Render the pack: pure apart from reading the scripts and their local modules."""
    files: dict[str, bytes] = {}
    sources: dict[str, SourceInfo] = {}
    notes: list[Diagnostic] = []
    listed: list[tuple[Command, str]] = []
    requirements: set[str] = set()

    def copy(path: Path, rel: str) -> None:
        data = path.read_bytes()
        files[f"{SCRIPTS_DIR}/{rel}"] = data
        sources[f"{SCRIPTS_DIR}/{rel}"] = SourceInfo(rel, sha256(data))

    for a in analyzed:
        cmds = commands.get(a.source.relpath, [])
        if not cmds:
            continue
        rel = a.source.relpath
        copy(a.source.path, rel)
        found = deps.discover(a.source.path, a.script.imports, source_root)
        for mod in found.local:
            copy(mod, mod.resolve().relative_to(source_root).as_posix())
        requirements.update(found.third_party)
        notes.extend(Diagnostic(rel, 0, Severity.INFO, "dependency", n) for n in found.notes)
        origin = SourceInfo(rel, a.script.source_hash)
        for cmd in cmds:
            meta = stackstorm.action_metadata(cmd, pack_ref=pack_ref, entry_point=f"{cmd.name}.py")
            for path, text in (
                (f"actions/{cmd.name}.yaml", stackstorm.dump_yaml(meta)),
                (f"actions/{cmd.name}.py",
                 wrapper.wrapper_source(cmd, f"scripts/{rel}", source_display=rel)),
            ):
                files[path] = text.encode()
                sources[path] = origin
            listed.append((cmd, rel))
    if listed:
        files[RUNTIME_PATH] = wrapper.runtime_source().encode()
    files["requirements.txt"] = deps.requirements_txt(sorted(requirements)).encode()
    files["README.md"] = stackstorm.pack_readme(pack_ref, listed).encode()
    files["pack.yaml"] = stackstorm.dump_yaml(stackstorm.pack_metadata(
        pack_ref, pack_name, "Actions generated by voodoo from legacy scripts.",
    )).encode()
    return Rendered(files, sources, tuple(notes))


def _outcome(a: _Analyzed, commands: list[Command]) -> FileOutcome:
    s = a.script
    if not s.ok:
        status = FileStatus.FAILED
    elif commands:
        status = FileStatus.INGESTED
    else:
        status = FileStatus.SKIPPED
    return FileOutcome(a.source.relpath, status, s.framework,
                       tuple(c.name for c in commands), s.diagnostics)


def _common_root(sources: Sequence[Path]) -> Path:
    roots = [(p if p.is_dir() else p.parent).resolve() for p in sources]
    if len(sources) == 1 and sources[0].is_dir():
        return roots[0]
    return Path(os.path.commonpath(roots))


def ingest(sources: Iterable[str | os.PathLike[str]], pack_dir: str | os.PathLike[str], *,
           name: str | None = None, dry_run: bool = False,
           progress: Progress | None = None, functions: bool = False) -> IngestResult:
    """Analyze ``sources`` (files or folders) and bring the pack in ``pack_dir`` up to date.

    Files that fail to parse are reported in the result and their earlier actions are
    kept; every other file is still ingested. Files edited by hand in the pack are never
    overwritten: they come back as ``plan.conflicts``. With ``dry_run`` nothing is written.
    With ``functions``, modules without a command line get one action per public
    top-level function (the wrapper imports the module and calls the function).
    """
    src = [Path(s) for s in sources]
    if not src:
        raise VoodooError("no sources given")
    pack = Path(pack_dir)
    ref = stackstorm.pack_ref(name or pack.resolve().name)
    files = discover(src, exclude=[pack])
    analyzed = _analyze_all(files, progress, functions=functions)
    commands, clash_notes = _named(analyzed)
    out = render(analyzed, commands, pack_ref=ref, pack_name=name or ref,
                 source_root=_common_root(src))
    # A broken script keeps what it generated last time: never delete on a parse error.
    keep = {a.source.relpath for a in analyzed if not a.script.ok}
    outcomes = _attach([_outcome(a, commands.get(a.source.relpath, [])) for a in analyzed],
                       [*clash_notes, *out.notes])
    with contextlib.nullcontext() if dry_run else pack_lock(pack, wait=True):
        the_plan = plan(pack, out.files, load_manifest(pack), sources=out.sources,
                        keep_sources=keep)
        if not dry_run:
            apply(the_plan, pack)
    return IngestResult(pack, ref, tuple(outcomes), the_plan, applied=not dry_run)


def _attach(outcomes: list[FileOutcome], notes: list[Diagnostic]) -> list[FileOutcome]:
    extra: dict[str, list[Diagnostic]] = {}
    for n in notes:
        extra.setdefault(n.path, []).append(n)
    return [FileOutcome(o.relpath, o.status, o.framework, o.actions,
                        o.diagnostics + tuple(extra.get(o.relpath, ()))) for o in outcomes]


__all__ = ["FileOutcome", "FileStatus", "IngestResult", "Rendered", "ingest", "render"]
