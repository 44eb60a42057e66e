"""The analysis API: one file's bytes -> a ``Script``. Never imports or runs the file.

``analyze_source`` (bytes or text) and ``analyze_file`` (a path) are layered: most callers
and tests never touch the disk. Bad input becomes an ERROR diagnostic, not an exception.
"""

from __future__ import annotations

import ast
import dataclasses
import errno
import functools
import hashlib
import json
import os
import stat
import warnings
from collections.abc import Iterable
from typing import Any

import libcst as cst

from voodoo._paths import NOT_REGULAR, read_regular
from voodoo.analyzers import Context, Registered, _runnable, analyze_unclaimed, candidates
from voodoo.analyzers._reads import env_reads, password_reads
from voodoo.analyzers._runnable import runnable
from voodoo.analyzers._text import tidy
from voodoo.analyzers._walk import laid_out
from voodoo.errors import ParseError
from voodoo.limits import DEFAULT_MAX_SIZE, size_problem, token_budget
from voodoo.model import (
    ENTRY_KEY,
    MOUNTED_KEY,
    Command,
    Diagnostic,
    Param,
    ParamType,
    Script,
    Severity,
)
from voodoo.naming import (
    MAX_ACTION_NAME,
    is_secret_name,
    is_shortened,
    param_name,
    reserved_reason,
    runner_rename,
)
from voodoo.parse import parse
from voodoo.py2 import Conversion

__all__ = ["analyze_file", "analyze_source"]


def analyze_source(
    code: str | bytes,
    path: str = "<string>",
    *,
    functions: bool = False,
    max_size: int = DEFAULT_MAX_SIZE,
    origin: str | None = None,
) -> Script:
    """Analyze one script given as text or as the file's bytes; ``path`` names it in
    diagnostics and gives the action names their stem. With ``functions``, a module with
    no command line gets one action per public top-level function (called, not run).
    Sources over ``max_size`` bytes, or nested too deeply, give an ERROR diagnostic."""
    source = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code
    digest = hashlib.sha256(source).hexdigest()
    too_large = size_problem(len(source), max_size)
    if too_large is not None:
        error = Diagnostic(path, 0, Severity.ERROR, "too-large", too_large)
        return Script(path=path, framework=None, diagnostics=(error,), source_hash=digest)
    try:
        with warnings.catch_warnings():
            # libcst evaluates string literals with ast.literal_eval: an odd escape in the
            # script is its author's business, not a warning (or, with -W error, a crash).
            warnings.simplefilter("ignore")
            parsed = parse(source, path, max_tokens=token_budget(max_size))
            with laid_out(parsed.module):  # (one layout of the tree for every walk of it)
                script = _analyze(
                    parsed.module, parsed.text, path, digest, functions=functions, origin=origin
                )
    except ParseError as err:
        error = Diagnostic(path, err.line, Severity.ERROR, err.code, err.message)
    except SyntaxError as err:
        # libcst accepts string literals Python rejects (e.g. "\N{no such name}"); they
        # fail only when evaluated.
        error = Diagnostic(
            path, _line_of(source, err), Severity.ERROR, "parse-error", f"syntax error: {err.msg}"
        )
    except RecursionError:
        # libcst's visitors and our helpers recurse once per level of the tree.
        error = Diagnostic(
            path,
            0,
            Severity.ERROR,
            "too-deep",
            "nested too deeply to analyze; simplify the deepest expression",
        )
    else:
        script = script if parsed.python2 is None else _as_python2(script, parsed.python2)
        script = _utf8_safe(script) if _has_surrogate(script) else script
        return _valid_metadata(script, parsed.text)
    return Script(path=path, framework=None, diagnostics=(error,), source_hash=digest)


#: action metadata key -> the ``Param`` fields that write it (what leaving it out clears)
_DROPPABLE: dict[str, tuple[str, ...]] = {
    "default": ("default",),
    "enum": ("enum",),
    "items": ("items_type", "items_enum", "items_items_type"),
    "minimum": ("minimum",),
    "maximum": ("maximum",),
    "minItems": ("min_items",),
    "maxItems": ("max_items",),
}


