"""One renderer per command-line style: a script's spec -> its source text.

Every generated script only prints what it would do (JSON or text) and exits; none reads
the network or writes files, so the import-based measurement can safely run them with
``--help``. Each renderer returns ``(head, tail)``: the generator puts padding between.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field


class Style(enum.StrEnum):
    ARGPARSE = "argparse"
    CLICK = "click"
    OPTPARSE = "optparse"
    GETOPT = "getopt"
    DOCOPT = "docopt"
    FIRE = "fire"
    SYS_ARGV = "sys.argv"
    FUNCTIONS = "functions"
    TYPER = "typer"
    NO_ARGS = "no arguments"


#: Styles a Python 2 script is written in (the others did not exist or were not used then).
PY2_STYLES = (Style.ARGPARSE, Style.OPTPARSE, Style.GETOPT, Style.SYS_ARGV)


@dataclass(frozen=True, slots=True)
class Opt:
    name: str  #: Python identifier (argparse dest, click/fire parameter name)
    flag: str  #: long option string
    short: str | None  #: short option letter
    kind: str  #: str, int, float, flag, choice, append, count
    default: object
    help: str
    choices: tuple[str, ...] = ()


OPTIONS: tuple[Opt, ...] = (
    Opt("dry_run", "--dry-run", "n", "flag", False, "print what would be done and exit"),
    Opt("timeout", "--timeout", "t", "int", 30, "seconds to wait for the NOUN to settle"),
    Opt("retries", "--retries", "r", "int", 3, "attempts before giving up"),
    Opt("env", "--env", "e", "choice", "staging", "target environment",
        ("dev", "staging", "prod")),
    Opt("region", "--region", None, "choice", "eu-west-1", "cloud region",
        ("eu-west-1", "eu-central-1", "us-east-1")),
    Opt("verbose", "--verbose", "v", "count", 0, "more logging (repeat for debug)"),
    Opt("batch_size", "--batch-size", "b", "int", 50, "NOUNs per API call"),
    Opt("threshold", "--threshold", None, "float", 0.8, "alert above this ratio"),
    Opt("output", "--output", "o", "str", "-", "write the report here, - for stdout"),
    Opt("fmt", "--format", "f", "choice", "text", "report format", ("text", "json", "csv")),
    Opt("tags", "--tag", None, "append", None, "KEY=VALUE tag, repeatable"),
    Opt("force", "--force", None, "flag", False, "skip the safety checks"),
    Opt("user", "--user", "u", "str", "ops", "remote user"),
    Opt("since", "--since", None, "str", "1h", "only look at the last DURATION"),
    Opt("limit", "--limit", "l", "int", 100, "stop after this many NOUNs"),
    Opt("config", "--config", "c", "str", "/etc/ops/NOUN.json", "config file"),
    Opt("exclude", "--exclude", "x", "append", None, "skip this NOUN, repeatable"),
    Opt("concurrency", "--concurrency", "j", "int", 4, "parallel workers"),
    Opt("wait", "--wait", "w", "float", 2.5, "seconds between steps"),
    Opt("datacenter", "--datacenter", "d", "choice", "ams1", "datacenter",
        ("ams1", "fra2", "iad1")),
    Opt("api_token", "--api-token", None, "str", None, "API token, default from OPS_API_TOKEN"),
    Opt("quiet", "--quiet", "q", "flag", False, "only print errors"),
)

SUBCOMMANDS = ("list", "show", "create", "delete", "drain", "enable", "disable", "status",
               "promote", "rollback", "sync")


@dataclass(slots=True)
class Sub:
    name: str
    help: str
    opts: list[Opt]


@dataclass(slots=True)
class Spec:
    """Everything a renderer needs to write one script."""

    stem: str
    style: Style
    py2: bool
    noun: str
    title: str
    paragraph: str
    description: str
    opts: list[Opt]
    positional: str | None
    subs: list[Sub] = field(default_factory=list)
    helper_imports: list[str] = field(default_factory=list)
    helper_names: list[str] = field(default_factory=list)
    doc_as_description: bool = False  #: argparse ``description=__doc__``
    constants: bool = False  #: defaults through module-level constants


def _help(o: Opt, noun: str) -> str:
    return o.help.replace("NOUN", noun)


def _default(o: Opt, noun: str) -> object:
    return o.default.replace("NOUN", noun) if isinstance(o.default, str) else o.default


def _out(expr: str, py2: bool, err: bool = False) -> str:
    if py2:
        return f"print >>sys.stderr, {expr}" if err else f"print {expr}"
    return f"print({expr}, file=sys.stderr)" if err else f"print({expr})"


def _except(exc: str, name: str, py2: bool) -> str:
    return f"except {exc}, {name}:" if py2 else f"except {exc} as {name}:"


def _const_name(o: Opt) -> str:
    return f"DEFAULT_{o.name.upper()}"


def header(spec: Spec, imports: list[str]) -> str:
    shebang = "#!/usr/bin/env python" if spec.py2 else "#!/usr/bin/env python3"
    lines = [shebang, f'"""{spec.title}', "", spec.paragraph, '"""']
    lines += ["import json", "import logging", "import os", "import re", "import sys",
              "import time"]
    lines += imports
    lines += spec.helper_imports
    lines.append("")
    if spec.constants:
        every = spec.opts + [o for s in spec.subs for o in s.opts]
        numeric = {o.name: o for o in every if o.kind in ("int", "float")}
        lines += [f"{_const_name(o)} = {o.default!r}" for o in numeric.values()]
    lines.append(f'log = logging.getLogger("{spec.stem}")')
    return "\n".join(lines) + "\n"


def _helper_use(spec: Spec, indent: str) -> list[str]:
    return [f'{indent}log.debug("helpers: %s", {n}.__name__)' for n in spec.helper_names]


def _main_guard(call: str = "sys.exit(main())") -> str:
    return f'\n\n\nif __name__ == "__main__":\n    {call}\n'


# -- argparse -------------------------------------------------------------------------------

def _argparse_add(o: Opt, target: str, spec: Spec, rng: random.Random) -> str:
    flags = f'"-{o.short}", "{o.flag}"' if o.short and rng.random() < 0.5 else f'"{o.flag}"'
    parts = [flags]
    if o.flag.lstrip("-").replace("-", "_") != o.name:
        parts.append(f'dest="{o.name}"')
    default = _const_name(o) if spec.constants and o.kind in ("int", "float") else None
    help_text = _help(o, spec.noun)
    if o.kind == "flag":
        parts.append('action="store_true"')
    elif o.kind == "count":
        parts += ['action="count"', "default=0"]
    elif o.kind == "append":
        parts.append('action="append"')
    elif o.kind == "choice":
        parts += [f"choices={list(o.choices)!r}", f"default={o.default!r}"]
        help_text += " (default: %(default)s)"
    elif o.kind in ("int", "float"):
        parts += [f"type={o.kind}", f"default={default or repr(o.default)}"]
        help_text += " (default: %(default)s)"
    elif o.default is None:
        parts.append('default=os.environ.get("OPS_API_TOKEN")')
    else:
        parts.append(f"default={_default(o, spec.noun)!r}")
    parts.append(f'help="{help_text}"')
    return f"    {target}.add_argument({', '.join(parts)})"


def argparse_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    desc = "__doc__" if spec.doc_as_description else f'"{spec.description}"'
    lines = ["", "", "def build_parser():",
             f"    parser = argparse.ArgumentParser(description={desc})"]
    if spec.positional:
        lines.append(f'    parser.add_argument("{spec.positional}", '
                     f'help="the {spec.noun} to act on")')
    lines += [_argparse_add(o, "parser", spec, rng) for o in spec.opts]
    if spec.subs:
        lines.append('    sub = parser.add_subparsers(dest="command", metavar="COMMAND")')
        lines.append("    sub.required = True")
        for s in spec.subs:
            var = f"p_{s.name}"
            lines.append(f'    {var} = sub.add_parser("{s.name}", help="{s.help}")')
            lines += [_argparse_add(o, var, spec, rng) for o in s.opts]
            lines.append(f"    {var}.set_defaults(func=cmd_{s.name})")
    lines.append("    return parser")
    for s in spec.subs:
        lines += ["", "", f"def cmd_{s.name}(args):",
                  f'    """{s.help}."""',
                  f'    return {{"command": "{s.name}", "{spec.noun}": vars(args)}}']
    lines += ["", "", "def main(argv=None):", "    args = build_parser().parse_args(argv)",
              "    logging.basicConfig(level=logging.INFO)"]
    lines += _helper_use(spec, "    ")
    lines += ["    try:"]
    if spec.subs:
        lines.append("        plan = args.func(args)")
    else:
        lines.append(f'        plan = {{"script": "{spec.stem}", "args": vars(args)}}')
    lines += [f"    {_except('ValueError', 'exc', spec.py2)}",
              "        " + _out('"error: %s" % exc', spec.py2, err=True),
              "        return 2",
              "    " + _out("json.dumps(plan, indent=2, sort_keys=True, default=str)",
                            spec.py2),
              "    return 0"]
    return header(spec, ["import argparse"]), "\n".join(lines) + _main_guard()


# -- click ----------------------------------------------------------------------------------

def _click_option(o: Opt, spec: Spec) -> str:
    derived = o.flag.lstrip("-").replace("-", "_")
    decl = f'"-{o.short}", "{o.flag}"' if o.short else f'"{o.flag}"'
    if derived != o.name:
        decl += f', "{o.name}"'
    parts = [decl]
    if o.kind == "flag":
        parts.append("is_flag=True")
    elif o.kind == "count":
        parts.append("count=True")
    elif o.kind == "append":
        parts.append("multiple=True")
    elif o.kind == "choice":
        parts += [f"type=click.Choice({list(o.choices)!r})", f"default={o.default!r}",
                  "show_default=True"]
    elif o.kind in ("int", "float"):
        parts += [f"type={o.kind}", f"default={o.default!r}", "show_default=True"]
    elif o.default is None:
        parts.append('envvar="OPS_API_TOKEN"')
    else:
        parts.append(f"default={_default(o, spec.noun)!r}")
    parts.append(f'help="{_help(o, spec.noun)}"')
    return f"@click.option({', '.join(parts)})"


def click_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    lines = ["", ""]
    params = [o.name for o in spec.opts]
    if spec.subs:
        lines.append("@click.group()")
        lines += [_click_option(o, spec) for o in spec.opts]
        lines += ["@click.pass_context", f"def cli(ctx, {', '.join(params)}):"
                  if params else "def cli(ctx):",
                  f'    """{spec.description}"""',
                  "    ctx.obj = dict(" + ", ".join(f"{p}={p}" for p in params) + ")"]
        for s in spec.subs:
            sub_params = [o.name for o in s.opts]
            lines += ["", "", f'@cli.command("{s.name}")']
            lines += [_click_option(o, spec) for o in s.opts]
            lines += ["@click.pass_obj",
                      f"def {s.name}_cmd(obj, {', '.join(sub_params)}):"
                      if sub_params else f"def {s.name}_cmd(obj):",
                      f'    """{s.help}."""',
                      f'    plan = {{"command": "{s.name}", "global": obj}}']
            lines += [f'    plan["{p}"] = {p}' for p in sub_params]
            lines.append("    click.echo(json.dumps(plan, indent=2, sort_keys=True))")
        guard = "cli()"
    else:
        lines.append("@click.command()")
        if spec.positional:
            lines.append(f'@click.argument("{spec.positional}")')
            params.insert(0, spec.positional)
        lines += [_click_option(o, spec) for o in spec.opts]
        lines += [f"def main({', '.join(params)}):", f'    """{spec.description}"""']
        lines += _helper_use(spec, "    ")
        lines.append(f'    plan = {{"script": "{spec.stem}"}}')
        lines += [f'    plan["{p}"] = {p}' for p in params]
        lines.append("    click.echo(json.dumps(plan, indent=2, sort_keys=True))")
        guard = "main()"
    return header(spec, ["import click"]), "\n".join(lines) + _main_guard(guard)


# -- optparse -------------------------------------------------------------------------------

def _optparse_add(o: Opt, spec: Spec) -> str:
    flags = f'"-{o.short}", "{o.flag}"' if o.short else f'"{o.flag}"'
    parts = [flags, f'dest="{o.name}"']
    help_text = _help(o, spec.noun)
    if o.kind == "flag":
        parts += ['action="store_true"', "default=False"]
    elif o.kind == "count":
        parts += ['action="count"', "default=0"]
    elif o.kind == "append":
        parts += ['action="append"', "default=[]"]
    elif o.kind == "choice":
        parts += ['type="choice"', f"choices={list(o.choices)!r}", f"default={o.default!r}"]
        help_text += " [default: %default]"
    elif o.kind in ("int", "float"):
        parts += [f'type="{o.kind}"', f"default={o.default!r}"]
        help_text += " [default: %default]"
    elif o.default is None:
        parts.append('default=os.environ.get("OPS_API_TOKEN")')
    else:
        parts.append(f"default={_default(o, spec.noun)!r}")
    parts.append(f'help="{help_text}"')
    return f"    parser.add_option({', '.join(parts)})"


def optparse_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    usage = "%prog [options]" + (f" {spec.positional.upper()}" if spec.positional else "")
    lines = ["", "", "def make_parser():",
             f'    parser = OptionParser(usage="{usage}", description="{spec.description}")']
    lines += [_optparse_add(o, spec) for o in spec.opts]
    lines += ["    return parser", "", "", "def main():",
              "    parser = make_parser()", "    (options, args) = parser.parse_args()"]
    if spec.positional:
        lines += ["    if len(args) != 1:",
                  f'        parser.error("expected exactly one {spec.positional.upper()}")']
    lines += _helper_use(spec, "    ")
    lines += [f'    plan = {{"script": "{spec.stem}", "options": vars(options), "args": args}}',
              "    " + _out("json.dumps(plan, indent=2, sort_keys=True)", spec.py2),
              "    return 0"]
    return header(spec, ["from optparse import OptionParser"]), "\n".join(lines) + _main_guard()


# -- getopt ---------------------------------------------------------------------------------

def getopt_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    shorts = "h"
    longs = ['"help"']
    for o in spec.opts:
        takes = o.kind not in ("flag", "count")
        if o.short:
            shorts += o.short + (":" if takes else "")
        longs.append(f'"{o.flag[2:]}{"=" if takes else ""}"')
    usage = " ".join(f"[{o.flag}{'' if o.kind in ('flag', 'count') else ' VALUE'}]"
                     for o in spec.opts)
    pos = spec.positional.upper() if spec.positional else ""
    lines = ["", "", f'USAGE = "usage: %s [-h] {usage} {pos}".rstrip()', "", "",
             "def usage():", "    " + _out("USAGE % os.path.basename(sys.argv[0])", spec.py2),
             "", "", "def main(argv):"]
    for o in spec.opts:
        init = {"flag": "False", "count": "0", "append": "[]"}.get(o.kind)
        if init is None:
            init = ('os.environ.get("OPS_API_TOKEN")' if o.default is None
                    else repr(_default(o, spec.noun)))
        lines.append(f"    {o.name} = {init}")
    lines += ["    try:",
              f'        opts, args = getopt.getopt(argv, "{shorts}", [{", ".join(longs)}])',
              f"    {_except('getopt.GetoptError', 'err', spec.py2)}",
              "        " + _out("str(err)", spec.py2, err=True),
              "        usage()",
              "        return 2",
              "    for opt, val in opts:",
              '        if opt in ("-h", "--help"):',
              "            usage()",
              "            return 0"]
    for o in spec.opts:
        names = f'("-{o.short}", "{o.flag}")' if o.short else f'("{o.flag}",)'
        lines.append(f"        elif opt in {names}:")
        if o.kind == "flag":
            lines.append(f"            {o.name} = True")
        elif o.kind == "count":
            lines.append(f"            {o.name} += 1")
        elif o.kind == "append":
            lines.append(f"            {o.name}.append(val)")
        elif o.kind in ("int", "float"):
            lines.append(f"            {o.name} = {o.kind}(val)")
        else:
            lines.append(f"            {o.name} = val")
            if o.kind == "choice":
                lines += [f"            if {o.name} not in {o.choices!r}:",
                          "                usage()",
                          "                return 2"]
    if spec.positional:
        lines += ["    if len(args) != 1:", "        usage()", "        return 2"]
    lines += _helper_use(spec, "    ")
    names = ", ".join(f'"{o.name}": {o.name}' for o in spec.opts)
    lines += [f'    plan = {{"script": "{spec.stem}", "args": args, {names}}}',
              "    " + _out("json.dumps(plan, indent=2, sort_keys=True)", spec.py2),
              "    return 0"]
    return header(spec, ["import getopt"]), "\n".join(lines) + _main_guard(
        "sys.exit(main(sys.argv[1:]))")


# -- docopt ---------------------------------------------------------------------------------

def docopt_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    prog = spec.stem + ".py"
    pos = f" <{spec.positional}>" if spec.positional else ""
    usage = [f"  {prog} {s.name} [options]{pos}" for s in spec.subs] or [
        f"  {prog} [options]{pos}"]
    usage.append(f"  {prog} (-h | --help)")
    rows = [("-h --help", "Show this screen.")]
    for o in spec.opts:
        left = f"-{o.short} {o.flag}" if o.short else o.flag
        text = _help(o, spec.noun).capitalize() + "."
        if o.kind not in ("flag", "count"):
            left += f"=<{o.name}>"
            default = _default(o, spec.noun)
            if default is not None:
                text += f" [default: {default}]"
        rows.append((left, text))
    width = max(len(left) for left, _ in rows) + 2
    opts = [f"  {left.ljust(width)}{text}" for left, text in rows]
    doc = "\n".join([spec.description, "", "Usage:", *usage, "", "Options:", *opts])
    # The docstring *is* the command line, so it replaces the usual module docstring.
    head = header(spec, ["from docopt import docopt"]).replace(
        f'"""{spec.title}\n\n{spec.paragraph}\n"""', f'"""{doc}\n"""', 1)
    lines = ["", "", "def main():", '    args = docopt(__doc__, version="1.0")']
    lines += _helper_use(spec, "    ")
    lines += [f'    plan = {{"script": "{spec.stem}", "args": args}}',
              "    print(json.dumps(plan, indent=2, sort_keys=True))", "    return 0"]
    return head, "\n".join(lines) + _main_guard()


# -- fire -----------------------------------------------------------------------------------

def _fire_signature(opts: list[Opt], positional: str | None, noun: str) -> str:
    params = [positional] if positional else []
    for o in opts:
        default = {"flag": False, "count": 0, "append": None}.get(o.kind, _default(o, noun))
        params.append(f"{o.name}={default!r}")
    return ", ".join(params)


def _fire_doc(summary: str, opts: list[Opt], positional: str | None, noun: str,
              indent: str) -> list[str]:
    lines = [f'{indent}"""{summary}', "", f"{indent}Args:"]
    if positional:
        lines.append(f"{indent}  {positional}: the {noun} to act on.")
    lines += [f"{indent}  {o.name}: {_help(o, noun)}." for o in opts]
    lines.append(f'{indent}"""')
    return lines


