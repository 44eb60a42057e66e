"""The pre-commit hooks: ``voodoo sync`` (re-ingest, exit 1 when files changed) and
``voodoo sync --check`` (never writes). Both use the configuration found from the cwd.

pre-commit passes the staged file names; they only decide whether anything relevant
changed (a configured source, or a file of the pack). When something did, the whole
configured pack is synced (or checked), never just those files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from voodoo.config import Config, find
from voodoo.errors import VoodooError

Echo = Callable[[str], None]


def relevant(filenames: Sequence[Path], config: Config) -> bool:
    """Whether any of ``filenames`` is a configured source or lies in the pack."""
    if not filenames:
        return True
    pack = config.pack.resolve() if config.pack else None
    for name in filenames:
        path = name.resolve()
        if pack is not None and path.is_relative_to(pack):
            return True
        if path.suffix == ".py" or path.name == ".gitignore" or path == config.path.resolve():
            if config.selects(path) or path == config.path.resolve():
                return True
        elif "." not in path.name and config.selects(path):
            return True
    return False


def run_hook(filenames: Sequence[Path], *, write: bool, echo: Echo, verbosity: int = 0) -> int:
    """0 in sync (or nothing relevant), 1 changed or out of sync / failed.

    What changed is shown as ``check`` shows it, field by field; ``verbosity`` -1: only
    errors, conflicts and the last line; 1: every diagnostic of the run too."""
    config = find()
    if config is None or config.pack is None:
        raise VoodooError(
            "no voodoo configuration with `pack` found (pyproject.toml "
            "[tool.voodoo] or voodoo.yaml, in this folder or a parent)"
        )
    if not relevant(filenames, config):
        return 0
    from voodoo.check import check
    from voodoo.session import Session

    session = Session()  # (the ingest below starts from what the check read)
    result = check([], config.pack, config=config, session=session)
    if result.in_sync:
        return 0
    if not write:
        if verbosity >= 0:
            for line in result.lines():
                echo(line)
        echo(f"{_shown(config.pack)}: out of sync; run `voodoo ingest`")
        return 1
    from voodoo.ingest import ingest

    done = ingest([], config.pack, config=config, session=session)
    for ch in done.changes:
        if ch.action is not None and ch.kind.value != "unchanged" and verbosity >= 0:
            echo(str(ch))
            for field in ch.fields:
                echo(f"    {field}")
        for fc in ch.conflicts:
            echo(
                f"    conflict in {ch.action}: {fc.field}: yours {fc.ours!r}, "
                f"script {fc.theirs!r}; kept {fc.taken}"
            )
    if verbosity >= 1:
        for f in done.files:
            for d in f.diagnostics:
                if f.status.value != "failed":
                    echo(str(d))
    for f in done.failed:
        for d in f.diagnostics:
            echo(str(d))
    for c in done.plan.conflicts:
        echo(f"conflict: {c}")
    echo(
        f"{_shown(config.pack)}: updated {len(done.plan.writes)} file(s), "
        f"removed {len(done.plan.deletes)}"
    )
    return 1


def _shown(pack: Path) -> str:
    """The pack as a person finds it from here (pre-commit runs hooks at the repository's
    root): relative to the cwd when it lies below it."""
    try:
        return str(pack.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(pack)
