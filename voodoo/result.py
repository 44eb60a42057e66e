"""What an ingest reports: per source file, what changed in the pack, and notes about the
pack as a whole."""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass
from pathlib import Path

from voodoo import stackstorm
from voodoo.model import Command, Diagnostic, Severity
from voodoo.pack import Plan
from voodoo.reconcile import Change, ChangeKind
from voodoo.workers import Analyzed


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
class Work:
    """What one ingest did to get its result (the result does not depend on it): which
    files it looked at, parsed and rendered, and which it took from the last run."""

    #: the source folders were walked for scripts (else: the last run's list, in a session)
    discovered: bool = True
    #: files whose cache entry was compared with the file on disk (size, mtime, inode)
    checked: tuple[str, ...] = ()
    #: files parsed (the others' analyses came from the cache)
    parsed: tuple[str, ...] = ()
    #: scripts whose files were rendered (the others' were carried over as they are)
    rendered: tuple[str, ...] = ()


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
    work: Work = Work()  #: what the run looked at, parsed and rendered

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


def outcome(a: Analyzed, commands: list[Command]) -> FileOutcome:
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


def attach(outcomes: list[FileOutcome], notes: list[Diagnostic]) -> list[FileOutcome]:
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


def pack_notes(the_plan: Plan, pack: Path) -> tuple[Diagnostic, ...]:
    """Warnings about pack.yaml's ``email``, which StackStorm needs to register the pack:
    a pack.yaml about to be created with the placeholder, or a user's pack.yaml without."""
    written = next((w for w in the_plan.writes if w.path == "pack.yaml"), None)
    if written is not None:
        if stackstorm.PLACEHOLDER_EMAIL.encode() not in written.data:
            return ()
        return _email_warning(
            f"no email configured: pack.yaml gets the placeholder "
            f"{stackstorm.PLACEHOLDER_EMAIL}; set the maintainer's address in "
            "pack.yaml (and [tool.voodoo.metadata] email, or git config "
            "user.email, for new packs)"
        )
    try:
        text = (pack / "pack.yaml").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return ()
    if re.search(r"(?m)^email\s*:", text):
        return ()
    return _email_warning(
        "pack.yaml has no email: StackStorm refuses to register the pack "
        "without one; add email: <address> to pack.yaml"
    )


def _email_warning(message: str) -> tuple[Diagnostic, ...]:
    return (Diagnostic("pack.yaml", 0, Severity.WARNING, "pack-email", message),)
