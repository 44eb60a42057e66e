import pytest

from voodoo.errors import ParseError
from voodoo.parse import parse_module


@pytest.mark.parametrize(
    ("source", "encoding", "code"),
    [
        pytest.param(b"x = 1\n", "utf-8", "x = 1\n", id="plain"),
        pytest.param(b"", "utf-8", "", id="empty"),
        pytest.param(b"\xef\xbb\xbfx = 1\n", "utf-8-sig", "x = 1\n", id="bom"),
        pytest.param(
            b'# -*- coding: latin-1 -*-\nx = "\xe9"\n',
            "iso-8859-1",
            '# -*- coding: latin-1 -*-\nx = "\xe9"\n',
            id="latin1-cookie",
        ),
        pytest.param(
            b"#!/usr/bin/env python\n# coding=utf-8\nx = 'caf\xc3\xa9'\n",
            "utf-8",
            "#!/usr/bin/env python\n# coding=utf-8\nx = 'café'\n",
            id="cookie-line-2",
        ),
    ],
)
def test_parses(source: bytes, encoding: str, code: str) -> None:
    module = parse_module(source, "s.py")
    assert module.encoding == encoding
    assert module.code == code


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        pytest.param(b"x = 1\ndef f(:\n    pass\n", 2, "syntax error", id="syntax"),
        pytest.param(b"x = (\n1,\n", 1, "never closed", id="unclosed"),
        pytest.param(b'print "hi" +\n', 1, "not parse as Python 2 either", id="python2-print"),
        pytest.param(b"x = 1\ny = 2\x00\n", 2, "NUL byte", id="nul"),
        pytest.param(b"x = 1\ny = '\xff'\n", 2, "cannot decode", id="bad-utf8"),
        pytest.param(b"# coding: bogus\nx = 1\n", 1, "encoding", id="unknown-cookie"),
    ],
)
def test_reports_bad_input(source: bytes, line: int, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_module(source, "bad.py")
    assert info.value.path == "bad.py"
    assert info.value.line == line
    assert fragment in info.value.message
    assert str(info.value).startswith(f"bad.py:{line}: ")
