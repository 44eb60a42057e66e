"""The ``voodoo`` command. Each command parses options, makes one API call, prints, and
returns an exit code: 0 ok, 1 something to fix, 2 usage or bad parameters.

An error voodoo raises on purpose ends a command in one place, ``boundary.error_boundary``:
one message, and the exit code its class carries (``voodoo.errors``).

Heavy modules (libcst, jsonschema, rich) are imported inside the commands that need them,
so ``voodoo --version`` and ``voodoo check`` start fast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import click

from voodoo._version import __version__
from voodoo.boundary import error_boundary, json_errors
from voodoo.errors import VoodooError

if TYPE_CHECKING:
    from voodoo.config import Config, Settings

F = TypeVar("F", bound=Callable[..., Any])

#: Above this many files, ingest shows a progress bar.
PROGRESS_THRESHOLD = 25


class _LazyGroup(click.Group):
    """A group whose commands in other modules are imported only when invoked or listed."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "run": ("voodoo.local.commands", "run_cmd"),
        "history": ("voodoo.local.commands", "history_cmd"),
        "show": ("voodoo.local.commands", "show_cmd"),
        "actions": ("voodoo.local.commands", "actions_cmd"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module, attr = self.lazy[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Every command runs inside the one error boundary."""
        with error_boundary(ctx):
            return super().invoke(ctx)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voodoo", message="%(prog)s %(version)s")
def cli() -> None:
    """Turn legacy Python ops scripts into a StackStorm pack, and keep it in sync."""


def _setup(
    sources: Sequence[Path], pack_dir: Path | None
) -> tuple[list[Path], Path, Config | None]:
    """Sources, pack and configuration from the arguments, else from the config file."""
    from voodoo.config import find

    config = find()
    if not sources and (config is None or not config.sources):
        raise click.UsageError(
            "give SOURCE arguments, or configure [tool.voodoo] sources "
            "in pyproject.toml or voodoo.yaml"
        )
    pack = pack_dir or (config.pack if config else None)
    if pack is None:
        raise click.UsageError(
            "give --pack, or configure `pack` in [tool.voodoo] (pyproject.toml) or voodoo.yaml"
        )
    from voodoo.sources import check_outside

    try:
        check_outside(list(sources) or (config.source_paths() if config else []), pack)
    except VoodooError as exc:
        raise click.UsageError(exc.message) from None
    if sources and config is not None:
        # Explicit SOURCES replace the configured ones (excludes and overrides still apply).
        config = dataclasses.replace(config, sources=("**",))
    return list(sources), pack, config


_SOURCES = click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
_FUNCTIONS = click.option(
    "--functions",
    is_flag=True,
    help="Also turn every public top-level function of modules without a command line "
    "into an action.",
)
_CONFIG_SCHEMA = click.option(
    "--config-schema",
    is_flag=True,
    help="Turn environment variables the scripts read into pack config keys "
    "(config.schema.yaml), exported to the scripts from the pack config.",
)
_KEEP_PYTHON2 = click.option(
    "--keep-python2",
    is_flag=True,
    help="Copy Python 2 scripts into the pack unconverted; their actions run them with "
    "`python2` (default: converted to Python 3, which StackStorm runs).",
)


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """``inf`` and ``nan`` are floats too: not a number of megabytes."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a positive number of megabytes")
    return value


_MAX_SIZE = click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    callback=_finite,
    help="Largest script analyzed, in MB (default 1, or `max-size` from the configuration); "
    "larger ones fail with an error.",
)


def _bytes(megabytes: float | None) -> int | None:
    return None if megabytes is None else int(megabytes * 2**20)


def _settings_options(fn: F) -> F:
    """The render settings (--functions, --config-schema, --keep-python2, --max-size),
    handed to the command as one ``settings`` argument."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        functions: bool,
        config_schema: bool,
        keep_python2: bool,
        max_size: float | None,
        **kwargs: Any,
    ) -> Any:
        from voodoo.config import Settings

        settings = Settings(functions, config_schema, keep_python2, _bytes(max_size))
        return fn(*args, settings=settings, **kwargs)

    for option in (_MAX_SIZE, _KEEP_PYTHON2, _CONFIG_SCHEMA, _FUNCTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


_PACK = click.option(
    "--pack",
    "pack_dir",
    type=click.Path(path_type=Path),
    help="The pack directory (default: `pack` from the configuration).",
)


#: report.QUIET and report.VERBOSE (report imports rich, which ``check`` does without)
_QUIET, _VERBOSE = -1, 1


def _verbosity_options(fn: F) -> F:
    """--quiet and --verbose, handed to the command as one ``verbosity`` argument
    (report.QUIET, NORMAL or VERBOSE)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, quiet: bool, verbose: bool, **kwargs: Any) -> Any:
        if quiet and verbose:
            raise click.UsageError("--quiet and --verbose exclude each other")
        return fn(*args, verbosity=_QUIET if quiet else _VERBOSE if verbose else 0, **kwargs)

    wrapper = click.option(
        "--verbose", "-v", is_flag=True, help="Every file and every diagnostic."
    )(wrapper)
    wrapper = click.option("--quiet", "-q", is_flag=True, help="Only errors and the summary.")(
        wrapper
    )
    return wrapper  # type: ignore[return-value]


