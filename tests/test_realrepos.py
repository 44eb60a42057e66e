"""Issue 17: scripts as they are found in real ops repositories.

Each test states both sides: what becomes (part of) an action, and what is left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from voodoo.analysis import analyze_source
from voodoo.ingest import FileStatus, ingest
from voodoo.local.execute import run_action
from voodoo.model import Script, Severity
from voodoo.report import shown_diagnostics
from voodoo.session import Session


def _analyze(code: str, path: str = "tool.py") -> Script:
    return analyze_source(textwrap.dedent(code), path)


def _codes(script: Script, severity: Severity | None = None) -> list[str]:
    return [d.code for d in script.diagnostics if severity is None or d.severity is severity]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, code in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    return root


# --- 1. runnable scripts without a command line -----------------------------------------


def test_a_main_block_without_arguments_is_an_action_with_no_parameters() -> None:
    script = _analyze('''\
        """Print the remaining quota."""
        def check_quota():
            return {"used": 3}

        if __name__ == "__main__":
            print(check_quota())
        ''')
    assert script.framework == "noargs"
    [command] = script.commands
    assert (command.name, command.params, command.description) == (
        "tool",
        (),
        "Print the remaining quota.",
    )
    assert dict(script.extra)["entry"] == "main"


def test_top_level_work_is_an_action_but_module_setup_is_not() -> None:
    runs = _analyze("import json\nfor name in ['a', 'b']:\n    print(json.dumps(name))\n")
    assert runs.framework == "noargs" and dict(runs.extra)["entry"] == "toplevel"
    exits = _analyze("def main():\n    return 0\n\nraise SystemExit(main())\n")
    assert exits.framework == "noargs"
    setup_only = _analyze("""\
        import logging, sys, warnings
        sys.path.insert(0, "lib")
        logging.basicConfig(level=logging.INFO)
        warnings.filterwarnings("ignore")
        log = logging.getLogger(__name__)
        try:
            import json
        except ImportError:
            json = None

        def helper():
            return 1
        """)
    assert setup_only.framework is None and not setup_only.commands
    assert _codes(setup_only) == ["no-cli"]


def test_a_definition_only_module_stays_skipped_quietly() -> None:
    script = _analyze("X = 1\n\ndef helper():\n    return X\n\nclass A:\n    pass\n")
    assert not script.commands
    assert _codes(script, Severity.INFO) == ["no-cli"] and not _codes(script, Severity.WARNING)


def test_a_script_with_no_entry_point_is_reported_not_turned_into_an_empty_action() -> None:
    uncalled = _analyze("import sys\n\ndef main():\n    print(sys.version)\n")
    assert not uncalled.commands
    [warning] = [d for d in uncalled.diagnostics if d.severity is Severity.WARNING]
    assert warning.code == "nothing-runs" and "main()" in warning.message
    assert warning.line == 3
    empty_guard = _analyze("def f():\n    pass\n\nif __name__ == '__main__':\n    pass\n")
    assert not empty_guard.commands and _codes(empty_guard, Severity.WARNING) == ["nothing-runs"]
    shebang = _analyze("#!/usr/bin/env python\ndef f():\n    return 1\n")
    assert not shebang.commands and "nothing-runs" in _codes(shebang)


def test_a_script_parsing_a_parser_from_another_module_is_reported_not_an_empty_action() -> None:
    # its parameters live in common_cli: an action without them would fail every run
    script = _analyze('''\
        from common_cli import base_parser
        def main():
            parser = base_parser("restart a service")
            parser.add_argument("service")
            return parser.parse_args()
        if __name__ == "__main__":
            main()
        ''')
    assert not script.commands
    assert _codes(script, Severity.WARNING) == ["parser-elsewhere"]
    assert [d.line for d in script.diagnostics if d.code == "parser-elsewhere"] == [5]
    # both sides: an argparse parser without options still runs without arguments
    plain = _analyze('''\
        import argparse
        def main():
            argparse.ArgumentParser(description="Rotate logs.").parse_args()
            print("rotated")
        if __name__ == "__main__":
            main()
        ''')
    assert [c.params for c in plain.commands] == [()]
    assert "parser-elsewhere" not in _codes(plain)


def test_tests_packaging_and_package_relative_modules_are_not_actions() -> None:
    unittest_main = _analyze(
        "import unittest\nclass T(unittest.TestCase):\n    pass\n\n"
        "if __name__ == '__main__':\n    unittest.main()\n",
        "checks.py",
    )
    assert not unittest_main.commands
    assert not _analyze("print('x')\n", "tests/test_tool.py").commands
    assert not _analyze("from setuptools import setup\nsetup(name='x')\n", "setup.py").commands
    relative = _analyze("from . import utils\nif __name__ == '__main__':\n    utils.go()\n")
    assert not relative.commands and "python -m" in relative.diagnostics[0].message
    # a real parser still wins: the fallback is only for files without a command line
    parsed = _analyze("import sys\nif __name__ == '__main__':\n    print(sys.argv[1])\n")
    assert parsed.framework == "sysargv"


def test_helpers_imported_by_other_scripts_are_not_actions(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "repo",
        {
            "quota.py": '"""Show the quota."""\nimport helper\nprint(helper.used())\n',
            "helper.py": "import logging\nlogging.basicConfig()\nprint('loading')\n"
            "def used():\n    return 3\n",
            "pkg/__init__.py": "",
            "pkg/utils.py": "def go():\n    print('went')\nprint('set up')\n",
            "pkg/tool.py": "def go():\n    print('tool')\nif __name__ == '__main__':\n    go()\n",
            "runme.py": "from pkg import utils, tool\nif __name__ == '__main__':\n    utils.go()\n",
        },
    )
    pack = tmp_path / "pack"
    result = ingest([src], pack)
    status = {f.relpath: (f.status, f.actions) for f in result.files}
    assert status["quota.py"] == (FileStatus.INGESTED, ("quota",))
    assert status["runme.py"] == (FileStatus.INGESTED, ("runme",))
    # imported, with its own __main__ block: still an action
    assert status["pkg/tool.py"] == (FileStatus.INGESTED, ("tool",))
    # imported, top-level set-up only: not an action
    assert status["helper.py"] == (FileStatus.SKIPPED, ())
    assert status["pkg/utils.py"] == (FileStatus.SKIPPED, ())
    assert status["pkg/__init__.py"] == (FileStatus.SKIPPED, ())
    execution = run_action(pack, "quota", [], log=False)
    assert execution.status == "succeeded"
    assert execution.result["result"]["stdout"] == "loading\n3"


# --- 2. sys.argv arity as the script reads it ------------------------------------------


def _argv(code: str) -> dict[str, tuple[bool, object, object]]:
    script = _analyze(code)
    assert script.framework == "sysargv", script.diagnostics
    [command] = script.commands
    return {p.name: (p.required, p.default, p.enum) for p in command.params}


def test_a_len_check_joined_with_and_makes_the_item_optional_and_literals_an_enum() -> None:
    assert _argv('''\
        import sys
        if len(sys.argv) == 2 and sys.argv[1] == "set":
            print("setting")
        else:
            print("the password")
        ''') == {"argv1": (False, None, ("set",))}


def test_an_inventory_script_reading_list_or_host_needs_neither() -> None:
    assert _argv('''\
        import json, sys
        if len(sys.argv) == 2 and sys.argv[1] == "--list":
            print(json.dumps({}))
        elif len(sys.argv) == 3 and sys.argv[1] == "--host":
            print(json.dumps({"host": sys.argv[2]}))
        else:
            sys.exit("usage: inventory.py --list | --host H")
        ''') == {"argv1": (False, None, ("--list", "--host")), "argv2": (False, None, None)}


def test_the_else_of_a_short_list_check_is_optional_unless_the_short_branch_exits() -> None:
    assert _argv('''\
        import sys
        if len(sys.argv) < 2:
            print("current value")
        else:
            print("set", sys.argv[1])
        ''') == {"argv1": (False, None, None)}
    # left alone: the short branch stops the script, so the item is needed for its work
    assert _argv('''\
        import sys
        if len(sys.argv) < 2:
            print("usage: tool NAME")
            sys.exit(1)
        else:
            print("hello", sys.argv[1])
        ''') == {"argv1": (True, None, None)}
    assert _argv('''\
        import sys
        if len(sys.argv) > 1:
            name = sys.argv[1]
        else:
            raise SystemExit("usage: tool NAME")
        print(name)
        ''') == {"argv1": (True, None, None)}


def test_an_item_used_as_a_value_too_gets_no_enum() -> None:
    assert _argv('''\
        import sys
        if sys.argv[1] == "-":
            data = sys.stdin.read()
        else:
            data = open(sys.argv[1]).read()
        ''') == {"argv1": (True, None, None)}


# --- 3. required mutually exclusive groups ---------------------------------------------

INVENTORY = '''\
"""Dynamic inventory."""
import argparse
import json

parser = argparse.ArgumentParser()
group = parser.add_mutually_exclusive_group(required=True)
group.add_argument("--list", action="store_true", help="List all hosts.")
group.add_argument("--host", help="One host's variables.")
parser.add_argument("--pretty", action="store_true")
args = parser.parse_args()
print(json.dumps({"list": args.list, "host": args.host}))
'''


def test_a_required_exclusive_group_keeps_members_optional_and_says_one_is_required() -> None:
    script = _analyze(INVENTORY, "inventory.py")
    [command] = script.commands
    params = {p.name: p for p in command.params}
    assert not params["list"].required and not params["host"].required
    assert params["list"].description == "List all hosts. (one of --list, --host is required)"
    assert params["host"].description == "One host's variables. (one of --list, --host is required)"
    assert command.one_of == (("list", "host"),)
    [note] = [d for d in script.diagnostics if d.code == "one-of-required"]
    assert note.line == 6 and "one of --list, --host is required" in note.message
    # left alone: a parameter outside the group, and a group whose members share one dest
    assert params["pretty"].description is None
    shared = _analyze('''\
        import argparse
        p = argparse.ArgumentParser()
        g = p.add_mutually_exclusive_group(required=True)
        g.add_argument("--json", dest="fmt", action="store_const", const="json")
        g.add_argument("--csv", dest="fmt", action="store_const", const="csv")
        p.parse_args()
        ''')
    [fmt] = shared.commands[0].params
    assert fmt.required and shared.commands[0].one_of == ()
    assert "one-of-required" not in _codes(shared)


def test_the_runtime_refuses_none_or_two_members_before_the_script_starts() -> None:
    from voodoo.runtime.voodoo_runtime import one_of_problem

    spec = {"params": [{"name": "list", "kind": "flag", "option": "--list"},
                       {"name": "host", "kind": "option", "option": "--host"},
                       {"name": "pretty", "kind": "flag", "option": "--pretty"}],
            "one_of": [["list", "host"]]}
    assert one_of_problem(spec, {}) == "one of --list, --host is required (parameters list, host)"
    assert one_of_problem(spec, {"list": False, "pretty": True}) is not None
    assert "only one of --list, --host" in one_of_problem(spec, {"list": True, "host": "h"})
    assert one_of_problem(spec, {"list": True}) is None
    assert one_of_problem(spec, {"host": "web1", "list": False}) is None
    assert one_of_problem({"params": spec["params"]}, {}) is None  # no group: nothing to check


def test_voodoo_run_refuses_a_run_with_none_or_two_of_the_group(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from voodoo.cli import cli as cli_main

    src = _write(tmp_path / "repo", {"inventory.py": INVENTORY})
    pack = tmp_path / "pack"
    assert ingest([src], pack).exit_code == 0
    runner = CliRunner()
    none = runner.invoke(cli_main, ["run", str(pack), "inventory"])
    assert none.exit_code == 1 and "status: failed" in none.output
    assert "one of --list, --host is required" in none.output
    assert "exit_code: 2" in none.output
    both = runner.invoke(cli_main, ["run", str(pack), "inventory", "list=true", "host=web1"])
    assert both.exit_code == 1 and "only one of --list, --host" in both.output
    one = runner.invoke(cli_main, ["run", str(pack), "inventory", "host=web1"])
    assert one.exit_code == 0, one.output
    assert '"host": "web1"' in one.output or "host: web1" in one.output


# --- 4. small local type functions -----------------------------------------------------


def _argparse_params(code: str) -> dict[str, tuple[object, object]]:
    script = _analyze(code)
    [command] = script.commands
    return {p.name: (p.type.value if p.type else None, p.default) for p in command.params}


def test_a_local_pure_int_function_keeps_type_and_default() -> None:
    script = _analyze('''\
        import argparse

        def positive_int(val):
            try:
                ival = int(val)
            except ValueError:
                raise argparse.ArgumentTypeError("must be an integer")
            if ival < 0:
                raise argparse.ArgumentTypeError("must be positive: %s" % val)
            return ival

        def ratio(val):
            return float(val)

        parser = argparse.ArgumentParser()
        parser.add_argument("--pages", type=positive_int, default=16384, help="%(type)s pages")
        parser.add_argument("--ratio", type=ratio, default=0.5)
        parser.parse_args()
        ''')
    params = {p.name: p for p in script.commands[0].params}
    assert (params["pages"].type.value, params["pages"].default) == ("integer", 16384)
    assert params["pages"].description == "positive_int pages"
    assert (params["ratio"].type.value, params["ratio"].default) == ("number", 0.5)
    assert "default-type-mismatch" not in _codes(script)


def test_a_type_function_that_does_more_keeps_todays_rule_and_diagnostic() -> None:
    script = _analyze('''\
        import argparse, os

        def existing_size(val):
            if not os.path.exists("/etc/" + val):
                raise ValueError(val)
            return int(val)

        def maybe(val):
            if val == "auto":
                return val
            return int(val)

        parser = argparse.ArgumentParser()
        parser.add_argument("--size", type=existing_size, default=3)
        parser.add_argument("--count", type=maybe, default=4)
        parser.parse_args()
        ''')
    params = {p.name: p for p in script.commands[0].params}
    assert params["size"].type.value == "string" and params["size"].default is None
    assert params["count"].type.value == "string" and params["count"].default is None
    assert _codes(script, Severity.WARNING).count("default-type-mismatch") == 2


# --- 5. help and descriptions as a person reads them -----------------------------------


def test_help_built_with_percent_or_format_from_module_constants_is_resolved() -> None:
    script = _analyze('''\
        import argparse, os
        CACHE = "/var/cache/inv"
        TTL = 300
        HERE = os.path.dirname(__file__)
        parser = argparse.ArgumentParser()
        parser.add_argument("--cache", default=CACHE, help="Cache folder. Defaults to %s" % CACHE)
        parser.add_argument("--ttl", type=int, default=TTL, help="TTL, default {}".format(TTL))
        parser.add_argument("--age", type=int, help="at most {n}s in {d}".format(n=TTL, d=CACHE))
        parser.add_argument("--base", help="relative to %s" % HERE)
        parser.parse_args()
        ''')
    params = {p.name: p.description for p in script.commands[0].params}
    assert params == {"cache": "Cache folder. Defaults to /var/cache/inv",
                      "ttl": "TTL, default 300", "age": "at most 300s in /var/cache/inv",
                      # left alone: computed at run time, reported
                      "base": None}
    [unknown] = [d for d in script.diagnostics if d.code == "unknown-help"]
    assert "--base" in unknown.message


def test_title_underlines_are_stripped_and_whitespace_collapsed_like_argparse() -> None:
    script = _analyze('''\
        """Spacewalk external inventory script
        =====================================

        Longer text that is not the description.
        """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--x", help="first line "
                            "second    line \\
                    continued")
        parser.parse_args()
        ''')
    assert script.commands[0].description == "Spacewalk external inventory script"
    assert script.commands[0].params[0].description == "first line second line continued"
    # left alone: a Raw formatter shows the text as written
    raw = _analyze('''\
        import argparse
        parser = argparse.ArgumentParser(formatter_class=argparse.RawTextHelpFormatter)
        parser.add_argument("--x", help="one\\n  two")
        parser.parse_args()
        ''')
    assert raw.commands[0].params[0].description == "one\n  two"


def test_a_redefined_help_option_is_never_a_parameter_but_h_for_host_is() -> None:
    script = _analyze('''\
        import argparse
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("-h", "--help", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("-H", "--host", help="host")
        args = parser.parse_args()
        ''')
    assert [p.name for p in script.commands[0].params] == ["host"]
    host_h = _analyze('''\
        import argparse
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("-h", "--host", help="host")
        args = parser.parse_args()
        ''')
    assert [p.name for p in host_h.commands[0].params] == ["host"]


# --- 6. flags and secrets --------------------------------------------------------------

FLAGS = '''\
import argparse
p = argparse.ArgumentParser()
p.add_argument("--set", dest="set_password", action="store_true")
p.add_argument("--password", help="the new password")
p.add_argument("--a", action="store_const", const=True, dest="y")
p.add_argument("--b", action="store_const", const=False, dest="y")
p.add_argument("--keep", action="store_true", default=True)
p.add_argument("--sync", action="store_true", default=True)
p.parse_args()
'''


def test_booleans_are_never_secret_and_carry_no_true_false_enum() -> None:
    params = {p.name: p for p in _analyze(FLAGS).commands[0].params}
    assert not params["set_password"].secret and params["set_password"].type.value == "boolean"
    assert params["y"].enum is None and params["y"].type.value == "boolean"
    # left alone: a real password is secret; a flag that cannot change keeps enum [true]
    assert params["password"].secret
    assert params["keep"].enum == (True,)


def test_flags_that_never_change_are_reported_once_per_script_and_counted(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from voodoo.cli import cli

    script = _analyze(FLAGS)
    [fixed] = [d for d in script.diagnostics if d.code == "flag-always"]
    assert fixed.line == 7 and "2 flags" in fixed.message
    assert "--keep" in fixed.message and "--sync" in fixed.message
    src = _write(tmp_path / "repo", {"flags.py": FLAGS, "plain.py": "print('hi')\n"})
    out = CliRunner().invoke(cli, ["ingest", str(src), "--pack", str(tmp_path / "pack")])
    assert out.exit_code == 0, out.output
    assert "2 actions from 2 scripts; 0 skipped, 0 failed; 1 script with flags that never " \
           "change." in " ".join(out.output.split())


# --- 7. sub-commands dispatched by name at run time ------------------------------------


def test_do_methods_dispatched_by_getattr_become_the_commands_enum() -> None:
    script = _analyze('''\
        import argparse

        class Operator:
            def do_list(self, args):
                print("list")

            def do_show(self, args):
                print("show", args.name)

            def helper(self):
                pass

        parser = argparse.ArgumentParser()
        parser.add_argument("command")
        parser.add_argument("--name")
        args = parser.parse_args()
        getattr(Operator(), "do_" + args.command.replace("-", "_"))(args)
        ''')
    params = {p.name: p for p in script.commands[0].params}
    assert params["command"].enum == ("list", "show") and params["command"].required
    assert params["name"].enum is None
    assert "dispatched-commands" in _codes(script)


def test_a_dict_of_handlers_gives_the_enum_and_hidden_names_leave_a_string() -> None:
    table = _analyze('''\
        import argparse
        HANDLERS = {"start": print, "stop": print}
        parser = argparse.ArgumentParser()
        parser.add_argument("action")
        args = parser.parse_args()
        HANDLERS[args.action](args)
        ''')
    assert table.commands[0].params[0].enum == ("start", "stop")
    # left alone: the names come from somewhere voodoo cannot see
    hidden = _analyze('''\
        import argparse, plugins
        parser = argparse.ArgumentParser()
        parser.add_argument("command")
        args = parser.parse_args()
        getattr(plugins, "do_" + args.command)(args)
        ''')
    assert hidden.commands[0].params[0].enum is None
    assert "dispatched-commands" not in _codes(hidden)


# --- 8. quiet, useful diagnostics ------------------------------------------------------


def test_environment_reads_are_one_line_per_script() -> None:
    script = _analyze('''\
        import os
        A = os.environ.get("VAULT_ADDR")
        B = os.getenv("VAULT_TOKEN")
        C = os.environ["HOME"]
        if __name__ == "__main__":
            print(A, B, C)
        ''')
    # the analysis keeps one diagnostic per variable, each at its own line (--format json
    # and --verbose show them so); the report shows one line per script
    reads = [(d.line, d.message) for d in script.diagnostics if d.code == "env-read"]
    assert reads == [(2, "reads environment variable VAULT_ADDR"),
                     (3, "reads environment variable VAULT_TOKEN"),
                     (4, "reads environment variable HOME")]
    [note] = [d for d in shown_diagnostics(script.diagnostics) if d.code == "env-read"]
    assert note.line == 2
    assert note.message == ("reads 3 environment variables: VAULT_ADDR (line 2), "
                            "VAULT_TOKEN (line 3), HOME (line 4)")
    assert shown_diagnostics(script.diagnostics, verbose=True) == list(script.diagnostics)
    assert script.env_reads == ("HOME", "VAULT_ADDR", "VAULT_TOKEN")  # all still known


ENV_READER = """\
import os
A = os.environ.get("VAULT_ADDR")
B = os.getenv("VAULT_TOKEN")
if __name__ == "__main__":
    print(A, B)
