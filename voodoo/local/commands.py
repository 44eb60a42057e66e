"""``voodoo run`` and ``voodoo history``: thin click commands over ``voodoo.local.execute``.

Each command parses its options, makes one API call, prints, and exits with a code that
means something: 0 succeeded, 1 failed, 2 bad parameters or usage, 124 timeout. An error
(no such action, parameters refused) ends the command at the CLI's one error boundary
(``voodoo.boundary.error_boundary``), which prints it and exits with its class's code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from voodoo._yamlsafe import dump_yaml
from voodoo.boundary import json_errors
from voodoo.errors import ActionError, RunLogError
from voodoo.local.action import list_actions
from voodoo.local.execute import (
    SECRET_MASK,
    ActionDef,
    Execution,
    HistoryEntry,
    history,
    load_action,
    past_run,
    run_action,
)

_STATUS_STYLE = {"succeeded": "bold green", "failed": "bold red", "timeout": "bold yellow"}


class _Configured(NamedTuple):
    """What ``[tool.voodoo]`` (pyproject.toml or voodoo.yaml, found from the cwd) says for
    ``run``, ``history``, ``show`` and ``actions``; None where it says nothing."""

    pack: str | None = None
    log_size: int | None = None  #: ``run-log-size``, in bytes
    python: str | None = None  #: the interpreter python-script actions run under


def _configured() -> _Configured:
    from voodoo.config import find

    config = find()
    if config is None:
        return _Configured()
    return _Configured(
        str(config.pack) if config.pack else None,
        config.run_log_size,
        str(config.python) if config.python is not None else None,
    )


def _is_pack(path: str) -> bool:
    return Path(path, "actions").is_dir() or Path(path, "pack.yaml").is_file()


def _pack_and_action(
    first: str | None, second: str | None, rest: list[str]
) -> tuple[str | None, str | None, list[str]]:
    """``[PACK] ACTION [WORDS...]``: without a pack folder first, the configured pack."""
    if first is None or _is_pack(first):
        return first, second, rest
    pack = _configured().pack
    if pack is None:
        return first, second, rest  # (then "no actions/ directory" says what is wrong)
    return pack, first, [second, *rest] if second is not None else rest


@click.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("pack_dir", required=False)
@click.argument("action", required=False)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Pack config (YAML), merged over config.schema.yaml defaults.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds; overrides the runner's.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    callback=json_errors,
    help="Print the execution as JSON (all of it).",
)
@click.option(
    "--result-file",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the whole execution as JSON to this file (the display cuts long output).",
)
@click.option(
    "--python",
    "python",
    metavar="PATH",
    help="Run python-script actions under this interpreter (e.g. the pack virtualenv's "
    "bin/python, as StackStorm does); default: `python` in [tool.voodoo], else voodoo's own.",
)
@click.option(
    "--help", "-h", "show_help", is_flag=True, help="Show this message, or the action's parameters."
)
@click.pass_context
def run_cmd(
    ctx: click.Context,
    pack_dir: str | None,
    action: str | None,
    config_file: str | None,
    timeout: float | None,
    as_json: bool,
    result_file: str | None,
    python: str | None,
    show_help: bool,
) -> None:
    """Run ACTION of the pack in PACK_DIR locally, the way StackStorm would.

    Parameters are given as st2 run takes them: name=value (cast by the declared type) or
    name=@file. With --help after ACTION, show the action's parameters. Without PACK_DIR,
    the configured pack ([tool.voodoo] pack). Output longer than the display shows is cut
    in the middle, saying how much; --json and --result-file keep all of it.
    """
    pack_dir, action, words = _pack_and_action(pack_dir, action, list(ctx.args))
    if pack_dir is None or action is None:
        if show_help:
            click.echo(ctx.get_help())
            ctx.exit(0)
        raise click.UsageError("PACK_DIR and ACTION are required", ctx)
    if show_help:
        _print_action_help(load_action(pack_dir, action))
        ctx.exit(0)
    configured = _configured()
    try:
        execution = run_action(
            pack_dir,
            action,
            words,
            config_file=config_file,
            timeout=timeout,
            log_size=configured.log_size,
            python=python or configured.python,
        )
    except RunLogError as e:
        # The action ran: its outcome and exit code stand; only its record is missing.
        click.echo(f"voodoo: warning: {e} (this run is not in `voodoo history`)", err=True)
        execution = e.execution
    if result_file is not None:
        _save(execution, result_file)
    if as_json:
        click.echo(json.dumps(execution.to_dict(), indent=2, default=str))
    else:
        _print_execution(execution, result_file)
    ctx.exit(execution.cli_exit_code)


def _save(execution: Execution, path: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(execution.to_dict(), f, indent=2, default=str)
            f.write("\n")
    except OSError as e:
        # (like the execution log: the run stands, only a copy of it is missing)
        click.echo(f"voodoo: warning: cannot write the result file {path}: {e.strerror}", err=True)


@click.command("history")
@click.argument("action", required=False)
@click.option(
    "--pack",
    "pack_dir",
    type=click.Path(file_okay=False),
    help="The pack directory (default: the configured pack, else this folder).",
)
@click.option("-n", "limit", default=20, type=click.IntRange(min=1), help="How many runs to show.")
@click.option("--show", "run_id", help="Show one past run, by the ID the listing shows.")
@click.option(
    "--json", "as_json", is_flag=True, callback=json_errors, help="Print the runs as JSON lines."
)
@click.pass_context
def history_cmd(
    ctx: click.Context,
    action: str | None,
    pack_dir: str | None,
    limit: int,
    run_id: str | None,
    as_json: bool,
) -> None:
    """Show the latest local runs of the pack's actions (newest first)."""
    pack = pack_dir or _configured().pack or "."
    if run_id is not None:
        _show_run(ctx, pack, run_id, as_json)
    if action is not None:
        load_action(pack, action)  # (an action that does not exist is an error)
    entries = history(pack, action, limit)
    if as_json:
        for entry in entries:
            click.echo(json.dumps(_entry_dict(entry), default=str))
    elif not entries:
        click.echo(f"no executions recorded in {pack}" + (f" for {action}" if action else ""))
    else:
        _console().print(_history_table(entries))
    ctx.exit(0)