def fire_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    lines = ["", ""]
    if spec.subs:
        cls = spec.noun.capitalize() + "Tool"
        lines += [f"class {cls}(object):", f'    """{spec.description}"""', "",
                  '    def __init__(self, env="staging"):', "        self.env = env"]
        for s in spec.subs:
            lines += ["", f"    def {s.name}(self, {_fire_signature(s.opts, None, spec.noun)}):"
                      if s.opts else f"    def {s.name}(self):"]
            lines += _fire_doc(s.help + ".", s.opts, None, spec.noun, "        ")
            lines.append(f'        return {{"command": "{s.name}", "env": self.env}}')
        guard = f"fire.Fire({cls})"
    else:
        fn = spec.stem.replace("-", "_")
        lines.append(f"def {fn}({_fire_signature(spec.opts, spec.positional, spec.noun)}):")
        lines += _fire_doc(spec.description, spec.opts, spec.positional, spec.noun, "    ")
        lines += _helper_use(spec, "    ")
        lines.append(f'    return {{"script": "{spec.stem}"}}')
        guard = f"fire.Fire({fn})"
    return header(spec, ["import fire"]), "\n".join(lines) + _main_guard(guard)


# -- raw sys.argv ---------------------------------------------------------------------------

def sys_argv(spec: Spec, rng: random.Random) -> tuple[str, str]:
    names = [spec.positional or spec.noun, "target"][: rng.randint(1, 2)]
    lines = ["", "", "def main():",
             '    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):',
             "        " + _out("__doc__", spec.py2),
             "        return 0 if len(sys.argv) >= 2 else 1"]
    for i, name in enumerate(names, 1):
        if i == 1:
            lines.append(f"    {name} = sys.argv[{i}]")
        else:
            lines.append(f'    {name} = sys.argv[{i}] if len(sys.argv) > {i} else "all"')
    lines += _helper_use(spec, "    ")
    fields = ", ".join(f'"{n}": {n}' for n in names)
    lines += [f'    plan = {{"script": "{spec.stem}", {fields}}}',
              "    " + _out("json.dumps(plan, indent=2, sort_keys=True)", spec.py2),
              "    return 0"]
    return header(spec, []), "\n".join(lines) + _main_guard()


