from typing import Any

import libcst as cst
import pytest

from voodoo.analyzers._values import (
    Known,
    Unknown,
    Value,
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