def _show_run(ctx: click.Context, pack: str, run_id: str, as_json: bool) -> None:
    entry = past_run(pack, run_id.strip())
    if entry is None:
        raise ActionError(f"no run {run_id!r} in the execution log of {pack}")
    if as_json:
        click.echo(json.dumps(_entry_dict(entry), indent=2, default=str))
        ctx.exit(0)
    console = _console()
    console.print(f"id: {entry.id}", markup=False)
    console.print(f"action: {entry.action}", markup=False)
    console.print(Text.assemble("status: ", (entry.status, _STATUS_STYLE.get(entry.status, ""))))
    console.print(f"time: {entry.time}", markup=False)
    console.print(f"duration: {entry.duration:.3f}s", markup=False)
    console.print("parameters:", markup=False)
    console.print(_indent(_yaml(entry.parameters) if entry.parameters else "{}"), markup=False)
    if entry.result is None:
        console.print(f"result: not kept ({entry.result_size} characters)", markup=False)
    else:
        console.print("result:", markup=False)
        console.print(_indent(_yaml(entry.result)), markup=False)
    ctx.exit(0)


@click.command("show")
@click.argument("pack_dir", required=False)
@click.argument("action", required=False)
@click.pass_context
def show_cmd(ctx: click.Context, pack_dir: str | None, action: str | None) -> None:
    """Show one action's parameters, as `st2 run PACK.ACTION -h` does: voodoo show
    [PACK_DIR] ACTION (default: the configured pack)."""
    if action is None and pack_dir is not None:
        pack_dir, action = _configured().pack, pack_dir
    if pack_dir is None or action is None:
        raise click.UsageError("give ACTION (and PACK_DIR, or configure [tool.voodoo] pack)", ctx)
    _print_action_help(load_action(pack_dir, action))
    ctx.exit(0)


@click.command("actions")
@click.argument("pack_dir", required=False)
@click.pass_context
def actions_cmd(ctx: click.Context, pack_dir: str | None) -> None:
    """List the actions of PACK_DIR (default: the configured pack) with their descriptions."""
    pack = pack_dir or _configured().pack
    if pack is None:
        raise click.UsageError("give PACK_DIR, or configure [tool.voodoo] pack", ctx)
    actions = list_actions(pack)
    width = max((len(name) for name, _ in actions), default=0)
    for name, description in actions:
        line = description.strip().splitlines()[0] if description.strip() else ""
        click.echo(f"{name:<{width}}  {line}".rstrip())
    if not actions:
        click.echo(f"no actions in {pack}")
    ctx.exit(0)


def _console() -> Console:
    # Not a terminal (pipes, tests): wide enough that tables and values are not wrapped.
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)
    return console


#: the most characters of one text value the display shows (half from each end)
SHOWN_CHARACTERS = 10_000
#: the most items of one list or mapping the display shows
SHOWN_ITEMS = 200


