"""Python 2 source -> Python 3 source, in memory, with the standard 2to3 fixers.

The conversion is fissix's (the maintained fork of lib2to3, which Python 3.13 removed):
its Python 2 grammar reads print statements, ``except E, e``, backticks, ``0755`` and
``ur''``, and its fixers are the ones every 2to3 user knows. Nothing is imported or run.

Nearly every fixer keeps the line count; the few that do not (tuple parameters, for one)
are mapped back with a line diff, so diagnostics still point at the original file.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import threading
import tokenize
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain
from typing import Any

__all__ = [
    "Conversion",
    "Python2Error",
    "convert",
    "convert_source",
    "except_comma_line",
    "is_python3",
    "pack_copy",
    "package_neutral",
]

#: Rewrites ``import sibling`` as ``from . import sibling``: right inside a package, wrong
#: for a script (run as ``__main__``, its folder is on ``sys.path``) and its sibling modules.
_PACKAGE_ONLY_FIXER = "fissix.fixes.fix_import"


class Python2Error(Exception):
    """The text is not Python 2 either (or a fixer failed on it).

    Not a VoodooError: parse.py turns it into a ParseError, and ``pack_copy`` copies such a
    file as it is."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """A Python 2 file converted to Python 3."""

    text: str  #: the Python 3 source
    #: ``(fixer, times applied)``, most applied first (``("print", 4)``, ``("except", 1)``)
    fixes: tuple[tuple[str, int], ...]
    #: for each line of ``text`` (index 0 = line 1), the original file's line
    lines: tuple[int, ...]

    def original_line(self, line: int) -> int:
        """The original file's line for ``line`` of the converted text (0 stays 0)."""
        if line <= 0 or not self.lines:
            return line
        return self.lines[min(line, len(self.lines)) - 1]

    @property
    def summary(self) -> str:
        """``3 fixes: print, except`` (or ``no fixes``)."""
        total = sum(count for _, count in self.fixes)
        if not total:
            return "no fixes"
        names = ", ".join(name for name, _ in self.fixes)
        return f"{total} fix{'es' if total != 1 else ''}: {names}"


#: a line that may hold ``except A, B:`` (cheap test before a full check)
EXCEPT_COMMA = re.compile(r"^[ \t]*except\b[^:\n(]*,", re.MULTILINE)


def is_python3(source: bytes) -> bool:
    """Whether ``source`` parses as Python 3 (only parsed, never compiled to bytecode).

    ``except A, B:`` does not count: Python 3.14 reads it as ``except (A, B):`` (PEP 758),
    Python 2 as ``except A as B:``, and the Pythons StackStorm runs not at all.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes, and the like
            tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return _except_comma_line(tree, source) == 0


def except_comma_line(source: bytes) -> int:
    """The first line with an unparenthesized ``except A, B:`` (0: none)."""
    if not EXCEPT_COMMA.search(source.decode("latin-1")):
        return 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError):  # the running Python is older than 3.14
        match = EXCEPT_COMMA.search(source.decode("latin-1"))
        return source.count(b"\n", 0, match.start()) + 1 if match else 0
    return _except_comma_line(tree, source)


def _except_comma_line(tree: ast.AST, source: bytes) -> int:
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Tuple):
            row = lines[node.type.lineno - 1]
            # a parenthesized tuple's position includes its "(" (Python >= 3.8)
            if row[node.type.col_offset : node.type.col_offset + 1] != b"(":
                return node.type.lineno
    return 0


def convert(text: str, path: str, *, package: bool = False) -> Conversion:
    """Convert Python 2 ``text`` to Python 3; ``Python2Error`` when it is not Python 2.

    ``package``: the file is a module inside a package, so an implicit relative import
    (``import sibling``) becomes ``from . import sibling`` when ``path``'s folder has the
    sibling; elsewhere imports are left alone.
    """
    if text and not text.endswith("\n"):
        text += "\n"  # lib2to3's tokenizer wants the last line ended
    # the path matters only to the package fixer (is the import a sibling?)
    return _convert(text, path if package else "", package)


@lru_cache(maxsize=8)  # analysis and the pack's copy convert the same text in a row
def _convert(text: str, path: str, package: bool) -> Conversion:
    with _LOCK:
        tool, counts = _tool(package)
        counts.clear()
        try:
            converted = str(tool.refactor_string(text, path))
        except RecursionError:
            # fissix's grammar and its tree printer recurse per nesting level (and even
            # str() of such an error recurses again): say no more than what happened.
            raise Python2Error("nested too deeply for the Python 2 grammar") from None
        except Exception as err:  # any failure of the grammar or a fixer: not Python 2
            raise Python2Error(f"{type(err).__name__}: {err}") from None
        fixes = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return Conversion(converted, fixes, _line_map(text, converted))


def convert_source(source: bytes, path: str, *, package: bool = False) -> tuple[bytes, Conversion]:
    """``convert`` for a file's bytes: decoded and re-encoded with its own encoding (the
    BOM and coding cookie are kept), so the result is the file a person would save."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    try:
        text = source.decode(encoding)
    except UnicodeDecodeError as err:
        raise Python2Error(f"cannot decode as {encoding}: {err.reason}") from None
    conversion = convert(text, path, package=package)
    return conversion.text.encode(encoding), conversion  # utf-8-sig puts the BOM back


