"""Bytes -> ``libcst.Module``, or a ``ParseError`` that names the file and line.

Nothing here imports, compiles to bytecode or runs the script: libcst builds a concrete
syntax tree, and on failure ``ast.parse`` (which only parses) is asked for a precise line.
A file that is not Python 3 but is Python 2 is converted in memory (``voodoo.py2``) and
the conversion is parsed instead.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from dataclasses import dataclass

import libcst as cst

from voodoo import py2
from voodoo.errors import ParseError, TooComplexError
from voodoo.limits import TOO_COMPLEX, nesting_problem

__all__ = ["Parsed", "parse", "parse_module"]


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed file; for a Python 2 file, the tree is its Python 3 conversion's."""

    module: cst.Module
    text: str  #: the decoded text ``module`` was parsed from
    python2: py2.Conversion | None = None  #: set when the file only parses as Python 2


def parse_module(source: bytes, path: str) -> cst.Module:
    """``parse(source, path).module``."""
    return parse(source, path).module


def parse(source: bytes, path: str, *, max_tokens: int | None = None) -> Parsed:
    """Parse ``source`` (the file's raw bytes) as Python 3, else as Python 2.

    The encoding is taken from a BOM or a PEP 263 coding cookie (default UTF-8), as
    Python itself would. Raises ``ParseError`` with ``path`` and a 1-based line for NUL
    bytes, unknown encodings, bytes the declared encoding cannot decode, and syntax errors
    (the Python 3 error, when the file is not Python 2 either). A Python 2 file is
    converted in memory: ``Parsed.python2`` maps the conversion's lines back. A file of
    more than ``max_tokens`` tokens raises ``TooComplexError`` before libcst sees it.
    """
    if source.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(
            "the file is UTF-16 or UTF-32 (it starts with that byte-order mark);"
            " Python reads source as UTF-8: re-save it as UTF-8",
            path=path,
            line=1,
        )
    nul = source.find(b"\x00")
    if nul != -1:
        raise ParseError(
            "file contains a NUL byte (binary file?)", path=path, line=_line_at(source, nul)
        )
    text = _decode(source, path)
    # before libcst, which would overflow the C stack, or spend minutes and gigabytes
    too_deep = nesting_problem(text, max_tokens)
    if too_deep is not None:
        error = TooComplexError if too_deep[1].startswith(TOO_COMPLEX) else ParseError
        raise error(too_deep[1], path=path, line=too_deep[0])
    try:
        # Given bytes, libcst detects the encoding itself and keeps it on the module.
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as err:
        line, message = _syntax_error_position(text, err)
    else:
        # libcst also reads Python 3.14's ``except A, B:``: in an older file that is Python 2
        line = py2.except_comma_line(source)
        if not line:
            return Parsed(module, text)
        message = "multiple exception types must be parenthesized"
    try:
        conversion = py2.convert(text, path)
    except py2.Python2Error:
        raise ParseError(
            f"syntax error: {message} (it does not parse as Python 2 either)", path=path, line=line
        ) from None
    try:
        module = cst.parse_module(conversion.text)
    except cst.ParserSyntaxError as err:
        converted = conversion.original_line(_syntax_error_position(conversion.text, err)[0])
        raise ParseError(
            f"syntax error: {message} (as Python 2, its Python 3 conversion "
            f"does not parse either: {err.message})",
            path=path,
            line=converted,
        ) from err
    return Parsed(module, conversion.text, conversion)


def _decode(source: bytes, path: str) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as err:
        if _cookie_line(source) == 0:  # no cookie: the first lines are not UTF-8
            encoding = "utf-8"
        else:
            raise ParseError(
                f"bad encoding declaration: {err}", path=path, line=_cookie_line(source)
            ) from None
    try:
        return source.decode(encoding)
    except UnicodeDecodeError as err:
        raise ParseError(
            f"cannot decode byte {source[err.start]:#04x} as {encoding}"
            " (add or fix the '# -*- coding: ... -*-' line)",
            path=path,
            line=_line_at(source, err.start),
        ) from None


def _syntax_error_position(text: str, err: cst.ParserSyntaxError) -> tuple[int, str]:
    """libcst sometimes reports the line after the real error; ast knows better."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for odd escapes
            ast.parse(text)
    except SyntaxError as py_err:
        if py_err.lineno:
            return py_err.lineno, py_err.msg
    except ValueError:
        pass
    return err.raw_line, err.message


def _line_at(source: bytes, offset: int) -> int:
    return source.count(b"\n", 0, offset) + 1


def _cookie_line(source: bytes) -> int:
    for number, line in enumerate(source.splitlines()[:2], start=1):
        if b"coding" in line and line.lstrip().startswith(b"#"):
            return number
    return 0
