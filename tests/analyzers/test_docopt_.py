import ast
import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.fidelity import (
    EXAMPLES,
    ParserRejected,
    load_runtime,
    mismatches,
    parse_with_docopt,
    value_strategy,
)
from voodoo.analysis import analyze_source
from voodoo.analyzers._docopt_usage import HELP_OPTIONS, read_usage
from voodoo.model import ArgKind, Command, Joiner, Param, ParamType, Script, Severity
from voodoo.wrapper import spec_for

T = ParamType
RUNTIME = load_runtime()


def script(source: str, path: str = "tool.py") -> Script:
    return analyze_source(textwrap.dedent(source), path)


def doc(usage: str) -> str:
    return f'"""Tool.\n\n{textwrap.dedent(usage)}"""\nfrom docopt import docopt\ndocopt(__doc__)\n'


def params(source: str) -> dict[str, Param]:
    result = script(source)
    assert result.framework == "docopt", result.diagnostics
    (command,) = result.commands
    return {p.name: p for p in command.params}


EMIT = {"kind", "option", "joiner", "position"}

CASES = [
    pytest.param(doc("Usage: tool.py <host>\n"), "host",
                 {"type": T.STRING, "required": True, "kind": ArgKind.POSITIONAL, "dest": "<host>"},
                 id="argument-required"),
    pytest.param(doc("Usage: tool.py [<host>]\n"), "host", {"required": False},
                 id="argument-optional"),
    pytest.param(doc("Usage: tool.py FILE\n"), "file", {"dest": "FILE", "required": True},
                 id="upper-case-argument"),
    pytest.param(doc("Usage: tool.py <src>...\n"), "src",
                 {"type": T.ARRAY, "items_type": T.STRING, "min_items": 1, "required": True},
                 id="repeated-argument-array"),
    pytest.param(doc("Usage: tool.py [--dry-run]\n"), "dry_run",
                 {"type": T.BOOLEAN, "default": False, "kind": ArgKind.FLAG,
                  "option": "--dry-run"}, id="switch"),
    pytest.param(doc("Usage: tool.py [-v...]\n"), "v",
                 {"type": T.INTEGER, "kind": ArgKind.COUNT, "option": "-v"},
                 id="repeated-switch-count"),
    pytest.param(doc("Usage: tool.py [--port=<n>]\n\nOptions:\n  --port=<n>  Port [default: 22]\n"),
                 "port", {"type": T.STRING, "default": "22", "kind": ArgKind.OPTION,
                          "joiner": Joiner.EQUALS, "description": "Port [default: 22]"},
                 id="option-default-string"),
    pytest.param(doc("Usage: tool.py [options]\n\nOptions:\n  -o FILE, --Out-File FILE  Where.\n"),
                 "out_file", {"option": "--Out-File", "dest": "--Out-File", "required": False,
                              "description": "Where."},
                 id="options-shortcut-long-name-lowered"),
    pytest.param(doc("Usage: tool.py -n N\n\nOptions:\n  -n N  How many.\n"), "n",
                 {"required": True, "joiner": Joiner.ATTACHED, "option": "-n"},
                 id="short-only-option-required"),
    pytest.param(doc("Usage:\n  tool.py start <svc>\n  tool.py stop <svc> [--force]\n"), "start",
                 {"type": T.BOOLEAN, "kind": ArgKind.COMMAND, "option": "start",
                  "required": False, "default": False, "position": 0}, id="command-word"),
    pytest.param(doc("Usage:\n  tool.py start <svc>\n  tool.py stop <svc> [--force]\n"), "svc",
                 {"required": True, "position": 2}, id="argument-in-every-pattern"),
    pytest.param(doc("Usage:\n  tool.py <a>\n  tool.py (-h | --help)\n  tool.py --version\n"),
                 "a", {"required": True}, id="help-patterns-ignored"),
    pytest.param(doc("Usage: tool.py (<a> | <b>)\n"), "a", {"required": False},
                 id="alternative-not-required"),
    pytest.param('from docopt import docopt as d\nU = """Usage: x.py --level=L"""\nd(U)\n',
                 "level", {"required": True, "kind": ArgKind.OPTION}, id="constant-and-alias"),
    pytest.param('import docopt\nU = "Usage: x.py <a>"\ndocopt.docopt(U + " <b>")\n', "b",
                 {"required": True, "position": 1}, id="expression-of-constants"),
]


@pytest.mark.parametrize(("source", "name", "expected"), CASES)
def test_param(source: str, name: str, expected: dict[str, Any]) -> None:
    found = params(source)[name]
    for key, value in expected.items():
        target = found.emit if key in EMIT else found
        assert getattr(target, key) == value, key


def test_help_and_version_are_not_parameters() -> None:
    found = params(doc("Usage:\n  t.py [-q]\n  t.py -h | --help\n  t.py --version\n"))
    assert list(found) == ["q"]


def test_double_dash_only_when_the_usage_allows_it() -> None:
    assert script(doc("Usage: t.py [--] <a>\n")).commands[0].double_dash is True
    assert [p.name for p in script(doc("Usage: t.py [--] <a>\n")).commands[0].params] == ["a"]
    assert script(doc("Usage: t.py <a>\n")).commands[0].double_dash is False


def test_description_is_the_first_paragraph_unless_it_is_the_usage() -> None:
    assert script(doc("Usage: t.py\n")).commands[0].description == "Tool."
    source = '"""Usage: t.py <a>"""\nfrom docopt import docopt\ndocopt(__doc__)\n'
    assert script(source).commands[0].description is None


IGNORED = [
    pytest.param('"""Usage: t.py <a>"""\nimport sys\nprint(sys.argv)\n', id="no-docopt-import"),
    pytest.param('"""Usage: t.py <a>"""\nimport docopt\n', id="imported-not-called"),
    pytest.param('"""Usage: t.py <a>"""\nfrom docopt import DocoptExit\nDocoptExit()\n',
                 id="other-docopt-name"),
]


