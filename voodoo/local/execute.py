"""Run any StackStorm action locally, the way StackStorm would: the library API.

>>> execution = run_action("packs/ops", "restart_service", ["name=web", "force=true"])
>>> execution.status, execution.result

``load_action`` reads the metadata, ``prepare_parameters`` checks parameters (raising
``ParameterError`` with every problem), ``execute`` runs a prepared action, ``run_action``
does all three and appends the run to ``<pack>/.voodoo/executions.jsonl``; ``history``
reads that log back.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voodoo import _writer
from voodoo._paths import STATE_DIR
from voodoo.errors import ActionError, PackError, ParameterError, RunLogError
from voodoo.local import launch
from voodoo.local.action import ActionDef, ParamSpec, load_action, load_config
from voodoo.local.params import SECRET_MASK, Prepared, prepare_parameters

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
    id: str = ""  #: ``voodoo history --show ID`` (empty in logs written before ids)
    #: the result, when its JSON is at most ``KEPT_RESULT_SIZE`` characters
    result: Any = field(default=None, hash=False)


def execute(
    action: ActionDef,
    prepared: Prepared,
    config: Mapping[str, Any] | None = None,
    *,
    timeout: float | None = None,
    python: str | None = None,
) -> Execution:
    """Run an action whose parameters are already prepared. ``timeout`` overrides the runner's;
    ``python`` runs python-script actions under that interpreter (the pack virtualenv's, as
    StackStorm does; default: the one running voodoo)."""
    limit = float(timeout if timeout is not None else prepared.runner.get("timeout") or 60)
    started = datetime.now(UTC)
    clock = time.monotonic()
    outcome = launch.run(action, prepared, config or {}, limit, python)
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
    log_size: int | None = None,
    python: str | None = None,
) -> Execution:
    """Load, check and run action ``name`` of the pack; append it to the execution log.

    ``params`` are ``st2 run`` words (``["n=3", "tags=a,b"]``) or a mapping of values.
    ``python``: the interpreter for python-script actions (see ``execute``).
    Raises ``ParameterError`` (nothing run: a value the schema refuses, or one the
    script's command line cannot carry safely) or ``ActionError``; ``RunLogError`` (an
    ActionError) when the action ran but its log could not be written, with the run as its
    ``execution``. ``log_size``: rotate the log above that many bytes (``append_log``).
    """
    action = load_action(pack_dir, name)
    if log:
        launch.state_dir(Path(pack_dir))  # (refused before anything runs)
    config = load_config(pack_dir, config_file)
    words = params if isinstance(params, Mapping) else list(params)
    prepared = prepare_parameters(action, words, config)
    refused = launch.refusals(action, prepared)
    if refused:
        raise ParameterError(refused)
    execution = execute(action, prepared, config, timeout=timeout, python=python)
    if log:
        append_log(Path(pack_dir), execution, log_size)
    return execution


#: Results up to this many characters of JSON are kept in the log (``history --show``).
KEPT_RESULT_SIZE = 64 * 1024

#: Above this size (bytes) the execution log is rotated: ``executions.jsonl`` becomes
#: ``executions.jsonl.1`` (replacing the one before) and a new log starts. ``[tool.voodoo]
#: run-log-size`` (MB) changes it.
DEFAULT_LOG_SIZE = 2**20


def append_log(pack_dir: Path, execution: Execution, max_size: int | None = None) -> None:
    """Append one JSON line for ``execution`` to the pack's execution log, first rotating
    the log when the line would take it over ``max_size`` bytes (default
    ``DEFAULT_LOG_SIZE``): the log and the one before it are kept, no more. RunLogError,
    which carries ``execution``, when the line cannot be written."""
    entry = HistoryEntry(
        time=execution.started,
        action=execution.action,
        parameters=execution.parameters,
        status=execution.status,
        duration=execution.duration,
        exit_code=execution.exit_code,
        result_size=(size := len(json.dumps(execution.result, default=str))),
        id=uuid.uuid4().hex[:8],
        result=execution.result if size <= KEPT_RESULT_SIZE else None,
    )
    try:
        folder = launch.state_dir(pack_dir)
    except ActionError as e:  # (checked before the run; made a symlink while it ran)
        raise RunLogError(e.message, execution, path=e.path) from None
    line = json.dumps(asdict(entry), default=str) + "\n"
    root = pack_dir.resolve()
    _writer.ensure_state_gitignore(root)
    try:
        # Not through a symlink, and only to a regular file: the log is the pack's own.
        _writer.append(
            root,
            f"{STATE_DIR}/{LOG_NAME}",
            line.encode(),
            rotate_at=max_size or DEFAULT_LOG_SIZE,
            what="the execution log",
        )
    except PackError as e:  # (refused: a symlink, a hard link, not a regular file)
        raise RunLogError(e.message, execution, path=str(folder / LOG_NAME)) from None
    except OSError as e:
        raise RunLogError(
            f"cannot write the execution log: {e.strerror}", execution, path=str(folder / LOG_NAME)
        ) from None


def history(pack_dir: str | Path, action: str | None = None, limit: int = 20) -> list[HistoryEntry]:
    """The latest ``limit`` runs, newest first; ``action`` filters by name or ref."""
    entries = []
    for line in reversed(_log_lines(Path(pack_dir))):
        entry = _entry(line)
        if entry is None or (
            action is not None and action not in (entry.action, _name(entry.action))
        ):
            continue
        entries.append(entry)
        if len(entries) >= limit:
            break
    return entries


def past_run(pack_dir: str | Path, run_id: str) -> HistoryEntry | None:
    """The logged run with id ``run_id`` (or the one it is the start of), if it is still in
    the log."""
    for line in reversed(_log_lines(Path(pack_dir))):
        entry = _entry(line)
        if entry is not None and run_id and entry.id.startswith(run_id):
            return entry
    return None


def _log_lines(pack_dir: Path) -> list[str]:
    folder = launch.state_dir(pack_dir)
    lines: list[str] = []
    for path in (folder / f"{LOG_NAME}.1", folder / LOG_NAME):  # the rotated one is older
        try:
            lines += path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            continue
        except OSError as e:
            raise ActionError(
                f"cannot read the execution log: {e.strerror}", path=str(path)
            ) from None
    return lines


def _entry(line: str) -> HistoryEntry | None:
    try:
        data = json.loads(line)
        return HistoryEntry(**data)
    except (ValueError, TypeError):
        return None  # a torn or foreign line: skip it rather than fail the whole listing


def _name(ref: str) -> str:
    return ref.partition(".")[2]
