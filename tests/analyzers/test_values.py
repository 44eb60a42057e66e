from typing import Any

import libcst as cst
import pytest

from voodoo.analyzers._values import (
    Known,
    Unknown,
    Value,
    constant_lookup,
    keyword_arg,
    positional_args,
    static_value,
)

CONSTANTS = {"PORT": 8080, "NAME": "svc", "HOSTS": ["a", "b"]}


def lookup(expr: cst.BaseExpression) -> Value | None:
    if isinstance(expr, cst.Name) and expr.value in CONSTANTS:
        return Known(CONSTANTS[expr.value])
    return None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("42", 42),
        ("-3", -3),
        ("0x1F", 31),
        ("1_000", 1000),
        ("2.5", 2.5),
        ("'a' 'b'", "ab"),
        ("r'\\d+'", "\\d+"),
        ("'tab\\there'", "tab\there"),
        ("b'raw'", b"raw"),
        ("True", True),
        ("None", None),
        ("(1, 'x')", (1, "x")),
        ("[1, [2]]", [1, [2]]),
        ("{'k': 1}", {"k": 1}),
        ("{1, 2}", {1, 2}),
        ("PORT + 1", 8081),
        ("PORT * 2 // 3", 5386),
        ("'%s-%d' % (NAME, 3)", "svc-3"),
        ("'%d%%' % 5", "5%"),
        ("f'{NAME}:{PORT:05d}'", "svc:08080"),
        ("f'{NAME!r}'", "'svc'"),
        ("NAME.upper()", "SVC"),
        ("','.join(HOSTS)", "a,b"),
        ("'{}-{}'.format(NAME, 1)", "svc-1"),
        ("range(3)", [0, 1, 2]),
        ("range(1, 10, 4)", [1, 5, 9]),
        ("[*HOSTS, 'c']", ["a", "b", "c"]),
        ("HOSTS[0]", "a"),
        ("int('8')", 8),
        ("not True", False),
        ("'' or 'x'", "x"),
    ],
)
def test_known(source: str, expected: Any) -> None:
    result = static_value(cst.parse_expression(source), lookup)
    assert isinstance(result, Known)
    assert result.value == expected
    assert type(result.value) is type(expected)
    assert result.env == ()


@pytest.mark.parametrize(
    ("source", "expected", "env"),
    [
        ("os.environ.get('PORT', '8080')", "8080", ("PORT",)),
        ("os.getenv('HOST', 'localhost')", "localhost", ("HOST",)),
        ("os.environ.get('PORT') or 9000", 9000, ("PORT",)),
        ("int(os.getenv('N', '3'))", 3, ("N",)),
        ("os.getenv(key='K', default=NAME)", "svc", ("K",)),
    ],
)
def test_environment_fallback(source: str, expected: Any, env: tuple[str, ...]) -> None:
    result = static_value(cst.parse_expression(source), lookup)
    assert result == Known(expected, env)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("compute()", "calling compute()"),
        ("UNDEFINED", "not a known constant"),
        ("os.environ['PORT']", "not a known constant"),
        ("os.environ.get('PORT')", "no fallback"),
        ("x if y else z", "conditional"),
        ("lambda: 1", "not a static value"),
        ("'x' * 10**9", "too large"),
        ("'%999999999s' % 1", "too large"),
        ("range(10**9)", "too large"),
        ("1 / 0", "ZeroDivisionError"),
        ("HOSTS[5]", "IndexError"),
        ("[i for i in HOSTS]", "not a static value"),
    ],
)
def test_unknown(source: str, reason: str) -> None:
    result = static_value(cst.parse_expression(source), lookup)
    assert isinstance(result, Unknown)
    assert reason in result.reason


def test_unknown_keeps_the_node() -> None:
    expr = cst.parse_expression("[1, f()]")
    result = static_value(expr)
    assert isinstance(result, Unknown)
    assert isinstance(result.node, cst.Call)


def test_keyword_and_positional_args() -> None:
    call = cst.parse_expression("f('a', 'b', *rest, key=1)")
    assert isinstance(call, cst.Call)
    assert [cst.Module([]).code_for_node(a) for a in positional_args(call)] == ["'a'", "'b'"]
    assert keyword_arg(call, "key") is not None
    second = keyword_arg(call, "missing", 1)
    assert isinstance(second, cst.SimpleString) and second.value == "'b'"
    assert keyword_arg(call, "missing", 5) is None


# --- constant_lookup: the one lookup of module constants every analyzer uses -----------

MODULE = """\
BASE = "/srv"
DATA = BASE + "/data"
PORT = 8080
VERBOSE = True
DEBUG = VERBOSE
D = "a"
D = D + "b"
obj.attr = "set on an object"
"""


def _constants() -> dict[str, cst.BaseExpression]:
    from voodoo.analyzers._context import Context

    return Context(cst.parse_module(MODULE), "m.py", MODULE).constants


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("PORT", Known(8080)),
        ("DATA", Known("/srv/data")),  # a constant built from another one
        ("DEBUG", Known(True)),
        ("[PORT, DATA]", Known([8080, "/srv/data"])),
    ],
)
def test_constant_lookup_follows_constants(source: str, expected: Value) -> None:
    found = static_value(cst.parse_expression(source), constant_lookup(_constants()))
    assert found == expected


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("MISSING", "'MISSING' is not a known constant"),
        ("obj.attr", "'obj.attr' is not a known constant"),  # not a module constant
        # only the last assignment is kept, and it needs itself: unknown, without
        # recursing to Python's limit (that read as "expression too deep")
        ("D", "'D' is not a known constant"),
    ],
)
def test_constant_lookup_leaves_alone_what_is_not_a_constant(source: str, reason: str) -> None:
    found = static_value(cst.parse_expression(source), constant_lookup(_constants()))
    assert isinstance(found, Unknown)
    assert found.reason == reason


def test_constant_lookup_without_follow_reads_only_values_written_out() -> None:
    """``_entry`` skips an ``if FLAG:`` branch only on a flag set to a literal."""
    lookup = constant_lookup(_constants(), follow=False)
    assert static_value(cst.parse_expression("VERBOSE"), lookup) == Known(True)
    assert static_value(cst.parse_expression("PORT + 1"), lookup) == Known(8081)
    for chained in ("DEBUG", "DATA"):
        assert isinstance(static_value(cst.parse_expression(chained), lookup), Unknown)


SELF_REFERENCE = """\
import sys
import click
D = "a"
D = D + "b"
"""


def test_a_self_referencing_constant_reads_the_same_in_every_analyzer() -> None:
    """sysargv (through ``_list_reads``) and click read a constant with the same lookup:
    the same reason, where sysargv's used to recurse until "expression too deep"."""
    from voodoo.analysis import analyze_source

    sysargv = SELF_REFERENCE.replace("import click\n", "") + (
        "x = sys.argv[1] if len(sys.argv) > 1 else D\nprint(x)\n"
    )
    click = SELF_REFERENCE.replace("import sys\n", "") + (
        "@click.command()\n@click.option('--x', default=D)\ndef main(x):\n    print(x)\n\nmain()\n"
    )
    reasons = []
    for source, framework in ((sysargv, "sysargv"), (click, "click")):
        script = analyze_source(source, "s.py")
        assert script.framework == framework
        (unknown,) = [d for d in script.diagnostics if d.code == "unknown-default"]
        reasons.append(unknown.message.partition("(")[2].partition(")")[0])
    assert reasons == ["'D' is not a known constant"] * 2