@functools.lru_cache(maxsize=4096)
def _problems_of(meta: str) -> tuple[tuple[str, str], ...]:
    """``validate.parameter_problems`` of one parameter definition (JSON text, Jinja-free:
    its name and its siblings' names do not matter). Most definitions repeat (``type:
    boolean, default: false``): each is checked once per process."""
    from voodoo.validate import parameter_problems

    return tuple(parameter_problems("p", json.loads(meta), frozenset()))


def _line_of_option(text: str | None, p: Param) -> int:
    """Where the script names ``p``'s option (or dest), quoted: the first such line; 0
    when it does not. (Found only for a diagnostic: ``Context.line_of`` for every
    parameter would cost a good part of the analysis.)"""
    if text is None:
        return 0
    for word in (p.emit.option, p.dest):
        for quote in ('"', "'"):
            at = text.find(f"{quote}{word}{quote}") if word else -1
            if at >= 0:
                return text.count("\n", 0, at) + 1
    return 0


def _valid_metadata(script: Script, text: str | None = None) -> Script:
    """``script`` with every value its actions' metadata could not hold and still pass
    ``voodoo validate`` (the checks StackStorm makes) left out, with a warning at the
    parameter's line: an empty default for ``nargs="+"`` (``minItems: 1``), optparse's
    ``default=False`` on a string option. Left out, the option is not passed and the
    script applies its own default, as when a person leaves it off."""
    from voodoo.stackstorm import parameter_metadata
    from voodoo.validate import parameter_problems

    notes: list[Diagnostic] = []

    def problems(
        name: str, meta: dict[str, object], declared: set[str]
    ) -> Iterable[tuple[str, str]]:
        data = json.dumps(
            {k: v for k, v in meta.items() if k != "description"},
            sort_keys=True,
            ensure_ascii=False,
        )
        if "{{" in data or "{%" in data:  # Jinja in a default: the names matter
            return parameter_problems(name, meta, declared)
        return _problems_of(data)

    def param(p: Param, declared: set[str]) -> Param:
        for _ in _DROPPABLE:
            if not any(getattr(p, f) is not None for fs in _DROPPABLE.values() for f in fs):
                break
            meta = parameter_metadata(p)
            bad = next(
                (
                    (key, message)
                    for key, message in problems(p.name, meta, declared)
                    if key in _DROPPABLE and key in meta
                ),
                None,
            )
            if bad is None:
                break
            key, message = bad
            value = json.dumps(meta[key], ensure_ascii=False, default=str)
            notes.append(
                Diagnostic(
                    script.path,
                    p.line or _line_of_option(text, p),
                    Severity.WARNING,
                    "invalid-metadata",
                    f"parameter '{p.name}': its {key} {value} would make the action invalid "
                    f"({message.removeprefix('does not fit the parameter: ')}): left out",
                )
            )
            cleared: dict[str, Any] = dict.fromkeys(_DROPPABLE[key])
            p = dataclasses.replace(p, **cleared)
        return p

    commands = []
    for c in script.commands:
        declared = {p.name for p in c.params}
        commands.append(dataclasses.replace(c, params=tuple(param(p, declared) for p in c.params)))
    if not notes:
        return script
    return dataclasses.replace(
        script, commands=tuple(commands), diagnostics=(*script.diagnostics, *notes)
    )