_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one document on stdout (files, actions written/unchanged/removed, "
    "diagnostics, conflicts) for scripts and CI.",
    callback=json_errors,
)


@cli.command()
@_SOURCES
@_PACK
@click.option("--name", help="Pack name (default: the pack directory's name).")
@_settings_options
@click.option(
    "--ours/--theirs",
    "ours",
    default=None,
    help="Settle conflicts: keep the hand-edited files and fields (--ours; a "
    "field both changed keeps the person's value by default too) or take the "
    "scripts' versions (--theirs). Without either, a hand-edited file voodoo "
    "cannot merge stays a conflict, reported by every run.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that parse scripts (default: one per CPU; 1: no extra process).",
)
@_verbosity_options
@_FORMAT
def ingest(
    sources: Sequence[Path],
    pack_dir: Path | None,
    name: str | None,
    settings: Settings,
    ours: bool | None,
    jobs: int | None,
    verbosity: int,
    fmt: str,
) -> None:
    """Analyze SOURCES (scripts or folders) and write or update the pack.

    Without SOURCES and --pack, both come from [tool.voodoo] in pyproject.toml or from
    voodoo.yaml (looked for in this folder and its parents).
    """
    from voodoo import report
    from voodoo.ingest import ingest as run_ingest

    srcs, pack, config = _setup(sources, pack_dir)
    with report.progress(PROGRESS_THRESHOLD) as progress:
        result = run_ingest(
            srcs,
            pack,
            name=name,
            progress=progress,
            config=config,
            prefer="theirs" if ours is False else "ours",
            resolve=None if ours is None else ("ours" if ours else "theirs"),
            settings=settings,
            jobs=jobs,
        )
    if fmt == "json":
        _echo_json(report.ingest_data(result))
    else:
        report.print_ingest(result, verbosity)
    raise SystemExit(result.exit_code)


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@cli.command()
@_SOURCES
@_PACK
@click.option("--name", help="Pack name (default: the pack directory's name).")
@_settings_options
@_verbosity_options
@_FORMAT
def check(
    sources: Sequence[Path],
    pack_dir: Path | None,
    name: str | None,
    settings: Settings,
    verbosity: int,
    fmt: str,
) -> None:
    """Exit 0 when the pack is in sync with SOURCES, 1 with what would change, field by
    field and file by file. Never writes."""
    from voodoo.check import check as run_check

    srcs, pack, config = _setup(sources, pack_dir)
    result = run_check(srcs, pack, name=name, config=config, settings=settings)
    if fmt == "json":
        from voodoo import report

        _echo_json(report.check_data(result))
    elif result.in_sync:
        if verbosity > _QUIET:
            click.echo(f"{pack}: in sync")
    else:
        if verbosity > _QUIET:
            for line in result.lines():
                click.echo(line)
        if verbosity >= _VERBOSE and result.result is not None:
            for f in result.result.files:
                for d in f.diagnostics:
                    click.echo(str(d))
        click.echo(f"{pack}: out of sync; run `voodoo ingest` to update it", err=True)
    raise SystemExit(result.exit_code)


@cli.command()
@click.argument("filenames", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Never write; exit 1 when out of sync.")
@_verbosity_options
def sync(filenames: Sequence[Path], check_only: bool, verbosity: int) -> None:
    """Re-ingest the configured pack (for pre-commit): exit 1 when files changed.

    FILENAMES (as pre-commit passes them) only decide whether anything relevant changed;
    the whole configured pack is synced either way.
    """
    from voodoo.hooks import run_hook

    raise SystemExit(
        run_hook(filenames, write=not check_only, echo=click.echo, verbosity=verbosity)
    )


@cli.command()
@_SOURCES
@_PACK
@click.option("--name", help="Pack name (default: the pack directory's name).")
@click.option(
    "--debounce",
    default=0.05,
    show_default=True,
    type=float,
    help="Seconds of quiet before a re-sync.",
)
@_verbosity_options
def watch(
    sources: Sequence[Path],
    pack_dir: Path | None,
    name: str | None,
    debounce: float,
    verbosity: int,
) -> None:
    """Keep the pack in sync while scripts change (Ctrl-C to stop)."""
    from voodoo import report
    from voodoo.watch import watch as run_watch

    srcs, pack, config = _setup(sources, pack_dir)
    with report.watch_status(str(pack), verbosity) as on_sync:
        run_watch(srcs, pack, name=name, config=config, debounce=debounce, on_sync=on_sync)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "yaml"]),
    default="table",
    show_default=True,
    help="Output format.",
    callback=json_errors,
)
@_FUNCTIONS
def inspect(files: Sequence[Path], fmt: str, functions: bool) -> None:
    """Show what would be generated for FILES (scripts or folders), with diagnostics,
    without writing."""
    from voodoo import report
    from voodoo.analysis import analyze_file
    from voodoo.sources import discover

    paths: list[Path] = []
    for f in files:
        if f.is_dir():
            paths += [f / sf.relpath for sf in discover([f])]
        else:
            paths.append(f)
    scripts = [analyze_file(p, display_path=str(p), functions=functions) for p in paths]
    if fmt == "table":
        report.print_inspect(scripts)
    else:
        data = [report.inspect_data(s) for s in scripts]
        if fmt == "json":
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            from voodoo._yamlsafe import dump_yaml

            click.echo(dump_yaml(data), nl=False)
    raise SystemExit(1 if any(not s.ok for s in scripts) else 0)