"""


def test_environment_reads_one_line_unless_verbose_through_the_cli(tmp_path: Path) -> None:
    src = _write(tmp_path / "repo", {"env_tool.py": ENV_READER})

    def run(*flags: str) -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "voodoo", "ingest", str(src), "--pack",
                               str(tmp_path / "pack"), *flags], capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return [line for line in proc.stdout.splitlines() if "[env-read]" in line]

    assert run() == ["env_tool.py:2: info: reads 2 environment variables: VAULT_ADDR "
                     "(line 2), VAULT_TOKEN (line 3) [env-read]"]
    assert run("--verbose") == [
        "env_tool.py:2: info: reads environment variable VAULT_ADDR [env-read]",
        "env_tool.py:3: info: reads environment variable VAULT_TOKEN [env-read]"]


def test_a_python2_script_gets_one_note(tmp_path: Path) -> None:
    src = _write(tmp_path / "repo", {
        "old.py": "import sys\nprint 'hello', sys.argv[1]\n",
        "lib2.py": "def greet(n):\n    print 'hi', n\n",
        "uses.py": "import sys\nimport lib2\nlib2.greet(sys.argv[1])\n",
    })
    result = ingest([src], tmp_path / "pack")
    notes = {f.relpath: [d.message for d in f.diagnostics if d.code == "python2"]
             for f in result.files}
    [only] = notes["old.py"]
    assert only.startswith("parsed as Python 2")
    # left alone: the note about a Python 2 module the script imports is the only news
    assert notes["uses.py"] == ["the pack's copy of lib2.py is converted to Python 3 "
                                "(1 fix: print)"]


# --- 9. patterns from a second set of repositories -------------------------------------


def test_a_bound_method_alias_of_add_argument_keeps_every_parameter() -> None:
    script = _analyze('''\
        import argparse

        def build():
            parser = argparse.ArgumentParser()
            add = parser.add_argument
            add("--target", required=True)
            add("--count", type=int, default=3)
            return parser

        args = build().parse_args()
        ''')
    params = {p.name: (p.type.value, p.required, p.default) for p in script.commands[0].params}
    assert params == {"target": ("string", True, None), "count": ("integer", False, 3)}
    assert not _codes(script, Severity.WARNING)


def test_choices_from_an_enum_or_a_dict_literal_are_an_enum() -> None:
    script = _analyze('''\
        import argparse, enum

        class Level(enum.Enum):
            LOW = "low"
            HIGH = "high"

        SCENARIOS = {"fail": 1, "slow": 2}
        parser = argparse.ArgumentParser()
        parser.add_argument("--level", choices=[l.value for l in Level])
        parser.add_argument("--level-name", choices=[l.name for l in Level])
        parser.add_argument("--scenario", choices=list(SCENARIOS.keys()))
        parser.add_argument("--sorted", choices=sorted(SCENARIOS, reverse=True))
        parser.add_argument("--computed", choices=load_choices())
        parser.parse_args()
        ''')
    enums = {p.name: p.enum for p in script.commands[0].params}
    assert enums["level"] == ("low", "high") and enums["level_name"] == ("LOW", "HIGH")
    assert enums["scenario"] == ("fail", "slow")
    # left alone: what is computed at run time (or called with options) keeps the warning
    assert enums["sorted"] is None and enums["computed"] is None
    assert _codes(script, Severity.WARNING).count("unknown-choices") == 2


def test_fire_given_an_instance_of_a_class_of_the_file_has_its_methods() -> None:
    script = _analyze('''\
        import fire

        class Widget:
            def __init__(self, color="red"):
                self.color = color

            def paint(self, times=1):
                return self.color * times

            def _hidden(self):
                pass

        if __name__ == "__main__":
            fire.Fire(Widget(), name="widget")
        ''', "widget.py")
    [command] = script.commands
    assert (command.name, command.path) == ("widget_paint", ("paint",))
    # left alone: the instance is built by the script, so __init__'s color is no parameter
    assert [(p.name, p.default) for p in command.params] == [("times", 1)]
    assert "fire-unknown-component" not in _codes(script)
    unknown = _analyze("import fire, widgets\nfire.Fire(widgets.Widget())\n")
    assert not unknown.commands and "fire-unknown-component" in _codes(unknown)


CLICK_ALIASED = '''\
import click

class AliasedGroup(click.Group):
    def get_command(self, ctx, cmd_name):
        return click.Group.get_command(self, ctx, cmd_name)

@click.command(cls=AliasedGroup)
def cli():
    """Tools."""

@cli.command()
@click.option("--upper", "transformation", flag_value="upper", default=True)
@click.option("--lower", "transformation", flag_value="lower")
def push(transformation):
    click.echo(transformation)

@cli.command()
def pull():
    click.echo("pulled")

if __name__ == "__main__":
    cli()
'''


def test_a_click_group_with_a_custom_class_keeps_its_commands_and_flag_value_default(
        tmp_path: Path) -> None:
    script = _analyze(CLICK_ALIASED, "tools.py")
    assert [c.name for c in script.commands] == ["tools_push", "tools_pull"]
    [param] = script.commands[0].params
    assert (param.type.value, param.enum, param.default) == ("string", ("upper", "lower"),
                                                             "upper")
    # left alone: a plain command with cls= of a non-group class is still one command
    plain = _analyze('''\
        import click
        class Loud(click.Command):
            pass
        @click.command(cls=Loud)
        @click.option("--n", default=1)
        def main(n):
            pass
        main()
        ''', "loud.py")
    assert [c.name for c in plain.commands] == ["loud"]
    pack = tmp_path / "pack"
    ingest([_write(tmp_path / "src", {"tools.py": CLICK_ALIASED})], pack)
    assert run_action(pack, "tools_push", [], log=False).result["result"]["stdout"] == "upper"
    lower = run_action(pack, "tools_push", ["transformation=lower"], log=False)
    assert lower.result["result"]["stdout"] == "lower"


def test_typer_default_factory_is_optional_and_list_defaults_stay() -> None:
    script = _analyze('''\
        import getpass
        import typer
        from typing import List
        app = typer.Typer()

        @app.command()
        def main(name: str = typer.Argument(default_factory=getpass.getuser),
                 tags: List[str] = typer.Option(["a", "b"]),
                 more: List[str] = typer.Option(default_factory=lambda: ["c"]),
                 who: str = typer.Argument(...)):
            print(name, tags)

        if __name__ == "__main__":
            app()
        ''')
    params = {p.name: (p.required, p.default) for p in script.commands[0].params}
    assert params == {"name": (False, None), "tags": (False, ("a", "b")),
                      "more": (False, ("c",)), "who": (True, None)}
    # left alone: a factory that computes at run time gives no default, and says so
    [note] = [d for d in script.diagnostics if d.code == "unknown-default"]
    assert "'name'" in note.message and "getpass.getuser" in note.message and note.line == 7


def test_a_type_function_calling_another_local_converter_is_followed() -> None:
    params = _argparse_params('''\
        import argparse

        def positive_int(val):
            ival = int(val)
            if ival < 0:
                raise argparse.ArgumentTypeError("negative")
            return ival

        def positive_nonzero_int(val):
            ival = positive_int(val)
            if ival == 0:
                raise argparse.ArgumentTypeError("zero")
            return ival

        def looping(val):
            return looping(val)

        parser = argparse.ArgumentParser()
        parser.add_argument("--duration", type=positive_nonzero_int, default=10)
        parser.add_argument("--odd", type=looping, default="x")
        parser.parse_args()
        ''')
    assert params == {"duration": ("integer", 10), "odd": ("string", "x")}


# --- a tree shaped like a real ops repository ------------------------------------------

OPS_REPO = Path(__file__).parent / "fixtures" / "ops_repo"


def test_a_real_repository_layout_gives_the_actions_a_person_expects(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    result = ingest([OPS_REPO], pack)
    assert result.exit_code == 0
    got = {f.relpath: f.actions for f in result.files if f.actions}
    assert got == {
        "bin/check_quota.py": ("check_quota",),  # no-arg tool, __main__ block
        "bin/rotate_keys.py": ("rotate_keys",),
        "inventory/lab_inventory.py": ("lab_inventory",),
        "inventory/spacewalk.py": ("spacewalk",),
        "opslib/selftest.py": ("selftest",),  # imported, but has its own __main__ block
        "scripts/legacy/cleanup.py": ("legacy_cleanup",),  # three cleanup.py: renamed
        "scripts/legacy/disk_alert.py": ("disk_alert",),  # Python 2, no arguments
        "tools/admin/admin.py": ("admin_users_create", "admin_users_list",
                                 "admin_hosts_reboot"),  # typer sub-apps from siblings
        "tools/cloud/cleanup.py": ("cloud_cleanup",),
        "tools/cloud/list_instances.py": ("list_instances",),  # top-level work
        "tools/db/backup.py": ("backup",),  # Python 2 optparse
        "tools/db/cleanup.py": ("db_cleanup",),
    }
    # left alone, each for its reason
    why = {f.relpath: [d.code for d in f.diagnostics] for f in result.files if not f.actions}
    assert why == {
        "docs/conf.py": ["no-cli"],
        "opslib/__init__.py": ["no-cli"],
        "opslib/aws.py": ["no-cli"],  # a helper with set-up side effects, imported
        "opslib/util.py": ["no-cli"],
        "setup.py": ["no-cli"],
        "tests/conftest.py": ["no-cli"],
        "tests/legacy_checks.py": ["no-cli"],  # unittest.main() under __main__
        "tests/test_quota.py": ["no-cli"],
        "tools/admin/hosts.py": ["no-cli"],  # mounted by admin.py
        "tools/admin/users.py": ["no-cli"],
        "tools/db/pgutil.py": ["nothing-runs"],  # main() that nothing calls
        "vendor/__init__.py": ["no-cli"],
        "vendor/requests_lite/__init__.py": ["no-cli"],
        "vendor/requests_lite/api.py": ["no-cli"],  # relative imports
        "vendor/six.py": ["no-cli"],  # vendored, imported, loops at the top level
    }
    assert run_action(pack, "selftest", [], log=False).result["result"]["stdout"] == "ok"
    assert run_action(pack, "disk_alert", [], log=False).status == "succeeded"
    listed = run_action(pack, "lab_inventory", ["argv1=--list"], log=False)
    assert listed.result["result"]["stdout"] == {"lab": {"hosts": ["h1", "h2"]}}
    refused = run_action(pack, "spacewalk", [], log=False)
    assert refused.status == "failed" and refused.result["result"]["exit_code"] == 2


TYPER_MAIN = '''\
"""Admin CLI."""
import typer

import hosts
import users
import plugins

app = typer.Typer()
app.add_typer(users.app, name="users")
app.add_typer(hosts.app, name="hosts")
app.add_typer(plugins.app, name="plugins")


@app.command()
def version():
    """Print the version."""
    print("1.0")


if __name__ == "__main__":
    app()
'''
TYPER_USERS = '''\
import typer

LIMIT = 10
app = typer.Typer(help="User commands.")


@app.command()
def create(name: str, admin: bool = False):
    """Create a user."""
    print("create", name, admin)


@app.command("list")
def list_users(limit: int = LIMIT):
    """List users."""
    print("list", limit)
'''
TYPER_HOSTS = '''\
import typer

app = typer.Typer()


@app.command()
def reboot(host: str):
    """Reboot a host."""
    print("reboot", host)
'''


def test_typer_sub_apps_from_sibling_modules_are_the_main_scripts_commands(
        tmp_path: Path) -> None:
    plugins = "import typer\n\ndef make_app():\n    return typer.Typer()\n\napp = make_app()\n"
    src = _write(tmp_path / "cli", {"main.py": TYPER_MAIN, "users.py": TYPER_USERS,
                                    "hosts.py": TYPER_HOSTS, "audit.py": TYPER_HOSTS,
                                    "plugins.py": plugins})
    pack = tmp_path / "pack"
    result = ingest([src], pack)
    got = {f.relpath: f.actions for f in result.files}
    assert got["main.py"] == ("main_version", "main_users_create", "main_users_list",
                              "main_hosts_reboot")
    # mounted sub-app modules are not actions of their own
    assert got["users.py"] == () and got["hosts.py"] == ()
    # left alone: a sibling nobody mounts stays its own action; an app built at run time
    # (plugins.make_app()) keeps the command-lost warning
    assert got["audit.py"] == ("audit",)
    main = next(f for f in result.files if f.relpath == "main.py")
    [lost] = [d for d in main.diagnostics if d.code == "command-lost"]
    assert "plugins.app" in lost.message
    listed = analyze_source(TYPER_MAIN, str(src / "main.py"), origin=str(src / "main.py"))
    limits = [p for c in listed.commands if c.name == "main_users_list" for p in c.params]
    assert [(p.name, p.default) for p in limits] == [("limit", 10)]  # users.py's LIMIT
    run = run_action(pack, "main_users_create", ["name=bob", "admin=true"], log=False)
    assert run.result["result"]["stdout"] == "create bob True"


def test_a_framework_that_finds_nothing_and_loses_nothing_still_runs_the_script() -> None:
    unused = _analyze("import argparse\nif __name__ == '__main__':\n    print('hi')\n")
    assert unused.framework == "noargs"
    no_args = _analyze('''\
        import argparse
        def parser():
            return argparse.ArgumentParser(description="Show the state.")
        if __name__ == "__main__":
            parser().parse_args()
            print("state")
        ''')
    assert [c.params for c in no_args.commands] == [()]  # one action, no parameters
    # left alone: arguments read in a way that is not followed stay reported, not guessed
    lost = _analyze("import sys\nif __name__ == '__main__':\n    main(sys.argv)\n")
    assert not lost.commands and "argv-not-followed" in _codes(lost)


def test_only_a_line_under_or_over_a_title_is_an_underline() -> None:
    from voodoo.analyzers._text import tidy

    assert tidy("Title\n=====\n\nMore.") == "Title\n\nMore."
    assert tidy("=====\nTitle\n=====") == "Title"
    assert tidy("---") == "---" and tidy("a\n\n---\n\nb") == "a\n\n---\n\nb"


def test_cross_file_decisions_follow_edits_on_a_second_ingest(tmp_path: Path) -> None:
    src = _write(tmp_path / "src", {
        "helper.py": "import logging\nlogging.basicConfig()\nprint('hello')\n",
        "main.py": TYPER_MAIN.replace("import plugins\n", "").replace(
            'app.add_typer(plugins.app, name="plugins")\n', ""),
        "users.py": TYPER_USERS, "hosts.py": TYPER_HOSTS,
    })
    pack = tmp_path / "pack"
    first = {f.relpath: f.actions for f in ingest([src], pack).files}
    assert first["helper.py"] == ("helper",)  # nobody imports it yet: it runs on its own
    (src / "report.py").write_text("import helper\nprint('report')\n")
    (src / "users.py").write_text(TYPER_USERS + '''

@app.command()
def delete(name: str):
    print("delete", name)
''')
    second = {f.relpath: f.actions for f in ingest([src], pack).files}
    assert second["helper.py"] == ()  # now a helper another script imports
    assert not (pack / "actions" / "helper.yaml").exists()
    assert "main_users_delete" in second["main.py"]  # the mounted module's new command
    assert (pack / "actions" / "main_users_delete.yaml").exists()


def test_a_watch_style_ingest_of_one_changed_sibling_updates_the_mounting_script(
        tmp_path: Path) -> None:
    main = TYPER_MAIN.replace("import plugins\n", "").replace(
        'app.add_typer(plugins.app, name="plugins")\n', "")
    src = _write(tmp_path / "src", {"main.py": main, "users.py": TYPER_USERS,
                                    "hosts.py": TYPER_HOSTS})
    pack = tmp_path / "pack"
    session = Session()
    ingest([src], pack, session=session)
    (src / "hosts.py").write_text(TYPER_HOSTS.replace("def reboot", "def restart"))
    again = ingest([src], pack, changed=[src / "hosts.py"], session=session)
    assert not again.work.discovered and again.work.parsed == ("hosts.py", "main.py")
    actions = {f.relpath: f.actions for f in again.files}
    assert "main_hosts_restart" in actions["main.py"]
    assert "main_hosts_reboot" not in actions["main.py"]


def test_a_package_at_the_repository_root_is_local_and_importable_from_subfolders(
        tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    ingest([OPS_REPO], pack)
    # left alone before: opslib and vendor were written to requirements.txt as PyPI names
    assert (pack / "requirements.txt").read_text() == "typer\n"
    assert (pack / "actions/scripts/opslib/aws.py").is_file()
    for action, params in (("check_quota", []), ("rotate_keys", ["service=api"]),
                           ("legacy_cleanup", []), ("list_instances", [])):
        run = run_action(pack, action, params, log=False)
        assert run.status == "succeeded", (action, run.result)
    assert run.result["result"]["stdout"] == "opslib.aws loaded\nweb-1\nweb-2"


def test_the_runtime_puts_the_scripts_root_on_pythonpath_only_for_copied_trees() -> None:
    from voodoo.runtime.voodoo_runtime import _with_search_path, scripts_search_path

    root = scripts_search_path("/p/actions/x.py", {"script": "scripts/bin/tool.py"})
    assert root == "/p/actions/scripts"
    assert scripts_search_path("/p/actions/x.py", {"script": "tool.py"}) is None
    env = _with_search_path({"PYTHONPATH": "/keep"}, root)
    assert env["PYTHONPATH"] == "/p/actions/scripts" + os.pathsep + "/keep"
    assert _with_search_path({}, None) == {}
