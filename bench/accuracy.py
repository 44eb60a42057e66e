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
import types
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
    return {int: "integer", float: "number"}.get(_converted(action.type), "string")


def _converted(kind: object) -> object:
    """int/float, or what a script's own type function turns "1" into (``positive_int``)."""
    if kind in (int, float) or not isinstance(kind, types.FunctionType):
        return kind
    try:
        return type(kind("1"))
    except Exception:
        return kind


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
                if "--help" in action.option_strings or action.dest == "help":
                    continue  # the script's own help option (add_help=False)
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
    print()
    print(_cases_table())
    return 0


def _params(script: str, command: int = 0) -> dict[str, Param]:
    return {p.name: p for p in analyze_file(EXAMPLES / script).commands[command].params}


def _codes(script: str) -> list[str]:
    return [d.code for d in analyze_file(EXAMPLES / script).diagnostics]


def _ingested_codes(script: str) -> list[str]:
    """The codes ``voodoo ingest`` reports for one example (a dry run in a temp folder)."""
    from voodoo.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        result = ingest([EXAMPLES / script], Path(tmp) / "pack", dry_run=True)
    return [d.code for f in result.files for d in f.diagnostics]


def _refuses_none_and_two() -> bool:
    from voodoo.runtime.voodoo_runtime import one_of_problem
    from voodoo.wrapper import spec_for

    spec = spec_for(analyze_file(EXAMPLES / "spacewalk_inventory.py").commands[0], "s.py")
    return (one_of_problem(spec, {}) is not None
            and one_of_problem(spec, {"list": True, "host": "web1"}) is not None
            and one_of_problem(spec, {"host": "web1"}) is None)


#: issue 17's cases, each checked against what a person reading the example knows
_CASES: list[tuple[str, str, str, Any]] = [
    ("1 no command line, __main__ block", "check_quota.py", "one action, no parameters",
     lambda: [len(c.params) for c in analyze_file(EXAMPLES / "check_quota.py").commands]
     == [0]),
    ("1 library with a #! line", "netutils.py", "no action, nothing-runs warning",
     lambda: not analyze_file(EXAMPLES / "netutils.py").commands
     and "nothing-runs" in _codes("netutils.py")),
    ("2 sys.argv --list / --host", "inventory_hosts.py", "argv1, argv2 optional; enum",
     lambda: (not _params("inventory_hosts.py")["argv1"].required
              and not _params("inventory_hosts.py")["argv2"].required
              and _params("inventory_hosts.py")["argv1"].enum == ("--list", "--host"))),
    ("3 required exclusive group", "spacewalk_inventory.py",
     "members optional, said, refused at run time",
     lambda: (not _params("spacewalk_inventory.py")["list"].required
              and "one of --list, --host is required"
              in (_params("spacewalk_inventory.py")["host"].description or "")
              and _refuses_none_and_two())),
    ("4 type=positive_int", "bpf_pages.py", "integer 16384, integer 10",
     lambda: [(p.type.value if p.type else None, p.default)
              for n, p in _params("bpf_pages.py").items() if n in ("buffer_pages", "duration")]
     == [("integer", 16384), ("integer", 10)]),
    ("5 help from % and .format", "spacewalk_inventory.py", "both resolved",
     lambda: "Defaults to /var/cache" in (_params("spacewalk_inventory.py")["cache_dir"]
                                          .description or "")
     and "(default 300)" in (_params("spacewalk_inventory.py")["cache_ttl"].description or "")),
    ("5 title underline, own -h", "spacewalk_inventory.py", "no '===', no help parameter",
     lambda: "=" not in (analyze_file(EXAMPLES / "spacewalk_inventory.py").description or "=")
     and "help" not in _params("spacewalk_inventory.py")),
    ("6 --set dest=set_password", "bpf_pages.py", "boolean, not secret",
     lambda: not _params("bpf_pages.py")["set_password"].secret),
    ("6 two flags fixed True", "bpf_pages.py", "one flag-always warning",
     lambda: _codes("bpf_pages.py").count("flag-always") == 1),
    ("7 getattr do_* dispatch", "nova_ops.py", "enum list, show, evacuate",
     lambda: _params("nova_ops.py")["command"].enum == ("list", "show", "evacuate")),
    ("8 three env reads", "nova_ops.py", "one env-read line",
     lambda: _codes("nova_ops.py").count("env-read") == 1),
    ("8 Python 2 script", "check_disk_usage.py", "one python2 note after ingest",
     lambda: _ingested_codes("check_disk_usage.py").count("python2") == 1),
    ("9 add = parser.add_argument", "chaos_inject.py", "4 parameters, --target required",
     lambda: len(_params("chaos_inject.py")) == 4 and _params("chaos_inject.py")["target"]
     .required),
    ("9 choices from Enum / dict", "chaos_inject.py", "both enums",
     lambda: _params("chaos_inject.py")["level"].enum == ("low", "medium", "high")
     and _params("chaos_inject.py")["scenario"].enum == ("latency", "errors", "kill")),
    ("9 click cls=AliasedGroup", "text_tools.py", "2 commands, default 'upper'",
     lambda: len(analyze_file(EXAMPLES / "text_tools.py").commands) == 2
     and _params("text_tools.py")["transformation"].default == "upper"),
    ("9 fire.Fire(Widget())", "paint_widget.py", "2 actions",
     lambda: len(analyze_file(EXAMPLES / "paint_widget.py").commands) == 2),
    ("9 typer default_factory, list", "greet_team.py", "name optional, teams default",
     lambda: not _params("greet_team.py")["name"].required
     and _params("greet_team.py")["teams"].default == ("ops", "sre")),
]


def _cases_table() -> str:
    """One row per case of issue 17 (shapes seen in real ops repositories)."""
    rows = ["| case | example | expected | result |", "|---|---|---|---|"]
    for case, script, expected, check in _CASES:
        try:
            found = bool(check())
        except (KeyError, IndexError, AttributeError, ImportError):
            found = False  # the parameter, command or function is not there at all
        rows.append(f"| {case} | `{script}` | {expected} | {'ok' if found else 'MISS'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