@cli.command()
@click.option(
    "--sources",
    "-s",
    "sources",
    multiple=True,
    help="A folder, file or glob of scripts (repeatable; default: scripts).",
)
@click.option("--pack", "pack", help="Where the pack goes (default: packs/<this folder>).")
@click.option("--author", help="pack.yaml's author, when it is first created.")
@click.option("--email", help="pack.yaml's email, when it is first created.")
@click.option(
    "--yaml",
    "yaml_file",
    is_flag=True,
    help="Write voodoo.yaml even when there is a pyproject.toml.",
)
@click.option(
    "--pre-commit/--no-pre-commit",
    "pre_commit",
    default=True,
    show_default=True,
    help="Add the voodoo-sync hook to .pre-commit-config.yaml.",
)
def init(
    sources: Sequence[str],
    pack: str | None,
    author: str | None,
    email: str | None,
    yaml_file: bool,
    pre_commit: bool,
) -> None:
    """Configure this folder's project: [tool.voodoo] in pyproject.toml (else voodoo.yaml)
    and the pre-commit hook. Asks for what no option gives, only on a terminal."""
    from voodoo.init import init as run_init

    root = Path.cwd()
    ask = sys.stdin.isatty()
    default_pack = f"packs/{root.name}"
    if not sources:
        sources = (
            click.prompt("Scripts (folder, file or glob)", default="scripts") if ask else "scripts",
        )
    if pack is None:
        pack = click.prompt("Pack folder", default=default_pack) if ask else default_pack
    if author is None and ask:
        author = click.prompt("Author for pack.yaml", default="", show_default=False) or None
    if email is None and ask:
        email = click.prompt("Email for pack.yaml", default="", show_default=False) or None
    done = run_init(
        root,
        list(sources),
        pack,
        author=author,
        email=email,
        yaml_file=yaml_file,
        pre_commit=pre_commit,
    )
    for path, what in done.files:
        click.echo(f"wrote {what} to {path.relative_to(root)}")
    for path, why in done.kept:
        click.echo(f"left {path.relative_to(root)} as it was: {why}")
    click.echo("next: voodoo ingest" + ("; pre-commit install" if pre_commit else ""))


@cli.command()
@click.argument("pack_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate(pack_dir: Path) -> None:
    """Check PACK_DIR (generated or hand-written) against StackStorm's rules.

    Exit 1 when StackStorm would reject the pack or a run would break (errors); warnings
    (e.g. pack.yaml's placeholder email) are printed, the pack is still valid."""
    from voodoo.model import Severity
    from voodoo.validate import validate_pack

    problems = validate_pack(pack_dir)
    for p in problems:
        click.echo(str(p) if p.severity is Severity.ERROR else f"{p} (warning)")
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    if errors:
        click.echo(f"{len(problems)} problem(s) in {pack_dir}", err=True)
        raise SystemExit(1)
    warnings = len(problems)
    click.echo(f"{pack_dir}: valid" + (f" ({warnings} warning(s))" if warnings else ""))


def _show_notes() -> None:
    """The library's notes (a pack lock waited for or taken over) on stderr."""
    from voodoo import pack

    pack.notes = lambda message: click.echo(f"voodoo: {message}", err=True)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line as a function: returns the exit code instead of exiting."""
    _show_notes()
    try:
        cli.main(
            args=list(argv) if argv is not None else None, prog_name="voodoo", standalone_mode=True
        )
    except SystemExit as e:
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def run() -> NoReturn:
    """The ``voodoo`` command (console script and ``python -m voodoo``): ``main`` in a
    process tuned for one short run, which exits as soon as it is done."""
    # A run keeps what it loads (every script's cache and manifest entries) to its end:
    # with the default thresholds the collector walked it again and again (about 45 ms of
    # a one-change ingest at 1,000 scripts). Cyclic garbage still gets collected.
    gc.set_threshold(100_000, 50, 100)
    code = main()
    # No interpreter teardown, which frees every object one by one (about 70 ms after a
    # one-change ingest at 1,000 scripts): by then every file is written and closed.
    with contextlib.suppress(OSError):  # (a closed pipe: nothing more can be said anyway)
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
