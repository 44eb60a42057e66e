"""Run any StackStorm action locally, the way StackStorm would: the library API.

>>> execution = run_action("packs/ops", "restart_service", ["name=web", "force=true"])
>>> execution.status, execution.result

``load_action`` reads the metadata, ``prepare_parameters`` checks parameters (raising
``ParameterError`` with every problem), ``execute`` runs a prepared action, ``run_action``
does all three and appends the run to ``<pack>/.voodoo/executions.jsonl``; ``history``
reads that log back.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voodoo import runners_local
from voodoo.actiondef import ActionDef, ParamSpec, load_action, load_config
from voodoo.errors import ActionError
from voodoo.params import SECRET_MASK, Prepared, prepare_parameters

__all__ = [
    "SECRET_MASK",
    "ActionDef",
    "Execution",
    "HistoryEntry",
    "ParamSpec",
    "Prepared",
    "execute",
    "history",
    "load_action",
    "load_config",
    "prepare_parameters",
    "run_action",
]

#: File name of the execution log inside the pack's ``.voodoo`` folder.
LOG_NAME = "executions.jsonl"
#: Process exit codes ``voodoo run`` uses per status.
EXIT_CODES = {"succeeded": 0, "failed": 1, "timeout": 124}


@dataclass(frozen=True, slots=True)
class Execution:
    """One finished run."""

    action: str  #: the action ref, ``pack.name``
    runner_type: str
    status: str  #: succeeded, failed or timeout
    parameters: Mapping[str, Any] = field(hash=False)  #: secrets masked
    result: Any = field(hash=False)  #: shaped like StackStorm's result for the runner
    exit_code: int | None  #: the process's exit code (-9 when killed on timeout)
    started: str  #: ISO 8601, UTC
    duration: float  #: seconds

    @property
    def cli_exit_code(self) -> int:
        """0 succeeded, 1 failed, 124 timeout."""
        return EXIT_CODES.get(self.status, 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of the execution log."""

    time: str
    action: str
    parameters: Mapping[str, Any] = field(hash=False)
    status: str
    duration: float
    exit_code: int | None
    result_size: int  #: length in characters of the result as JSON


def execute(
    action: ActionDef,
    prepared: Prepared,
    config: Mapping[str, Any] | None = None,
    *,
    timeout: float | None = None,
) -> Execution:
    """Run an action whose parameters are already prepared. ``timeout`` overrides the runner's."""
    limit = float(timeout if timeout is not None else prepared.runner.get("timeout") or 60)
    started = datetime.now(UTC)
    clock = time.monotonic()
    outcome = runners_local.run(action, prepared, config or {}, limit)
    return Execution(
        action=action.ref,
        runner_type=action.runner_type,
        status=outcome.status,
        parameters=dict(prepared.masked),
        result=outcome.result,
        exit_code=outcome.exit_code,
        started=started.isoformat(timespec="milliseconds"),
        duration=round(time.monotonic() - clock, 3),
    )


def run_action(
    pack_dir: str | Path,
    name: str,
    params: Sequence[str] | Mapping[str, Any] = (),
    *,
    config_file: str | Path | None = None,
    timeout: float | None = None,
    log: bool = True,
) -> Execution:
    """Load, check and run action ``name`` of the pack; append it to the execution log.

    ``params`` are ``st2 run`` words (``["n=3", "tags=a,b"]``) or a mapping of values.
    Raises ``ParameterError`` (nothing run) or ``ActionError``.
    """
    action = load_action(pack_dir, name)
    if log:
        runners_local.state_dir(Path(pack_dir))  # (refused before anything runs)
    config = load_config(pack_dir, config_file)
    words = params if isinstance(params, Mapping) else list(params)
    prepared = prepare_parameters(action, words, config)
    execution = execute(action, prepared, config, timeout=timeout)
    if log:
        append_log(Path(pack_dir), execution)
    return execution


def append_log(pack_dir: Path, execution: Execution) -> None:
    """Append one JSON line for ``execution`` to the pack's execution log."""
    entry = HistoryEntry(
        time=execution.started,
        action=execution.action,
        parameters=execution.parameters,
        status=execution.status,
        duration=execution.duration,
        exit_code=execution.exit_code,
        result_size=len(json.dumps(execution.result, default=str)),
    )
    folder = runners_local.state_dir(pack_dir)
    try:
        folder.mkdir(exist_ok=True)
        # Not through a symlink, and only to a regular file: the log is the pack's own.
        fd = os.open(folder / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                     | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            f.write(json.dumps(asdict(entry), default=str) + "\n")
    except OSError as e:
        raise ActionError(
            f"cannot write the execution log: {e.strerror}", path=str(folder)
        ) from None


def history(pack_dir: str | Path, action: str | None = None, limit: int = 20) -> list[HistoryEntry]:
    """The latest ``limit`` runs, newest first; ``action`` filters by name or ref."""
    path = runners_local.state_dir(Path(pack_dir)) / LOG_NAME
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ActionError(f"cannot read the execution log: {e.strerror}", path=str(path)) from None
    entries = []
    for line in reversed(lines):
        entry = _entry(line)
        if entry is None or (
            action is not None and action not in (entry.action, _name(entry.action))
        ):
            continue
        entries.append(entry)
        if len(entries) >= limit:
            break
    return entries


def _entry(line: str) -> HistoryEntry | None:
    try:
        data = json.loads(line)
        return HistoryEntry(**data)
    except (ValueError, TypeError):
        return None  # a torn or foreign line: skip it rather than fail the whole listing


def _name(ref: str) -> str:
    return ref.partition(".")[2]
