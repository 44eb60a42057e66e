"""``voodoo run`` and ``voodoo history``: thin click commands over ``voodoo.execute``.

Each command parses its options, makes one API call, prints, and exits with a code that
means something: 0 succeeded, 1 failed, 2 bad parameters or usage, 124 timeout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from voodoo.errors import ParameterError, VoodooError
from voodoo.execute import (
    SECRET_MASK,
    ActionDef,
    Execution,
    HistoryEntry,
    history,
    load_action,
    run_action,
)

USAGE_EXIT = 2
_STATUS_STYLE = {"succeeded": "bold green", "failed": "bold red", "timeout": "bold yellow"}


@click.command(
    "run",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("pack_dir", required=False, type=click.Path(file_okay=False))
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
@click.option("--json", "as_json", is_flag=True, help="Print the execution as JSON.")
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
    python: str | None,
    show_help: bool,
) -> None:
    """Run ACTION of the pack in PACK_DIR locally, the way StackStorm would.

    Parameters are given as st2 run takes them: name=value (cast by the declared type) or
    name=@file. With --help after ACTION, show the action's parameters.
    """
    if pack_dir is None or action is None:
        if show_help:
            click.echo(ctx.get_help())
            ctx.exit(0)
        raise click.UsageError("PACK_DIR and ACTION are required", ctx)
    try:
        if show_help:
            _print_action_help(load_action(pack_dir, action))
            ctx.exit(0)
        execution = run_action(
            pack_dir,
            action,
            list(ctx.args),
            config_file=config_file,
            timeout=timeout,
            python=python or _configured_python(),
        )
    except VoodooError as e:
        _print_error(e, as_json)
        ctx.exit(USAGE_EXIT)
    if as_json:
        click.echo(json.dumps(execution.to_dict(), indent=2, default=str))
    else:
        _print_execution(execution)
    ctx.exit(execution.cli_exit_code)


@click.command("history")
@click.argument("action", required=False)
@click.option(
    "--pack", "pack_dir", default=".", type=click.Path(file_okay=False), help="The pack directory."
)
@click.option("-n", "limit", default=20, type=click.IntRange(min=1), help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON lines.")
@click.pass_context
def history_cmd(
    ctx: click.Context, action: str | None, pack_dir: str, limit: int, as_json: bool
) -> None:
    """Show the latest local runs of the pack's actions (newest first)."""
    try:
        entries = history(pack_dir, action, limit)
    except VoodooError as e:
        _print_error(e, as_json)
        ctx.exit(USAGE_EXIT)
    if as_json:
        for entry in entries:
            click.echo(json.dumps(_entry_dict(entry), default=str))
    elif not entries:
        click.echo("no executions recorded")
    else:
        _console().print(_history_table(entries))
    ctx.exit(0)


def _configured_python() -> str | None:
    """``python`` from [tool.voodoo] (pyproject.toml or voodoo.yaml), if configured."""
    from voodoo.config import find

    config = find()
    return str(config.python) if config is not None and config.python is not None else None


def _console() -> Console:
    # Not a terminal (pipes, tests): wide enough that tables and values are not wrapped.
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)
    return console


def _print_error(error: VoodooError, as_json: bool) -> None:
    problems = error.problems if isinstance(error, ParameterError) else []
    if as_json:
        click.echo(json.dumps({"error": error.message, "problems": problems}, indent=2))
    elif problems:
        click.echo(f"error: {len(problems)} invalid parameter(s), nothing was run:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
    else:
        click.echo(f"error: {error}", err=True)


def _print_execution(execution: Execution) -> None:
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
    console.print(_indent(_yaml(execution.result)), markup=False)


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
    table = Table("time", "action", "status", "duration", "exit code", "parameters", "result size")
    for entry in entries:
        table.add_row(
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


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (stdout, tracebacks) as readable ``|`` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _yaml(value: object) -> str:
    if isinstance(value, Mapping):
        value = dict(value)
    return yaml.dump(
        value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip("\n").splitlines())