def shown(value: Any) -> tuple[Any, int]:
    """``value`` cut for display, and how many characters and items were left out.

    A text longer than ``SHOWN_CHARACTERS`` keeps its start and its end around a line that
    says how much is not shown; lists and mappings keep their first ``SHOWN_ITEMS`` items.
    Linear in the size of ``value``: 100 MB of stdout is shown in a moment.
    """
    if isinstance(value, str):
        if len(value) <= SHOWN_CHARACTERS:
            return value, 0
        half = SHOWN_CHARACTERS // 2
        cut = len(value) - 2 * half
        note = f"\n[... {cut:,} of {len(value):,} characters not shown ...]\n"
        return value[:half] + note + value[-half:], cut
    if isinstance(value, Mapping):
        items = list(value.items())
        out: dict[Any, Any] = {}
        cut = max(0, len(items) - SHOWN_ITEMS)
        for key, item in items[:SHOWN_ITEMS]:
            out[key], inner = shown(item)
            cut += inner
        if len(items) > SHOWN_ITEMS:
            out["..."] = f"{len(items) - SHOWN_ITEMS:,} more keys not shown"
        return out, cut
    if isinstance(value, list | tuple):
        kept = []
        cut = max(0, len(value) - SHOWN_ITEMS)
        for item in value[:SHOWN_ITEMS]:
            item, inner = shown(item)
            kept.append(item)
            cut += inner
        if len(value) > SHOWN_ITEMS:
            kept.append(f"... {len(value) - SHOWN_ITEMS:,} more items not shown")
        return kept, cut
    return value, 0


def _print_execution(execution: Execution, result_file: str | None = None) -> None:
    console = _console()
    style = _STATUS_STYLE.get(execution.status, "bold")
    console.print(
        Text.assemble("action: ", (execution.action, "bold"), f" ({execution.runner_type})")
    )
    console.print(Text.assemble("status: ", (execution.status, style)))
    console.print(f"duration: {execution.duration:.3f}s", markup=False)
    console.print("parameters:", markup=False)
    console.print(
        _indent(_yaml(execution.parameters) if execution.parameters else "{}"), markup=False
    )
    console.print("result:", markup=False)
    result, cut = shown(execution.result)
    # Plain text, not rich: rich lays out every line of a long text (minutes for 16 MB).
    click.echo(_indent(_yaml(result)))
    if cut and result_file:
        click.echo(f"note: the result is cut for display; all of it is in {result_file}")
    elif cut:
        click.echo(
            "note: the result is cut for display; --json or --result-file FILE keep all of it"
        )
    elif result_file:
        click.echo(f"result file: {result_file}")


def _print_action_help(action: ActionDef) -> None:
    console = _console()
    console.print(Text.assemble((action.ref, "bold"), f" ({action.runner_type})"))
    if action.description:
        console.print(action.description, markup=False)
    table = Table(
        "name", "type", "required", "default", "choices", "description", title="Parameters"
    )
    for spec in action.params:
        schema = spec.schema
        default = schema.get("default")
        if spec.secret and default is not None:
            default = SECRET_MASK
        name = spec.name if not spec.runner else f"{spec.name} (runner)"
        table.add_row(
            Text(name),
            Text(spec.type or "any"),
            Text("yes" if spec.required else ""),
            Text("" if default is None else _compact(default)),
            Text(", ".join(_compact(c) for c in schema.get("enum") or [])),
            Text(str(schema.get("description") or "")),
        )
    console.print(table)


def _history_table(entries: list[HistoryEntry]) -> Table:
    table = Table(
        "id", "time", "action", "status", "duration", "exit code", "parameters", "result size"
    )
    for entry in entries:
        table.add_row(
            Text(entry.id or "-"),
            Text(entry.time),
            Text(entry.action),
            Text(entry.status, style=_STATUS_STYLE.get(entry.status, "")),
            Text(f"{entry.duration:.3f}s"),
            Text("" if entry.exit_code is None else str(entry.exit_code)),
            Text(_compact(entry.parameters)),
            Text(str(entry.result_size)),
        )
    return table


def _entry_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__dataclass_fields__}


def _compact(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        value = dict(value)
    return json.dumps(value, default=str)


def _yaml(value: object) -> str:
    """``value`` as YAML, multi-line strings (stdout, tracebacks) as readable ``|`` blocks."""
    if isinstance(value, Mapping):
        value = dict(value)
    return dump_yaml(value, blocks=True)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip("\n").splitlines())
