"""Human-readable output for the CLI (rich). Pure presentation: no analysis, no writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from voodoo.model import Diagnostic, Script, Severity, thaw
from voodoo.result import FileOutcome, FileStatus, IngestResult
from voodoo.workers import Progress as ProgressFn

if TYPE_CHECKING:
    from rich.progress import Progress

    from voodoo.check import CheckResult

_STATUS_STYLE = {
    FileStatus.INGESTED: "green",
    FileStatus.SKIPPED: "dim",
    FileStatus.FAILED: "bold red",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def _console(stderr: bool = False) -> Console:
    # soft_wrap: long paths and messages stay on one line, so they can be copied and grepped.
    return Console(stderr=stderr, soft_wrap=True, highlight=False)


@contextlib.contextmanager
def progress(threshold: int) -> Iterator[ProgressFn]:
    """A progress callback that draws a bar on stderr once there are ``threshold`` files."""
    console = _console(stderr=True)
    bar: Progress | None = None
    task = None

    def update(done: int, total: int, relpath: str) -> None:
        nonlocal bar, task
        if total < threshold or not console.is_terminal:
            return
        if bar is None:
            # (here: most runs, and every run without a terminal, never draw a bar)
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            bar = Progress(
                TextColumn("analyzing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.description}"),
                console=console,
                transient=True,
            )
            bar.start()
            task = bar.add_task("", total=total)
        assert task is not None
        bar.update(task, completed=done, description=escape(relpath))

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def shown_diagnostics(diagnostics: Sequence[Diagnostic], verbose: bool = False) -> list[Diagnostic]:
    """``diagnostics`` as a person reads them: a script's ``env-read`` notes as one line
    (``reads 3 environment variables: A (line 2), ...``, at the first one's place), where
    they were most of a real repository's output; ``verbose``: every one as it is.
    ``--format json`` always has every one, each at its line."""
    if verbose:
        return list(diagnostics)
    reads: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.code == "env-read":
            reads.setdefault(d.path, []).append(d)
    out = []
    for d in diagnostics:
        group = reads.get(d.path, []) if d.code == "env-read" else [d]
        if len(group) <= 1:
            out.append(d)
        elif d is group[0]:
            where = ", ".join(f"{g.message.rpartition(' ')[2]} (line {g.line})" for g in group)
            out.append(
                Diagnostic(
                    d.path,
                    d.line,
                    d.severity,
                    d.code,
                    f"reads {len(group)} environment variables: {where}",
                )
            )
    return out


def print_diagnostics(diagnostics: Sequence[Any], console: Console, verbose: bool = False) -> None:
    for d in shown_diagnostics(diagnostics, verbose):
        style = _SEVERITY_STYLE[d.severity]
        console.print(f"[{style}]{escape(str(d))}[/]")


#: Up to this many files, the table lists every one; above, only those worth a look.
FULL_TABLE_MAX = 50


#: ``verbosity``: errors and the summary only; the usual report; every file and note.
QUIET, NORMAL, VERBOSE = -1, 0, 1


def print_ingest(result: IngestResult, verbosity: int = NORMAL) -> None:
    """The summary table of one ingest, then the diagnostics and what changed on disk.

    Above ``FULL_TABLE_MAX`` files, the table and the diagnostics cover only the files that
    failed or changed something in the pack; one line counts the rest and their notes
    (listing every unchanged file's warnings again was most of a one-change run's output
    and time). ``VERBOSE`` lists every file and note; ``QUIET`` only the errors, the
    conflicts and the summary. Without a terminal the table is one plain line per file,
    names in full.
    """
    console = _console()
    if verbosity <= QUIET:
        every = [*result.notes, *(d for f in result.files for d in f.diagnostics)]
        print_diagnostics([d for d in every if d.severity is Severity.ERROR], console)
        _conflicts(result, console)
        _summary(result, console)
        return
    verbose = verbosity >= VERBOSE
    shown = list(result.files)
    if len(shown) > FULL_TABLE_MAX and not verbose:
        worth = _worth_a_look(result)
        shown = [f for f in shown if f.relpath in worth]
    if shown and console.is_terminal:
        _table(result, shown, console, verbose)
    else:
        for f in shown:
            console.print(escape(_file_line(f, verbose)))
    print_diagnostics([d for f in shown for d in f.diagnostics], console, verbose)
    print_diagnostics(result.notes, console, verbose)
    if len(shown) < len(result.files):
        listed = {f.relpath for f in shown}
        rest = shown_diagnostics(
            [d for f in result.files if f.relpath not in listed for d in f.diagnostics]
        )
        warnings = sum(1 for d in rest if d.severity is not Severity.INFO)
        console.print(
            f"{len(result.files) - len(shown)} files that changed nothing in the "
            f"pack not listed ({len(rest)} notes, {warnings} of them warnings; "
            "--verbose lists them).",
            style="dim",
        )
    _summary(result, console)
    print_changes(result, console)
    _conflicts(result, console)


def _conflicts(result: IngestResult, console: Console) -> None:
    p = result.plan
    for c in p.conflicts:
        console.print(f"[yellow]conflict: {escape(str(c))}[/]")
    if result.held or any(c.entry is not None for c in p.conflicts):
        console.print(
            "Reported on every run until resolved: `voodoo ingest --theirs` takes "
            "the scripts' versions, `--ours` keeps yours on purpose (or delete or "
            "restore the file)."
        )


def _notes(f: FileOutcome, verbose: bool) -> int:
    """How many notes the report shows for ``f`` (``shown_diagnostics``)."""
    return len(shown_diagnostics(f.diagnostics, verbose))


def _table(
    result: IngestResult, shown: Sequence[FileOutcome], console: Console, verbose: bool
) -> None:
    from rich.table import Table

    table = Table(title=f"pack {result.pack_ref} ({result.pack_dir})", title_justify="left")
    table.add_column("script")
    table.add_column("style")
    table.add_column("status")
    table.add_column("actions")
    table.add_column("notes", justify="right")
    for f in shown:
        style = _STATUS_STYLE[f.status]
        table.add_row(
            escape(f.relpath),
            f.framework or "-",
            f"[{style}]{f.status.value}[/]",
            escape(", ".join(f.actions)) or "-",
            str(_notes(f, verbose)),
        )
    console.print(table)


def _file_line(f: FileOutcome, verbose: bool) -> str:
    """One file as a plain line: ``cluster_ctl.py: ingested (argparse) -> a, b; 3 notes``."""
    line = f"{f.relpath}: {f.status.value}"
    if f.framework:
        line += f" ({f.framework})"
    if f.actions:
        line += f" -> {', '.join(f.actions)}"
    notes = _notes(f, verbose)
    if notes:
        line += f"; {notes} note{'s' if notes != 1 else ''}"
    return line


def _summary(result: IngestResult, console: Console) -> None:
    p = result.plan
    counts = {s: sum(1 for f in result.files if f.status is s) for s in FileStatus}
    actions = sum(len(f.actions) for f in result.files)
    console.print(
        f"{actions} actions from {counts[FileStatus.INGESTED]} scripts; "
        f"{counts[FileStatus.SKIPPED]} skipped, {counts[FileStatus.FAILED]} failed"
        f"{_fixed_flags(result)}. "
        f"Pack files: {len(p.writes)} written, {len(p.deletes)} removed, "
        f"{len(p.unchanged)} unchanged, "
        f"{len(p.conflicts) + sum(len(ch.conflicts) for ch in result.held)} conflicts."
    )


def _diagnostic_data(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.path,
        "line": d.line,
        "severity": d.severity.value,
        "code": d.code,
        "message": d.message,
    }


def ingest_data(result: IngestResult) -> dict[str, Any]:
    """One ingest (or, ``applied`` false, one check's dry run) as one JSON document: every
    file, every action written, unchanged or removed, every pack file, diagnostic and
    conflict. Field values are JSON values (``json.dumps(..., default=str)`` for the rest)."""
    from voodoo.reconcile import ChangeKind

    actions: dict[str, list[str]] = {"written": [], "unchanged": [], "removed": []}
    for ch in result.changes:
        if ch.action is None or ch.kind is ChangeKind.CONFLICT:
            continue
        key = {ChangeKind.UNCHANGED: "unchanged", ChangeKind.REMOVED: "removed"}.get(
            ch.kind, "written"
        )
        actions[key].append(ch.action)
    p = result.plan
    return {
        "pack": str(result.pack_dir),
        "pack_ref": result.pack_ref,
        "applied": result.applied,
        "exit_code": result.exit_code,
        "files": [
            {
                "file": f.relpath,
                "status": f.status.value,
                "framework": f.framework,
                "actions": list(f.actions),
            }
            for f in result.files
        ],
        "actions": actions,
        "changes": [
            {
                "kind": ch.kind.value,
                "path": ch.path,
                "action": ch.action,
                "old_action": ch.old_action,
                "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in ch.fields],
                "conflicts": [
                    {"field": c.field, "ours": c.ours, "theirs": c.theirs, "taken": c.taken}
                    for c in ch.conflicts
                ],
            }
            for ch in result.changes
            if ch.kind is not ChangeKind.UNCHANGED
        ],
        "pack_files": {
            "written": [w.path for w in p.writes],
            "removed": [d.path for d in p.deletes],
            "unchanged": list(p.unchanged),
        },
        "diagnostics": [_diagnostic_data(d) for d in result.notes]
        + [_diagnostic_data(d) for f in result.files for d in f.diagnostics],
        "conflicts": [
            {"file": c.path, "kind": c.kind.value, "message": str(c)} for c in p.conflicts
        ],
    }


def check_data(result: CheckResult) -> dict[str, Any]:
    """``voodoo check --format json``: ``in_sync``, and what an ingest would do as
    ``ingest_data`` has it (``pack_files.written``: would be written). When nothing changed
    since the last ingest (the fast path), only failing files' diagnostics are known."""
    data: dict[str, Any] = {
        "pack": str(result.pack_dir),
        "in_sync": result.in_sync,
        "exit_code": result.exit_code,
    }
    if result.result is not None:
        dry = ingest_data(result.result)
        for key in ("pack", "exit_code", "applied"):
            del dry[key]
        return {**data, **dry}
    return {
        **data,
        "files": [],
        "actions": {"written": [], "unchanged": [], "removed": []},
        "changes": [],
        "pack_files": {"written": [], "removed": [], "unchanged": []},
        "diagnostics": [_diagnostic_data(d) for d in result.failures],
        "conflicts": [],
    }


def _fixed_flags(result: IngestResult) -> str:
    """``; 2 scripts with flags that never change`` (``flag-always``), or nothing."""
    count = sum(1 for f in result.files if any(d.code == "flag-always" for d in f.diagnostics))
    if not count:
        return ""
    return f"; {count} script{'s' if count > 1 else ''} with flags that never change"


def _worth_a_look(result: IngestResult) -> set[str]:
    """Files that failed or changed a file of the pack."""
    from voodoo.reconcile import ChangeKind
    from voodoo.render import SCRIPTS_DIR

    written = {w.path for w in result.plan.writes}
    actions = {ch.action for ch in result.changes if ch.kind is not ChangeKind.UNCHANGED}
    actions |= {path.removeprefix("actions/").removesuffix(".py") for path in written}
    copies = {path.removeprefix(f"{SCRIPTS_DIR}/") for path in written}
    return {
        f.relpath
        for f in result.files
        if f.status is FileStatus.FAILED or f.relpath in copies or actions.intersection(f.actions)
    }


_CHANGE_STYLE = {
    "added": "green",
    "updated": "cyan",
    "renamed": "cyan",
    "removed": "red",
    "merged": "magenta",
    "disabled": "yellow",
    "conflict": "yellow",
}


def print_changes(result: IngestResult, console: Console) -> None:
    """Per action: added, updated, renamed, removed, merged, disabled; the rest counted."""
    from voodoo.reconcile import ChangeKind

    left_alone = 0
    for ch in result.changes:
        if ch.action is None:
            continue
        if ch.kind is ChangeKind.UNCHANGED:
            left_alone += 1
            continue
        style = _CHANGE_STYLE.get(ch.kind.value, "")
        console.print(f"[{style}]{escape(str(ch))}[/]")
        for f in ch.fields:
            console.print(f"    {escape(str(f))}", style="dim")
        for c in ch.conflicts:
            console.print(
                f"[yellow]    conflict in {escape(ch.action)}: {escape(c.field)}: yours "
                f"{escape(repr(c.ours))}, script {escape(repr(c.theirs))}; kept {c.taken}[/]"
            )
    console.print(f"{left_alone} actions left alone.")


def inspect_data(script: Script) -> dict[str, Any]:
    """What ``voodoo inspect --format json|yaml`` prints for one script."""
    from voodoo.stackstorm import action_metadata

    return {
        "path": script.path,
        "framework": script.framework,
        "actions": [
            action_metadata(c, pack_ref="PACK", entry_point=f"{c.name}.py") for c in script.commands
        ],
        "requirements": requirements_data(script),
        "diagnostics": [
            {"line": d.line, "severity": d.severity.value, "code": d.code, "message": d.message}
            for d in script.diagnostics
        ],
    }


def requirements_data(script: Script) -> list[dict[str, str | None]]:
    """Each top-level name the script imports and how requirements.txt treats it:
    ``{"import", "distribution", "how"}`` with ``how`` one of stdlib, local, curated,
    installed, skipped, unknown (the source tree is the script's folder)."""
    from pathlib import Path

    from voodoo import deps

    path = Path(script.path)
    found = deps.discover(path, script.imports, path.parent)
    return [r.to_dict() for r in deps.mapping(script.imports, found.local_names)]


def print_inspect(scripts: Sequence[Script]) -> None:
    """Per script, each action with its description and a table of its parameters; without
    a terminal, plain lines (nothing cut)."""
    from rich.table import Table

    console = _console()
    for s in scripts:
        header = f"{escape(s.path)} [dim]({s.framework or 'no command line'})[/]"
        if console.is_terminal:
            console.rule(header)
        else:
            console.print(header)
        for c in s.commands:
            # the description with its action, above the parameters
            about = f": {escape(c.description)}" if c.description else ""
            rows = []
            for p in c.params:
                default = "" if p.default is None else repr(thaw(p.default))
                argv = p.emit.option or f"<{p.emit.kind.value}>"
                rows.append(
                    (
                        p.name,
                        p.type.value if p.type else "any",
                        "yes" if p.required else "",
                        default,
                        argv,
                        p.description or "",
                    )
                )
            if not console.is_terminal:
                console.print(f"action {escape(c.name)}{about}")
                for name, kind, required, default, argv, description in rows:
                    facts = [
                        kind,
                        *(["required"] if required else []),
                        *([f"default {default}"] if default else []),
                        argv,
                    ]
                    console.print(
                        escape(
                            f"  {name} ({'; '.join(facts)})"
                            + (f": {description}" if description else "")
                        )
                    )
                continue
            table = Table(title=f"action {escape(c.name)}{about}", title_justify="left")
            for col in ("parameter", "type", "required", "default", "argv", "description"):
                table.add_column(col)
            for row in rows:
                table.add_row(*(escape(cell) for cell in row))
            console.print(table)
        print_diagnostics(s.diagnostics, console)


@contextlib.contextmanager
def watch_status(pack: str, verbosity: int = NORMAL) -> Iterator[Any]:
    """``voodoo watch``'s output; yields the ``on_sync`` callback.

    On a terminal, a live status line, with what changed and every error printed above it
    as full lines. Without one, plain lines, flushed as they come: the start line at once,
    then per sync what changed, each new error and the status. ``QUIET``: errors only;
    ``VERBOSE``: each change's fields and the changed files' notes too.
    """
    import time

    console = _console()
    terminal = console.is_terminal
    start = f"watching, syncing {escape(pack)}..."
    seen_failures: set[str] = set()

    def lines(event: Any) -> tuple[list[str], str]:
        """Lines to print, and the status."""
        from voodoo.reconcile import ChangeKind

        stamp = time.strftime("%H:%M:%S")
        if event.error is not None:
            return (
                [f"[red]{stamp} error: {escape(str(event.error))}[/]"],
                f"[red]{stamp} error (above)[/]; watching (Ctrl-C to stop)",
            )
        result = event.result
        out: list[str] = []
        changed: set[str] = set()
        for ch in result.changes:
            if ch.action is None or ch.kind is ChangeKind.UNCHANGED:
                continue
            changed.add(ch.action)
            if verbosity > QUIET:
                out.append(f"{stamp} {escape(str(ch))}")
            if verbosity >= VERBOSE:
                out.extend(f"    {escape(str(f))}" for f in ch.fields)
        if verbosity >= VERBOSE:
            out.extend(
                escape(str(d))
                for f in result.files
                if changed.intersection(f.actions)
                for d in f.diagnostics
            )
        failures = {str(d) for f in result.failed for d in f.diagnostics}
        out.extend(f"[red]{stamp} {escape(d)}[/]" for d in sorted(failures - seen_failures))
        seen_failures.clear()
        seen_failures.update(failures)
        conflicts = result.plan.conflicts
        if conflicts:
            status = (
                f"[yellow]{stamp} {len(conflicts)} conflict(s), left as they are: "
                f"{escape(str(conflicts[0]))}[/]; watching (Ctrl-C to stop)"
            )
        elif result.failed:
            status = (
                f"[red]{stamp} {len(result.failed)} script(s) broken, last good action "
                f"kept[/]; watching (Ctrl-C to stop)"
            )
        else:
            actions = sum(len(f.actions) for f in result.files)
            status = (
                f"[green]{stamp} in sync[/]: {actions} actions in {escape(pack)}; "
                "watching (Ctrl-C to stop)"
            )
        return out, status

    if not terminal:
        if verbosity > QUIET:
            console.print(start)
            console.file.flush()

        def on_sync_plain(event: Any) -> None:
            out, status = lines(event)
            for line in out:
                console.print(line)
            if verbosity > QUIET:
                console.print(status)
            console.file.flush()

        yield on_sync_plain
        return

    from rich.live import Live

    with Live(start, console=console, refresh_per_second=4, transient=False) as live:

        def on_sync(event: Any) -> None:
            out, status = lines(event)
            for line in out:
                live.console.print(line)
            live.update(status)

        yield on_sync