@pytest.mark.parametrize("source", IGNORED)
def test_not_docopt(source: str) -> None:
    assert script(source).framework != "docopt"


BROKEN = [
    pytest.param(doc("Usage: t.py [<a>\n"), "docopt-usage-error", Severity.ERROR,
                 id="unmatched-bracket"),
    pytest.param('"""No usage here."""\nfrom docopt import docopt\ndocopt(__doc__)\n',
                 "docopt-usage-error", Severity.ERROR, id="no-usage-section"),
    pytest.param('from docopt import docopt\nimport os\ndocopt(os.environ["U"])\n',
                 "docopt-unknown-usage", Severity.WARNING, id="usage-not-static"),
]


@pytest.mark.parametrize(("source", "code", "severity"), BROKEN)
def test_reported_not_crashed(source: str, code: str, severity: Severity) -> None:
    result = script(source)
    assert result.commands == ()
    (found,) = [d for d in result.diagnostics if d.code == code]
    assert found.severity is severity and found.line > 0 and found.path == "tool.py"


def test_argument_repeated_in_one_pattern_only_is_noted() -> None:
    result = script(doc("Usage:\n  t.py add <f>...\n  t.py rm <f>\n"))
    assert {p.name: p.type for p in result.commands[0].params}["f"] is T.ARRAY
    assert [d.code for d in result.diagnostics] == ["docopt-partly-repeated"]
    assert script(doc("Usage: t.py <f>...\n")).diagnostics == ()


def test_parse_error_is_reported_at_the_usage_line() -> None:
    source = 'from docopt import docopt\n\nUSAGE = """\nUsage: t.py (<a>\n"""\ndocopt(USAGE)\n'
    (found,) = [d for d in script(source).diagnostics if d.code == "docopt-usage-error"]
    assert found.line == 3
    assert str(found).startswith("tool.py:3: error:")


# -- round trip: the script's own docopt reads back what StackStorm was given ---------------

DOCOPT_EXAMPLES = [
    pytest.param(path, id=path.stem)
    for path in sorted(EXAMPLES.glob("*.py"))
    if analyze_source(path.read_bytes(), path.name).framework == "docopt"
]


def test_there_are_docopt_examples() -> None:
    assert len(DOCOPT_EXAMPLES) >= 2


@st.composite
def pattern_params(draw: st.DrawFn, source: str, command: Command,
                   text: st.SearchStrategy[str] | None = None) -> dict[str, Any]:
    """Values for one usage pattern: its words set, its required keys, some optional ones
    (``text``: the strings to draw, as ``value_strategy`` takes them)."""
    usage = read_usage(_usage_of(source))
    choices = [
        (keys, needed) for keys, needed in zip(usage.patterns, usage.required, strict=True)
        if not set(keys) <= HELP_OPTIONS
    ]
    keys, needed = draw(st.sampled_from(choices))
    out: dict[str, Any] = {}
    for p in command.params:
        if p.dest not in keys:
            continue
        if p.emit.kind is ArgKind.COMMAND:
            out[p.name] = True
        elif p.dest in needed:  # required by this pattern: a list needs one item
            out[p.name] = draw(value_strategy(dataclasses.replace(p, required=True), text))
        elif draw(st.booleans()):
            out[p.name] = draw(value_strategy(p, text))
    return out


def _usage_of(source: str) -> str:
    # the test reads the example's usage text the way docopt would get it
    namespace: dict[str, Any] = {}
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            namespace[getattr(node.targets[0], "id", "")] = node.value.value
    return str(namespace.get("USAGE") or docstring)


def _typeable(value: Any) -> bool:
    # docopt reads "-x" as an option wherever it stands, whoever types it
    items = value if isinstance(value, list) else [value]
    return not any(isinstance(v, str) and v.startswith("-") and v != "-" for v in items)


@pytest.mark.parametrize("lease", ["-", "x"])
def test_a_lone_dash_is_passed_as_a_positional_value(lease: str) -> None:
    # found by the round trip below: "-" (stdin, to many tools) is a value to every
    # parser, docopt included, even where it has no "--" to put before it
    path = EXAMPLES / "vault_rotate.py"
    (command,) = analyze_source(path.read_text("utf-8"), path.name).commands
    values = {"revoke": True, "key": "", "lease_id": lease}
    argv = RUNTIME.build_argv(spec_for(command, f"scripts/{path.name}", parser="docopt"), values)
    assert argv[-1] == lease
    assert mismatches(command, values, parse_with_docopt(path, argv)) == [], argv
    with pytest.raises(RUNTIME.ArgvError, match="read it as an option"):  # "-x" still is
        RUNTIME.build_argv(
            spec_for(command, f"scripts/{path.name}", parser="docopt"),
            {**values, "lease_id": "-x"},
        )


@pytest.mark.parametrize("path", DOCOPT_EXAMPLES)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_argv_round_trips_through_docopt(path: Path, data: st.DataObject) -> None:
    source = path.read_text("utf-8")
    (command,) = analyze_source(source, path.name).commands
    values = data.draw(pattern_params(source, command), label="params")
    positional = {p.name for p in command.params if p.emit.kind is ArgKind.POSITIONAL}
    assume(all(_typeable(v) for k, v in values.items() if k in positional))
    argv = RUNTIME.build_argv(spec_for(command, f"scripts/{path.name}", parser="docopt"), values)
    try:
        parsed = parse_with_docopt(path, argv)
    except ParserRejected as e:
        raise AssertionError(f"argv {argv!r} rejected: {e}") from None
    assert mismatches(command, values, parsed) == [], argv