def _has_surrogate(value: object) -> bool:
    """True when a string in ``value`` (a Script, a tuple, ...) holds a lone surrogate
    (``"\\ud800"`` in the script's source), which no UTF-8 file can hold."""
    if isinstance(value, str):
        return not value.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, tuple):
        return any(_has_surrogate(v) for v in value)
    if dataclasses.is_dataclass(value):
        return any(_has_surrogate(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def _escaped(text: str | None) -> str | None:
    if text is None or not _has_surrogate(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _utf8_safe(script: Script) -> Script:
    """``script`` without lone surrogates, which the pack's UTF-8 files cannot hold: a
    default or a list of choices holding one is left out with a warning, documentation
    (help, descriptions, messages) shows it escaped. Anywhere else (a sub-command word, an
    option string) the file fails: its command line cannot be written down."""
    notes: list[Diagnostic] = []

    def param(p: Param) -> Param:
        changes: dict[str, Any] = {}
        for field in ("default", "enum", "items_enum"):
            if _has_surrogate(getattr(p, field)):
                changes[field] = None
                what = "its default holds" if field == "default" else "its choices hold"
                notes.append(
                    Diagnostic(
                        script.path,
                        p.line,
                        Severity.WARNING,
                        "not-utf8",
                        f"parameter '{p.name}': {what} a lone surrogate, which a UTF-8 file "
                        "cannot hold: left out",
                    )
                )
        return dataclasses.replace(
            p, description=_escaped(p.description), metavar=_escaped(p.metavar), **changes
        )

    commands = tuple(
        dataclasses.replace(
            c, description=_escaped(c.description), params=tuple(map(param, c.params))
        )
        for c in script.commands
    )
    diagnostics = tuple(
        dataclasses.replace(d, message=_escaped(d.message) or "") for d in script.diagnostics
    )
    safe = dataclasses.replace(
        script,
        commands=commands,
        description=_escaped(script.description),
        diagnostics=(*diagnostics, *notes),
    )
    if not _has_surrogate(safe):
        return safe
    error = Diagnostic(
        script.path,
        0,
        Severity.ERROR,
        "not-utf8",
        "a name, option or sub-command holds a lone surrogate (such as "
        "\\ud800), which a UTF-8 file cannot hold: its actions cannot be "
        "written",
    )
    return Script(
        path=script.path,
        framework=None,
        diagnostics=(*safe.diagnostics, error),
        source_hash=script.source_hash,
    )


def _analyze(
    module: cst.Module,
    text: str,
    path: str,
    digest: str,
    *,
    functions: bool,
    origin: str | None = None,
) -> Script:
    ctx = Context(module, path, text, origin)
    base = Script(
        path=path,
        framework=None,
        description=tidy(_first_paragraph(ctx.docstring)),
        imports=tuple(sorted(ctx.imports)),
        source_hash=digest,
    )
    analyzer, commands, diagnostics = _choose(ctx)
    framework = analyzer.name if analyzer is not None else None
    if analyzer is None and functions:
        framework, commands, diagnostics = analyze_unclaimed(ctx)
    extra: tuple[tuple[str, str], ...] = ()
    # a framework that found nothing and lost nothing (argparse imported but unused, a
    # parser without arguments): the script still runs, without a command line
    if not commands and (analyzer is None or all(d.severity is Severity.INFO for d in diagnostics)):
        plain = runnable(ctx, claimed=analyzer is not None)
        diagnostics = [*diagnostics, *plain.diagnostics]
        if plain.command is None or plain.kind is None:
            return dataclasses.replace(base, diagnostics=tuple(diagnostics))
        commands, framework, extra = [plain.command], _runnable.name, ((ENTRY_KEY, plain.kind),)
    if not commands:
        skipped = Diagnostic(path, 0, Severity.INFO, "no-cli", "no command line found, skipped")
        return dataclasses.replace(base, diagnostics=(*diagnostics, skipped))
    extra = (*extra, *((MOUNTED_KEY, mounted) for mounted in dict.fromkeys(ctx.mounted)))
    aliases = analyzer.variables(ctx) if analyzer is not None else {}
    commands = _password_secrets(ctx, commands, aliases, diagnostics)
    named = [
        _apply_naming(
            dataclasses.replace(command, description=tidy(command.description)), path, diagnostics
        )
        for command in commands
    ]
    return dataclasses.replace(
        base,
        framework=framework,
        commands=tuple(named),
        extra=extra,
        env_reads=_env_reads(ctx, diagnostics),
        # global parameters appear in every leaf: report each finding once
        diagnostics=tuple(dict.fromkeys(_once_per_script(diagnostics))),
    )


def analyze_file(
    path: str | os.PathLike[str],
    *,
    display_path: str | None = None,
    functions: bool = False,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Script:
    """Analyze the script at ``path``; diagnostics name it ``display_path`` (default: path).
    An unreadable file gives a Script with an ERROR diagnostic. ``functions``: as for
    ``analyze_source``."""
    shown = display_path if display_path is not None else os.fspath(path)
    try:
        size = os.stat(path).st_size
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR)
        # A huge file is refused without reading it (analyze_source checks the bytes again).
        source = read_regular(path) if size <= max_size else b""
    except OSError as err:
        message = f"cannot read file: {err.strerror or err}"
        error = Diagnostic(shown, 0, Severity.ERROR, "read-error", message)
        return Script(path=shown, framework=None, diagnostics=(error,))
    too_large = size_problem(size, max_size)
    if too_large is not None:
        error = Diagnostic(shown, 0, Severity.ERROR, "too-large", too_large)
        return Script(path=shown, framework=None, diagnostics=(error,))
    return analyze_source(
        source, shown, functions=functions, max_size=max_size, origin=os.fspath(path)
    )


def _choose(ctx: Context) -> tuple[Registered | None, list[Command], list[Diagnostic]]:
    """The first accepting analyzer (best first) that finds commands; with its notes."""
    accepted, notes = candidates(ctx)
    first: tuple[Registered | None, list[Command], list[Diagnostic]] = (None, [], [])
    for index, analyzer in enumerate(accepted):
        commands, diagnostics = analyzer.analyze(ctx)
        if index == 0:
            first = (analyzer, commands, diagnostics)
        if commands:
            return analyzer, commands, [*notes, *diagnostics]
        if not notes:
            break  # no choice was made: a file its framework finds no command in is skipped
    return first


def _password_secrets(
    ctx: Context, commands: list[Command], aliases: dict[str, str], diagnostics: list[Diagnostic]
) -> list[Command]:
    """mapping.md: a value read with getpass is a secret. A prompt tied to no parameter
    cannot be answered under StackStorm (no terminal): warn."""
    tied: set[str] = set()
    dests = {p.dest for c in commands for p in c.params}
    for read in password_reads(ctx):
        names = {aliases.get(n, n) for n in read.names} & dests
        if names:
            tied |= names
            continue
        diagnostics.append(
            ctx.diagnostic(
                read.node,
                Severity.WARNING,
                "password-prompt",
                "prompts for a password at run time; StackStorm has no terminal — add an "
                "option or use the pack config",
            )
        )
    if not tied:
        return commands
    return [
        dataclasses.replace(
            c,
            params=tuple(
                dataclasses.replace(p, secret=True) if p.dest in tied else p for p in c.params
            ),
        )
        for c in commands
    ]


def _env_reads(ctx: Context, diagnostics: list[Diagnostic]) -> tuple[str, ...]:
    """Environment variables the script reads outside parser defaults (configuration): one
    ``env-read`` note per variable, at its first read (the report shows them as one line
    per script unless asked for every note: ``report.shown_diagnostics``)."""
    first: dict[str, int] = {}
    for read in env_reads(ctx):
        if read.variable not in first:
            first[read.variable] = ctx.line_of(read.node)
    diagnostics.extend(
        Diagnostic(
            ctx.path, line, Severity.INFO, "env-read", f"reads environment variable {variable}"
        )
        for variable, line in first.items()
    )
    return tuple(sorted(first))


def _apply_naming(command: Command, path: str, diagnostics: list[Diagnostic]) -> Command:
    """mapping.md naming rules, in definition order: safe names, merged duplicates,
    runner-setting renames, secrets."""
    if is_shortened(command.name):
        diagnostics.append(
            Diagnostic(
                path,
                command.line,
                Severity.INFO,
                "name-shortened",
                f"the action name would be longer than {MAX_ACTION_NAME} characters (too long "
                f"for a file name): it is {command.name!r}",
            )
        )
    merged: dict[str, Param] = {}
    for param in command.params:
        name, replaced = param_name(param.name)
        if replaced:
            diagnostics.append(
                Diagnostic(
                    path,
                    param.line,
                    Severity.INFO,
                    "param-renamed",
                    f"parameter {param.dest!r} is named {name!r} "
                    "(only letters, digits and _ are allowed)",
                )
            )
        if name in merged:
            first = merged[name]
            merged[name] = dataclasses.replace(first, required=first.required or param.required)
            diagnostics.append(
                Diagnostic(
                    path,
                    param.line,
                    Severity.INFO,
                    "param-merged",
                    f"{param.dest!r} and {first.dest!r} share the parameter name "
                    f"{name!r}; the first one's definition is used",
                )
            )
            continue
        merged[name] = dataclasses.replace(param, name=name)
    params: list[Param] = []
    taken = set(merged)
    for name, param in merged.items():
        new = runner_rename(name, taken)
        if new != name:
            taken.add(new)
            why = reserved_reason(name) or "is a StackStorm runner setting"
            if why[:1] == "'":  # "'self' cannot be ...": the reason names the parameter
                why = why.split(" ", 1)[1]
            diagnostics.append(
                Diagnostic(
                    path,
                    param.line,
                    Severity.INFO,
                    "param-renamed",
                    f"parameter {name!r} {why}; the action calls it {new!r}"
                    " (the script still gets its own option)",
                )
            )
        params.append(_flag_fixes(dataclasses.replace(param, name=new)))
    return dataclasses.replace(command, params=tuple(params))


def _flag_fixes(param: Param) -> Param:
    """A boolean is never secret (``--set`` with ``dest="set_password"`` is a switch, not a
    password) and carries no ``enum: [true, false]`` (the type says it already)."""
    if param.type is not ParamType.BOOLEAN:
        secret = param.secret or is_secret_name(param.name) or is_secret_name(param.dest)
        return dataclasses.replace(param, secret=secret)
    enum = param.enum
    if enum is not None and {type(v) for v in enum} == {bool} and set(enum) == {True, False}:
        enum = None
    return dataclasses.replace(param, secret=False, enum=enum)


def _once_per_script(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Flags that can never change (``flag-always``) are one diagnostic per script, at the
    first one's line, listing them all."""
    fixed = list(dict.fromkeys(d for d in diagnostics if d.code == "flag-always"))
    if len(fixed) < 2:
        return diagnostics
    merged = dataclasses.replace(
        fixed[0],
        message=f"{len(fixed)} flags can never change: " + "; ".join(d.message for d in fixed),
    )
    return [
        merged if d is fixed[0] else d
        for d in diagnostics
        if d.code != "flag-always" or d is fixed[0]
    ]


def _as_python2(script: Script, conversion: Conversion) -> Script:
    """Mark a script analyzed through its Python 3 conversion; lines back to the file's."""
    at = conversion.original_line

    def command(c: Command) -> Command:
        params = tuple(dataclasses.replace(p, line=at(p.line)) for p in c.params)
        return dataclasses.replace(c, line=at(c.line), params=params)

    note = Diagnostic(
        script.path,
        0,
        Severity.INFO,
        "python2",
        f"parsed as Python 2, through its Python 3 conversion ({conversion.summary})",
    )
    return dataclasses.replace(
        script,
        python2=True,
        commands=tuple(command(c) for c in script.commands),
        diagnostics=(note, *(dataclasses.replace(d, line=at(d.line)) for d in script.diagnostics)),
    )


def _line_of(source: bytes, err: SyntaxError) -> int:
    """The line Python reports for the whole file (err's own line is inside a literal)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except SyntaxError as whole:
        return whole.lineno or 0
    except (ValueError, RecursionError, MemoryError):
        pass
    return 0


def _first_paragraph(docstring: str | None) -> str | None:
    if not docstring:
        return None
    first = docstring.strip().split("\n\n", 1)[0].strip()
    return first or None