def _line_map(before: str, after: str) -> tuple[int, ...]:
    old, new = before.splitlines(), after.splitlines()
    if len(old) == len(new):
        return tuple(range(1, len(new) + 1))
    out: list[int] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            # equal runs map one to one; a grown or shrunk run maps into its original span
            out.append(min(i1 + (j - j1), max(i1, i2 - 1)) + 1)
    return tuple(out)


#: what fissix's ``fix_import`` looks for beside a file, after an imported name
#: (``probably_a_local_import``); a folder of that name counts too
_LOCAL_SUFFIXES = (".py", ".pyc", ".so", ".sl", ".pyd")
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def package_neutral(source: bytes, path: str) -> bool:
    """Whether converting ``source`` as a package member (``package=True``) gives what
    converting it alone gives, so one conversion serves both.

    Only ``fix_import`` tells the two apart, and it changes an import only in a folder
    with an ``__init__.py``, and only of a name with a module or a folder of that name
    beside ``path``: here, there is no ``__init__.py``, or none of those names occurs in
    the file at all. (Over-cautious by design: a name in a comment makes it False.)"""
    folder = os.path.dirname(path) or "."
    if not os.path.exists(os.path.join(folder, "__init__.py")):
        return True
    try:
        with os.scandir(folder) as entries:
            beside = {
                entry.name if entry.is_dir() else entry.name.rpartition(".")[0]
                for entry in entries
                if entry.name.endswith(_LOCAL_SUFFIXES) or entry.is_dir()
            }
    except OSError:
        return False
    return not beside.intersection(w.decode("ascii") for w in _WORD.findall(source))


#: fissix's tool keeps per-run state (the grammar, each fixer's tree): one run at a time
_LOCK = threading.Lock()


@cache
def _tool(package: bool) -> tuple[Any, Counter[str]]:
    """A RefactoringTool with every standard fixer, each counting what it changes."""
    from fissix import refactor  # imported here: only Python 2 files pay for the grammar

    names = refactor.get_fixers_from_package("fissix.fixes")
    if not package:
        names = [name for name in names if name != _PACKAGE_ONLY_FIXER]
    tool = refactor.RefactoringTool(names)
    counts: Counter[str] = Counter()
    for fixer in chain(tool.pre_order, tool.post_order):
        name = type(fixer).__module__.rpartition(".")[2].removeprefix("fix_")
        fixer.transform = _counting(fixer.transform, name, counts)
        if name in _GATES:
            fixer.match = _gated(fixer.match, *_GATES[name]())
    return tool, counts


def _assert_names() -> tuple[frozenset[str], frozenset[str]]:
    from fissix.fixes.fix_asserts import NAMES

    return frozenset(), frozenset(NAMES)


#: fixers that the bottom matcher cannot serve, so fissix tries their pattern on every
#: ``power`` node (``a.b(c)``), backtracking through its wildcards: about half of a
#: conversion's time went to ``sorted`` and ``asserts``. Each of their patterns needs
#: the node to start with one of the first words, or to hold a ``.word`` trailer:
#: -> (first words, trailer words)
_GATES: dict[str, Callable[[], tuple[frozenset[str], frozenset[str]]]] = {
    "sorted": lambda: (frozenset({"sorted"}), frozenset({"sort"})),
    "asserts": _assert_names,
}


def _gated(
    match: Callable[[Any], Any], first: frozenset[str], trailers: frozenset[str]
) -> Callable[[Any], Any]:
    """``match``, asked only about a node that names one of the words its pattern needs
    (the result is the same: any other node could not match)."""
    from fissix.pygram import python_symbols

    trailer = python_symbols.trailer

    def gated(node: Any) -> Any:
        kids = node.children
        if kids and getattr(kids[0], "value", None) in first:
            return match(node)
        for kid in kids:
            if (
                kid.type == trailer
                and len(kid.children) == 2
                and getattr(kid.children[1], "value", None) in trailers
            ):
                return match(node)
        return False

    return gated


def _counting(
    transform: Callable[[Any, Any], Any], name: str, counts: Counter[str]
) -> Callable[[Any, Any], Any]:
    def counted(node: Any, results: Any) -> Any:
        before = str(node)
        new = transform(node, results)
        if str(node if new is None else new) != before:
            counts[name] += 1
        return new

    return counted


@lru_cache(maxsize=64)  # a helper module is copied once per script that imports it
def pack_copy(
    source: bytes, path: str, *, keep: bool = False, package: bool = False
) -> tuple[bytes, str | None]:
    """What goes into a pack for one file, and what was done to it (None: nothing, the
    file is Python 3 or not Python at all). ``keep``: a Python 2 file stays as it is."""
    if is_python3(source):
        return source, None
    if keep:
        return source, "the Python 2 original (kept: its actions run it with python2)"
    try:
        converted, conversion = convert_source(source, path, package=package)
    except Python2Error:
        return source, None  # its analysis or its importer reports why
    return converted, f"converted to Python 3 ({conversion.summary})"
