"""Human-readable output for the CLI (rich). Pure presentation: no analysis, no writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from voodoo.ingest import FileStatus, IngestResult
from voodoo.ingest import Progress as ProgressFn
from voodoo.model import Script, Severity, thaw

if TYPE_CHECKING:
    from rich.progress import Progress

_STATUS_STYLE = {FileStatus.INGESTED: "green", FileStatus.SKIPPED: "dim",
                 FileStatus.FAILED: "bold red"}
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

            bar = Progress(TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.description}"), console=console, transient=True)
            bar.start()
            task = bar.add_task("", total=total)
        assert task is not None
        bar.update(task, completed=done, description=escape(relpath))

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def print_diagnostics(diagnostics: Sequence[Any], console: Console) -> None:
    for d in diagnostics:
        style = _SEVERITY_STYLE[d.severity]
        console.print(f"[{style}]{escape(str(d))}[/]")


#: Up to this many files, the table lists every one; above, only those worth a look.
FULL_TABLE_MAX = 50


def print_ingest(result: IngestResult) -> None:
    """The summary table of one ingest, then the diagnostics and what changed on disk.

    Above ``FULL_TABLE_MAX`` files, the table and the diagnostics cover only the files that
    failed or changed something in the pack; one line counts the rest and their notes
    (listing every unchanged file's warnings again was most of a one-change run's output
    and time).
    """
    from rich.table import Table

    console = _console()
    shown = list(result.files)
    if len(shown) > FULL_TABLE_MAX:
        worth = _worth_a_look(result)
        shown = [f for f in shown if f.relpath in worth]
    table = Table(title=f"pack {result.pack_ref} ({result.pack_dir})", title_justify="left")
    table.add_column("script")
    table.add_column("style")
    table.add_column("status")
    table.add_column("actions")
    table.add_column("notes", justify="right")
    for f in shown:
        style = _STATUS_STYLE[f.status]
        table.add_row(escape(f.relpath), f.framework or "-", f"[{style}]{f.status.value}[/]",
                      escape(", ".join(f.actions)) or "-", str(len(f.diagnostics)) or "")
    if shown:
        console.print(table)
    print_diagnostics([d for f in shown for d in f.diagnostics], console)
    if len(shown) < len(result.files):
        listed = {f.relpath for f in shown}
        rest = [d for f in result.files if f.relpath not in listed for d in f.diagnostics]
        warnings = sum(1 for d in rest if d.severity is not Severity.INFO)
        console.print(f"{len(result.files) - len(shown)} unchanged files not listed "
                      f"({len(rest)} notes, {warnings} of them warnings).", style="dim")
    p = result.plan
    counts = {s: sum(1 for f in result.files if f.status is s) for s in FileStatus}
    actions = sum(len(f.actions) for f in result.files)
    console.print(
        f"{actions} actions from {counts[FileStatus.INGESTED]} scripts; "
        f"{counts[FileStatus.SKIPPED]} skipped, {counts[FileStatus.FAILED]} failed. "
        f"Pack files: {len(p.writes)} written, {len(p.deletes)} removed, "
        f"{len(p.unchanged)} unchanged, "
        f"{len(p.conflicts) + sum(len(ch.conflicts) for ch in result.held)} conflicts."
    )
    print_changes(result, console)
    for c in p.conflicts:
        console.print(f"[yellow]conflict: {escape(str(c))}[/]")
    if result.held or any(c.entry is not None for c in p.conflicts):
        console.print("Reported on every run until resolved: `voodoo ingest --theirs` takes "
                      "the scripts' versions, `--ours` keeps yours on purpose (or delete or "
                      "restore the file).")


def _worth_a_look(result: IngestResult) -> set[str]:
    """Files that failed or changed a file of the pack."""
    from voodoo.ingest import SCRIPTS_DIR
    from voodoo.reconcile import ChangeKind

    written = {w.path for w in result.plan.writes}
    actions = {ch.action for ch in result.changes if ch.kind is not ChangeKind.UNCHANGED}
    actions |= {path.removeprefix("actions/").removesuffix(".py") for path in written}
    copies = {path.removeprefix(f"{SCRIPTS_DIR}/") for path in written}
    return {f.relpath for f in result.files
            if f.status is FileStatus.FAILED or f.relpath in copies
            or actions.intersection(f.actions)}


_CHANGE_STYLE = {"added": "green", "updated": "cyan", "renamed": "cyan", "removed": "red",
                 "merged": "magenta", "disabled": "yellow", "conflict": "yellow"}


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
                f"{escape(repr(c.ours))}, script {escape(repr(c.theirs))}; kept {c.taken}[/]")
    console.print(f"{left_alone} actions left alone.")


def inspect_data(script: Script) -> dict[str, Any]:
    """What ``voodoo inspect --format json|yaml`` prints for one script."""
    from voodoo.stackstorm import action_metadata

    return {
        "path": script.path,
        "framework": script.framework,
        "actions": [action_metadata(c, pack_ref="PACK", entry_point=f"{c.name}.py")
                    for c in script.commands],
        "diagnostics": [
            {"line": d.line, "severity": d.severity.value, "code": d.code, "message": d.message}
            for d in script.diagnostics
        ],
    }


def print_inspect(scripts: Sequence[Script]) -> None:
    from rich.table import Table

    console = _console()
    for s in scripts:
        console.rule(f"{escape(s.path)} [dim]({s.framework or 'no command line'})[/]")
        for c in s.commands:
            table = Table(title=f"action {c.name}", title_justify="left",
                          caption=escape(c.description or ""), caption_justify="left")
            for col in ("parameter", "type", "required", "default", "argv", "description"):
                table.add_column(col)
            for p in c.params:
                default = "" if p.default is None else repr(thaw(p.default))
                argv = p.emit.option or f"<{p.emit.kind.value}>"
                table.add_row(escape(p.name), p.type.value if p.type else "any",
                              "yes" if p.required else "", escape(default), escape(argv),
                              escape(p.description or ""))
            console.print(table)
        print_diagnostics(s.diagnostics, console)


@contextlib.contextmanager
def watch_status(pack: str) -> Iterator[Any]:
    """A live status line for ``voodoo watch``; yields the ``on_sync`` callback."""
    import time

    from rich.live import Live

    from voodoo.reconcile import ChangeKind

    console = _console()
    with Live(f"watching, syncing {escape(pack)}...", console=console,
              refresh_per_second=4, transient=False) as live:

        def on_sync(event: Any) -> None:
            stamp = time.strftime("%H:%M:%S")
            if event.error is not None:
                live.update(f"[red]{stamp} error: {escape(str(event.error))}[/]")
                return
            result = event.result
            for ch in result.changes:
                if ch.action is not None and ch.kind is not ChangeKind.UNCHANGED:
                    live.console.print(f"{stamp} {escape(str(ch))}")
            failed = [str(d) for f in result.failed for d in f.diagnostics]
            conflicts = result.plan.conflicts
            if conflicts:
                live.update(f"[yellow]{stamp} {len(conflicts)} conflict(s), left as they are: "
                            f"{escape(str(conflicts[0]))}[/]")
            elif failed:
                live.update(f"[red]{stamp} {len(result.failed)} script(s) broken, last good "
                            f"action kept: {escape(failed[0])}[/]")
            else:
                actions = sum(len(f.actions) for f in result.files)
                live.update(f"[green]{stamp} in sync[/]: {actions} actions in "
                            f"{escape(pack)}; watching (Ctrl-C to stop)")

        yield on_sync
