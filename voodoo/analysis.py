"""The analysis API: one file's bytes -> a ``Script``. Never imports or runs the file.

``analyze_source`` (bytes or text) and ``analyze_file`` (a path) are layered: most callers
and tests never touch the disk. Bad input becomes an ERROR diagnostic, not an exception.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import warnings
from pathlib import Path

from voodoo.analyzers import Context, detect, functions_
from voodoo.errors import ParseError
from voodoo.limits import DEFAULT_MAX_SIZE, size_problem
from voodoo.model import Command, Diagnostic, Param, Script, Severity
from voodoo.naming import is_secret_name, param_name, runner_rename
from voodoo.parse import parse_module

__all__ = ["analyze_file", "analyze_source"]


def analyze_source(code: str | bytes, path: str = "<string>", *,
                   functions: bool = False, max_size: int = DEFAULT_MAX_SIZE) -> Script:
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
            return _analyze(source, path, digest, functions=functions)
    except ParseError as err:
        error = Diagnostic(path, err.line, Severity.ERROR, "parse-error", err.message)
    except SyntaxError as err:
        # libcst accepts string literals Python rejects (e.g. "\N{no such name}"); they
        # fail only when evaluated.
        error = Diagnostic(path, _line_of(source, err), Severity.ERROR, "parse-error",
                           f"syntax error: {err.msg}")
    except RecursionError:
        # libcst's visitors and our helpers recurse once per level of the tree.
        error = Diagnostic(path, 0, Severity.ERROR, "too-deep",
                           "nested too deeply to analyze; simplify the deepest expression")
    return Script(path=path, framework=None, diagnostics=(error,), source_hash=digest)


def _analyze(source: bytes, path: str, digest: str, *, functions: bool) -> Script:
    module = parse_module(source, path)
    ctx = Context(module, path, _decoded(source, module.encoding))
    base = Script(
        path=path,
        framework=None,
        description=_first_paragraph(ctx.docstring),
        imports=tuple(sorted(ctx.imports)),
        source_hash=digest,
    )
    analyzer = detect(ctx)
    commands: list[Command] = []
    diagnostics: list[Diagnostic] = []
    if analyzer is not None:
        commands, diagnostics = analyzer.analyze(ctx)
    elif functions:
        commands, diagnostics = functions_.analyze_module(ctx)
    if not commands:
        skipped = Diagnostic(path, 0, Severity.INFO, "no-cli", "no command line found, skipped")
        return dataclasses.replace(base, diagnostics=(*diagnostics, skipped))
    named = [_apply_naming(command, path, diagnostics) for command in commands]
    return dataclasses.replace(
        base,
        framework=analyzer.name if analyzer is not None else functions_.name,
        commands=tuple(named),
        # global parameters appear in every leaf: report each finding once
        diagnostics=tuple(dict.fromkeys(diagnostics)),
    )


def analyze_file(path: str | os.PathLike[str], *, display_path: str | None = None,
                 functions: bool = False, max_size: int = DEFAULT_MAX_SIZE) -> Script:
    """Analyze the script at ``path``; diagnostics name it ``display_path`` (default: path).
    An unreadable file gives a Script with an ERROR diagnostic. ``functions``: as for
    ``analyze_source``."""
    shown = display_path if display_path is not None else os.fspath(path)
    try:
        size = os.stat(path).st_size
        # A huge file is refused without reading it (analyze_source checks the bytes again).
        source = Path(path).read_bytes() if size <= max_size else b""
    except OSError as err:
        message = f"cannot read file: {err.strerror or err}"
        error = Diagnostic(shown, 0, Severity.ERROR, "read-error", message)
        return Script(path=shown, framework=None, diagnostics=(error,))
    too_large = size_problem(size, max_size)
    if too_large is not None:
        error = Diagnostic(shown, 0, Severity.ERROR, "too-large", too_large)
        return Script(path=shown, framework=None, diagnostics=(error,))
    return analyze_source(source, shown, functions=functions, max_size=max_size)


def _apply_naming(command: Command, path: str, diagnostics: list[Diagnostic]) -> Command:
    """mapping.md naming rules, in definition order: safe names, merged duplicates,
    runner-setting renames, secrets."""
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
            diagnostics.append(
                Diagnostic(
                    path,
                    param.line,
                    Severity.INFO,
                    "param-renamed",
                    f"parameter {name!r} is a StackStorm runner setting; "
                    f"the action calls it {new!r}",
                )
            )
        secret = param.secret or is_secret_name(new) or is_secret_name(param.dest)
        params.append(dataclasses.replace(param, name=new, secret=secret))
    return dataclasses.replace(command, params=tuple(params))


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


def _decoded(source: bytes, encoding: str) -> str | None:
    try:
        return source.decode(encoding)
    except (LookupError, UnicodeDecodeError):  # parse_module already checked; be safe
        return None


def _first_paragraph(docstring: str | None) -> str | None:
    if not docstring:
        return None
    first = docstring.strip().split("\n\n", 1)[0].strip()
    return first or None
