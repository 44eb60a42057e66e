"""Between plan and apply: settle hand-edited action YAML, follow renames, list the changes.

``plan`` leaves every file a person touched as a conflict. Here each one is settled with
``merge``: an edited action is merged field by field with the new version, a renamed
script's action carries its edits to the new name, and the action of a deleted script that
a person edited is disabled (``enabled: false``) rather than deleted. What cannot be merged
(a hand-edited README, a YAML file that no longer parses) stays a conflict.

Pure: a Plan and the manifest in, a Plan and a list of ``Change``s out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from voodoo import merge
from voodoo.dormant import Dormant
from voodoo.manifest import Manifest
from voodoo.merge import Prefer
from voodoo.pack import ConflictKind, Plan, Reason

_ACTION = re.compile(r"actions/([^/]+)\.ya?ml")


class ChangeKind(enum.StrEnum):
    """What one run did to one pack file."""

    ADDED = "added"
    UPDATED = "updated"
    RENAMED = "renamed"
    REMOVED = "removed"
    MERGED = "merged"  #: a hand-edited file updated with the script's changes
    DISABLED = "disabled"  #: its script is gone but it was edited by hand: enabled: false
    #: its script is back: the disabled action enabled again, the edits merged
    RESTORED = "restored"
    CONFLICT = "conflict"  #: left as it is: could not be merged
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Change:
    """What one run did to one pack file (for action YAML: to one action)."""

    kind: ChangeKind
    path: str
    action: str | None = None  #: the action name, for ``actions/<name>.yaml``
    old_action: str | None = None  #: RENAMED: the name it had
    fields: tuple[merge.FieldChange, ...] = ()  #: what changed, field by field
    conflicts: tuple[merge.FieldConflict, ...] = ()  #: fields both sides changed

    def __str__(self) -> str:
        what = self.action if self.action is not None else self.path
        if self.kind is ChangeKind.RENAMED:
            what = f"{self.old_action} -> {self.action}"
        return f"{self.kind.value} {what}"


def action_of(path: str) -> str | None:
    m = _ACTION.fullmatch(path)
    return m.group(1) if m else None


def reconcile(
    plan: Plan,
    manifest: Manifest,
    renames: Mapping[str, str],
    *,
    prefer: merge.Prefer = "ours",
    settle: bool = False,
    dormant: Mapping[str, Dormant] | None = None,
) -> tuple[Plan, tuple[Change, ...]]:
    """Settle what can be settled in ``plan``; return it with the per-file changes.

    A field both the person and the script changed takes ``prefer``'s value; unless
    ``settle`` (someone chose ``prefer``), it stays a conflict for the next runs too.
    ``dormant``: actions disabled when their script went away; one generated again is
    restored (enabled again, its edits merged with what the script now gives)."""
    dormant = dormant or {}
    changes: list[Change] = []
    done: set[str] = set()
    conflicts = {c.path: c for c in plan.conflicts}
    writes = {w.path: w for w in plan.writes}
    deletes = {d.path for d in plan.deletes}
    for old_name, new_name in sorted(renames.items()):
        old_path, new_path = f"actions/{old_name}.yaml", f"actions/{new_name}.yaml"
        write = writes.get(new_path)
        if write is None or write.reason is not Reason.ADD:
            continue
        c = conflicts.get(old_path)
        entry = manifest.get(old_path)
        base = entry.base if entry is not None else None
        if c is not None and c.kind is ConflictKind.ORPHANED and base is not None:
            m = merge.merge(base, c.ours, write.data, prefer=prefer)
            if m is None:
                continue
            plan = plan.rewrite(new_path, m.data).disown(old_path, None)
            changes.append(
                Change(
                    ChangeKind.RENAMED,
                    new_path,
                    new_name,
                    old_name,
                    merge.diff(c.ours, m.data),
                    m.conflicts,
                )
            )
        elif old_path in deletes:
            changes.append(
                Change(
                    ChangeKind.RENAMED, new_path, new_name, old_name, merge.diff(base, write.data)
                )
            )
        else:
            continue
        done.update({old_path, new_path})
    for c in plan.conflicts:
        name = action_of(c.path)
        if name is None or c.path in done:
            continue
        if c.kind is ConflictKind.EDITED and c.base is not None and c.theirs is not None:
            m = merge.merge(c.base, c.ours, c.theirs, prefer=prefer)
            if m is not None:
                plan = plan.resolve(c.path, m.data, held=bool(m.conflicts) and not settle)
                changes.append(
                    Change(
                        ChangeKind.MERGED,
                        c.path,
                        name,
                        fields=merge.diff(c.ours, m.data),
                        conflicts=m.conflicts,
                    )
                )
                done.add(c.path)
        elif (
            c.kind is ConflictKind.FOREIGN
            and c.path in dormant
            and c.theirs is not None
            and c.entry is not None
        ):
            record = dormant[c.path]
            ours = merge.set_enabled(c.ours, True) if record.enable else c.ours
            m = (
                None
                if ours is None
                else merge.merge(record.base.encode(), ours, c.theirs, prefer=prefer)
            )
            if m is not None:
                plan = plan.resolve(c.path, m.data, held=bool(m.conflicts) and not settle)
                changes.append(
                    Change(
                        ChangeKind.RESTORED,
                        c.path,
                        name,
                        fields=merge.diff(c.ours, m.data),
                        conflicts=m.conflicts,
                    )
                )
                done.add(c.path)
        elif c.kind is ConflictKind.ORPHANED:
            disabled = merge.disable(c.ours)
            if disabled is not None:
                plan = plan.disown(c.path, disabled)
                changes.append(
                    Change(ChangeKind.DISABLED, c.path, name, fields=merge.diff(c.ours, disabled))
                )
                done.add(c.path)
    changes.extend(_plain_changes(plan, manifest, done))
    return plan, tuple(sorted(changes, key=lambda ch: (ch.action is None, ch.path)))


def _plain_changes(plan: Plan, manifest: Manifest, done: set[str]) -> list[Change]:
    out: list[Change] = []
    for w in plan.writes:
        if w.path in done:
            continue
        entry = manifest.get(w.path)
        old = entry.base if entry is not None else None
        kind = ChangeKind.ADDED if w.reason is Reason.ADD else ChangeKind.UPDATED
        fields = merge.diff(old, w.data) if action_of(w.path) and old is not None else ()
        out.append(Change(kind, w.path, action_of(w.path), fields=fields))
    for d in plan.deletes:
        if d.path not in done:
            out.append(Change(ChangeKind.REMOVED, d.path, action_of(d.path)))
    for c in plan.conflicts:
        out.append(Change(ChangeKind.CONFLICT, c.path, action_of(c.path)))
    for path in (*plan.unchanged, *plan.kept):
        if action_of(path):
            out.append(Change(ChangeKind.UNCHANGED, path, action_of(path)))
    return out


def settle(
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


__all__ = ["Change", "ChangeKind", "action_of", "reconcile", "settle"]