# -- plain functions ------------------------------------------------------------------------

def functions(spec: Spec, rng: random.Random) -> tuple[str, str]:
    lines = []
    subs = spec.subs or [Sub("report", f"Report on {spec.noun}s", spec.opts[:2])]
    for s in subs:
        lines += ["", "", f"def {s.name}_{spec.noun}s"
                  f"({_fire_signature(s.opts, None, spec.noun)}):"]
        lines += _fire_doc(s.help + ".", s.opts, None, spec.noun, "    ")
        args = ", ".join(f'"{o.name}": {o.name}' for o in s.opts)
        lines.append(f'    return {{"step": "{s.name}", {args}}}')
    lines += ["", "", "def main():", f'    """{spec.description}"""', "    results = []"]
    lines += [f"    results.append({s.name}_{spec.noun}s())" for s in subs]
    lines += _helper_use(spec, "    ")
    lines += ["    print(json.dumps(results, indent=2, sort_keys=True))", "    return 0"]
    return header(spec, []), "\n".join(lines) + _main_guard()


# -- typer ----------------------------------------------------------------------------------

_TYPER_TYPES = {"int": "int", "float": "float", "str": "str", "choice": "str"}


def _typer_param(o: Opt, spec: Spec) -> str:
    decl = f'"{o.flag}", "-{o.short}"' if o.short else f'"{o.flag}"'
    help_text = _help(o, spec.noun)
    if o.kind == "flag":
        return f'{o.name}: bool = typer.Option(False, {decl}, help="{help_text}")'
    if o.kind == "count":
        return f'{o.name}: int = typer.Option(0, {decl}, count=True, help="{help_text}")'
    if o.kind == "append":
        return f'{o.name}: Optional[List[str]] = typer.Option(None, {decl}, help="{help_text}")'
    if o.kind == "choice":
        help_text += f" ({', '.join(o.choices)})"
    if o.default is None:
        return (f"{o.name}: Optional[str] = typer.Option(None, {decl}, "
                f'envvar="OPS_API_TOKEN", help="{help_text}")')
    return (f"{o.name}: {_TYPER_TYPES[o.kind]} = typer.Option({_default(o, spec.noun)!r}, "
            f'{decl}, help="{help_text}")')


