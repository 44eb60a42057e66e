"""How many example parameters voodoo infers exactly, per command-line style.

    python bench/accuracy.py

argparse and optparse scripts are compared with the parser objects the scripts really
build (run in this process with ``parse_args`` intercepted, as tests/fidelity.py does:
nothing after the parser call runs). A parameter is exact when voodoo found its dest
with the parser's default and required-ness, and a type that agrees with the parser's
(int -> integer, float -> number, flags -> boolean, counts -> integer, repeatable or
nargs -> array, else string). Other styles have no parser object to ask: their counts
are the parameters voodoo infers, and how many carry a WARNING (reported, not inferred).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import optparse
import runpy
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voodoo import py2  # noqa: E402
from voodoo.analysis import analyze_file  # noqa: E402
from voodoo.model import Param, Severity, thaw  # noqa: E402

EXAMPLES = ROOT / "examples" / "legacy_scripts"


class _Built(Exception):
    def __init__(self, parser: object) -> None:
        self.parser = parser


def _real_parser(script: Path) -> object:
    """The parser the script parses with (its first ``parse_args`` call)."""

    def stop(self: object, *args: Any, **kwargs: Any) -> Any:
        raise _Built(self)

    with (
        mock.patch.object(argparse.ArgumentParser, "parse_args", stop),
        mock.patch.object(optparse.OptionParser, "parse_args", stop),
        mock.patch.object(sys, "argv", [str(script)]),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        sys.path.insert(0, str(script.parent))
        try:
            with tempfile.TemporaryDirectory() as tmp:
                runpy.run_path(_runnable(script, Path(tmp)), run_name="__main__")
        except _Built as built:
            return built.parser
        finally:
            sys.path.remove(str(script.parent))
    raise RuntimeError(f"{script.name} never parsed")


def _runnable(script: Path, tmp: Path) -> str:
    """The script itself, or for a Python 2 script its Python 3 conversion (what the pack
    runs); only a benchmark does this, never voodoo's analysis."""
    source = script.read_bytes()
    if py2.is_python3(source):
        return str(script)
    converted, _ = py2.convert_source(source, str(script))
    copy = tmp / script.name
    copy.write_bytes(converted)
    return str(copy)


def _json(value: object) -> object:
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


def _argparse_type(action: argparse.Action) -> str:
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction
                  | argparse.BooleanOptionalAction):
        return "boolean"
    if isinstance(action, argparse._CountAction):
        return "integer"
    if isinstance(action, argparse._AppendAction | argparse._AppendConstAction
                  | argparse._ExtendAction) or action.nargs not in (None, "?", 0):
        return "array"
    if isinstance(action, argparse._StoreConstAction):
        return {bool: "boolean", int: "integer", float: "number"}.get(type(action.const),
                                                                       "string")
    return {int: "integer", float: "number"}.get(action.type, "string")  # type: ignore[call-overload]


def _argparse_leaves(parser: argparse.ArgumentParser,
                     chain: list[argparse.ArgumentParser]) -> list[list[argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [chain]
    out: list[list[argparse.ArgumentParser]] = []
    seen: set[int] = set()
    for child in subs[0].choices.values():
        if id(child) not in seen:  # aliases share one parser
            seen.add(id(child))
            out.extend(_argparse_leaves(child, [*chain, child]))
    return out


def _expected_argparse(parser: argparse.ArgumentParser) -> list[dict[str, dict[str, object]]]:
    leaves = []
    for chain in _argparse_leaves(parser, [parser]):
        wanted: dict[str, dict[str, object]] = {}
        for level in chain:
            for action in level._actions:
                if isinstance(action, argparse._HelpAction | argparse._VersionAction
                              | argparse._SubParsersAction):
                    continue
                default = level.get_default(action.dest)
                if default is argparse.SUPPRESS:
                    default = None
                if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
                    default = bool(default)
                if isinstance(default, str) and action.type in (int, float):
                    default = action.type(default)  # as argparse converts it at parse time
                wanted[action.dest] = {"type": _argparse_type(action),
                                       "default": _json(default),
                                       "required": bool(action.required)}
        leaves.append(wanted)
    return leaves


def _expected_optparse(parser: optparse.OptionParser) -> list[dict[str, dict[str, object]]]:
    wanted: dict[str, dict[str, object]] = {}
    options = [*parser.option_list, *(o for g in parser.option_groups for o in g.option_list)]
    for option in options:
        if option.action in ("help", "version") or option.dest is None:
            continue
        if option.action in ("store_true", "store_false"):
            ptype = "boolean"
        elif option.action == "count":
            ptype = "integer"
        elif option.action == "append" or (option.nargs or 1) > 1:
            ptype = "array"
        else:
            ptype = {"int": "integer", "long": "integer", "float": "number"}.get(
                option.type or "", "string")
        default = parser.defaults.get(option.dest)
        wanted[option.dest] = {"type": ptype, "default": _json(default), "required": False}
    return [wanted]


def _got(param: Param) -> dict[str, object]:
    return {"type": param.type.value if param.type else None,
            "default": thaw(param.default), "required": param.required}


def _compare(script: Path) -> tuple[int, int, list[str]]:
    analyzed = analyze_file(script)
    parser = _real_parser(script)
    if isinstance(parser, argparse.ArgumentParser):
        leaves = _expected_argparse(parser)
    else:
        assert isinstance(parser, optparse.OptionParser)
        leaves = _expected_optparse(parser)
    exact, total, misses = 0, 0, []
    for wanted, command in zip(leaves, analyzed.commands, strict=True):
        by_dest = {p.dest: p for p in command.params}
        for dest, want in wanted.items():
            total += 1
            param = by_dest.get(dest)
            got = _got(param) if param is not None else None
            if got == want:
                exact += 1
            else:
                misses.append(f"{script.name}:{command.name}:{dest}: want {want}, got {got}")
    return exact, total, misses


def main() -> int:
    rows: dict[str, list[int]] = {}
    notes: list[str] = []
    for script in sorted(EXAMPLES.glob("*.py")):
        analyzed = analyze_file(script)
        style = analyzed.framework
        if style is None:
            continue
        row = rows.setdefault(style, [0, 0, 0, 0])
        row[3] += 1
        if style in ("argparse", "optparse"):
            exact, total, misses = _compare(script)
            notes += misses
        else:
            params = [p for c in analyzed.commands for p in c.params]
            warned = {d.line for d in analyzed.diagnostics if d.severity is Severity.WARNING}
            total = len(params)
            exact = sum(1 for p in params if p.line not in warned or not p.line)
        row[0] += exact
        row[1] += total
    print("| style | scripts | parameters | exact | how checked |")
    print("|---|---|---|---|---|")
    for style, (exact, total, _, scripts) in sorted(rows.items()):
        how = ("real parser objects" if style in ("argparse", "optparse")
               else "inferred, minus those with a WARNING")
        print(f"| {style} | {scripts} | {total} | {exact} | {how} |")
    for note in notes:
        print(f"  miss: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
