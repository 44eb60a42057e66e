"""Bytes -> ``libcst.Module``, or a ``ParseError`` that names the file and line.

Nothing here imports, compiles to bytecode or runs the script: libcst builds a concrete
syntax tree, and on failure ``ast.parse`` (which only parses) is asked for a precise line.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings

import libcst as cst

from voodoo.errors import ParseError
from voodoo.limits import nesting_problem

__all__ = ["parse_module"]


def parse_module(source: bytes, path: str) -> cst.Module:
    """Parse ``source`` (the file's raw bytes) as Python 3.

    The encoding is taken from a BOM or a PEP 263 coding cookie (default UTF-8), as
    Python itself would. Raises ``ParseError`` with ``path`` and a 1-based line for NUL
    bytes, unknown encodings, bytes the declared encoding cannot decode, and syntax errors.
    """
    if source.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("the file is UTF-16 or UTF-32 (it starts with that byte-order mark);"
                         " Python reads source as UTF-8: re-save it as UTF-8", path=path, line=1)
    nul = source.find(b"\x00")
    if nul != -1:
        raise ParseError(
            "file contains a NUL byte (binary file?)", path=path, line=_line_at(source, nul)
        )
    text = _decode(source, path)
    too_deep = nesting_problem(text)  # before libcst, which would overflow the C stack
    if too_deep is not None:
        raise ParseError(too_deep[1], path=path, line=too_deep[0])
    try:
        # Given bytes, libcst detects the encoding itself and keeps it on the module.
        return cst.parse_module(source)
    except cst.ParserSyntaxError as err:
        line, message = _syntax_error_position(text, err)
        # The place for a Python 2 fallback: try the Python 2 grammar here before giving
        # up, and mark the resulting Script as ``python2``.
        raise ParseError(f"syntax error: {message}", path=path, line=line) from err


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