def _typer_signature(opts: list[Opt], positional: str | None, spec: Spec) -> str:
    params = [f'{positional}: str = typer.Argument(..., help="the {spec.noun} to act on")'] \
        if positional else []
    params += [_typer_param(o, spec) for o in opts]
    return ",\n    ".join(params)


def typer_(spec: Spec, rng: random.Random) -> tuple[str, str]:
    lines = ["", ""]
    if spec.subs:
        lines.append(f'app = typer.Typer(help="{spec.description}")')
        for s in spec.subs:
            lines += ["", "", f'@app.command("{s.name}")',
                      f"def {s.name}_cmd({_typer_signature(s.opts, None, spec)}):",
                      f'    """{s.help}."""',
                      f'    plan = {{"command": "{s.name}"}}']
            lines += [f'    plan["{o.name}"] = {o.name}' for o in s.opts]
            lines.append("    typer.echo(json.dumps(plan, indent=2, sort_keys=True))")
        guard = "app()"
    else:
        params = ([spec.positional] if spec.positional else []) + [o.name for o in spec.opts]
        lines += [f"def main({_typer_signature(spec.opts, spec.positional, spec)}):",
                  f'    """{spec.description}"""']
        lines += _helper_use(spec, "    ")
        lines.append(f'    plan = {{"script": "{spec.stem}"}}')
        lines += [f'    plan["{p}"] = {p}' for p in params]
        lines.append("    typer.echo(json.dumps(plan, indent=2, sort_keys=True))")
        guard = "typer.run(main)"
    return (header(spec, ["from typing import List, Optional", "", "import typer"]),
            "\n".join(lines) + _main_guard(guard))


# -- no arguments ---------------------------------------------------------------------------

def no_args(spec: Spec, rng: random.Random) -> tuple[str, str]:
    """A tool with nothing to set: its ``__main__`` guard just runs it."""
    lines = ["", "", "def main():", f'    """{spec.description}"""',
             "    logging.basicConfig(level=logging.INFO)"]
    lines += _helper_use(spec, "    ")
    lines += [f'    report = {{"script": "{spec.stem}", "checked": "{spec.noun}s",'
              ' "at": time.strftime("%Y-%m-%d")}',
              "    " + _out("json.dumps(report, indent=2, sort_keys=True)", spec.py2),
              "    return 0"]
    guard = rng.choice(["main()", "sys.exit(main())"])
    return header(spec, []), "\n".join(lines) + _main_guard(guard)


RENDERERS = {
    Style.ARGPARSE: argparse_,
    Style.CLICK: click_,
    Style.OPTPARSE: optparse_,
    Style.GETOPT: getopt_,
    Style.DOCOPT: docopt_,
    Style.FIRE: fire_,
    Style.SYS_ARGV: sys_argv,
    Style.FUNCTIONS: functions,
    Style.TYPER: typer_,
    Style.NO_ARGS: no_args,
}
