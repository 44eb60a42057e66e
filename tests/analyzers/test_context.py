"""Context's cheap line look-up must agree with libcst's PositionProvider, and the walk
must see every node an analyzer asks about (and skip only trivia)."""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from voodoo.analyzers import _walk
from voodoo.analyzers._context import Context
from voodoo.analyzers._walk import find_all, laid_out, walk
from voodoo.deps import imports_in

SOURCE = textwrap.dedent('''\
    import click

    # a comment above the decorators
    @click.command()
    @click.option("--count", default=1)
    def main(count):
        """Say hi."""
        print(count)


    class Tool:
        # a comment above a method
        def run(self, retries=3):
            return retries

        def stop(self, retries=3):
            return retries


    def other(count):
        print(count)


    @click.pass_obj
    def one(obj):
        click.echo(obj)


    @click.pass_obj
    def two(obj):
        click.echo(obj)
    ''')


def _every_node(module: cst.Module) -> list[cst.CSTNode]:
    return find_all(module, cst.CSTNode)


def test_line_of_agrees_with_the_position_provider_for_every_node() -> None:
    module = cst.parse_module(SOURCE)
    truth = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    cheap = Context(module, "x.py", SOURCE)
    checked = 0
    for node in _every_node(module):
        if isinstance(node, cst.Module):
            continue
        assert cheap._unique_line(node) in (0, truth[node].start.line), cheap.code_for(node)
        assert cheap._line_within_statement(node) in (0, truth[node].start.line)
        assert cheap.line_of(node) == truth[node].start.line
        checked += 1
    assert checked > 50


def test_decorated_function_and_indented_method_lines_need_no_provider() -> None:
    module = cst.parse_module(SOURCE)
    ctx = Context(module, "x.py", SOURCE)
    main = module.body[1]
    assert isinstance(main, cst.FunctionDef)
    tool = module.body[2]
    assert isinstance(tool, cst.ClassDef)
    run = tool.body.body[0]
    assert isinstance(run, cst.FunctionDef)
    # the def line, not the comment's or the first decorator's
    assert ctx._unique_line(main) == 6
    assert ctx._unique_line(run) == 13
    assert ctx._positions is None  # answered from the text alone
    # "print(count)" is there twice: the file's text cannot tell, the text of the
    # function around each one can
    prints = [c for c in find_all(module, cst.Call) if ctx.code_for(c) == "print(count)"]
    assert [ctx._unique_line(c) for c in prints] == [0, 0]
    assert [ctx.line_of(c) for c in prints] == [8, 21]
    # "retries" twice in each method, and both methods alike: only the provider knows
    retries = [n for n in find_all(module, cst.Name) if n.value == "retries"]
    assert [ctx._line_within_statement(n) for n in retries] == [0, 0, 0, 0]
    assert ctx._positions is None
    assert [ctx.line_of(n) for n in retries] == [13, 14, 16, 17]
    assert ctx._positions is not None
    # inside a repeated decorator: the function's own code (after its decorators) holds
    # another "click"; the file around them is what places it
    ctx = Context(module, "x.py", SOURCE)
    names = [n for n in find_all(module, cst.Name) if n.value == "click"][-4:]
    assert [ctx.line_of(n) for n in names] == [24, 26, 29, 31]


def test_walk_visits_what_libcst_visits_except_trivia() -> None:
    module = cst.parse_module(SOURCE)
    seen: list[str] = []
    expected: list[str] = []

    class Record(cst.CSTVisitor):
        def __init__(self, out: list[str]) -> None:
            super().__init__()
            self.out = out

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.out.append(type(node).__name__)
            return True

    module.visit(Record(expected))

    class Named(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            seen.append(node.value)

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False  # children skipped, as with libcst

    walk(module, Named())
    assert "Tool" not in seen and "run" not in seen
    assert seen[:3] == ["click", "click", "command"]
    kinds = {type(n).__name__ for n in _every_node(module)}
    assert {"Comma", "SimpleWhitespace", "Newline", "LeftParen", "EmptyLine"} & kinds == set()
    assert {"Name", "Call", "Attribute", "Param", "Decorator", "SimpleString"} <= kinds
    assert {"Comma", "SimpleWhitespace", "EmptyLine"} <= set(expected)
    meaningful = [k for k in expected if k in kinds]
    assert meaningful == [type(n).__name__ for n in _every_node(module)]


@pytest.mark.parametrize("laid", [False, True], ids=["plain", "laid-out"])
def test_repeated_walks_of_a_module_and_of_its_parts_call_what_libcst_calls(laid: bool) -> None:
    """A module walked again (the analysis walks each file several times) is walked from
    the list the first walk made (within ``laid_out``), or the plain way: either way the
    same visit/leave calls, in the same order, as libcst's ``visit``; a skipped subtree
    gets its leave call but no visits; a walk of one statement inside the module sees that
    statement only. Nothing of the layout is kept after the block."""
    module = cst.parse_module(SOURCE)
    with laid_out(module) if laid else contextlib.nullcontext():
        _walks_as_libcst_does(module)
    assert _walk._current.get() is None


def _walks_as_libcst_does(module: cst.Module) -> None:

    class Record(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[tuple[str, str]] = []

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            self.calls.append(("visit", node.name.value))
            return node.name.value != "run"  # the method's body is skipped

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            self.calls.append(("leave", original_node.name.value))

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self.calls.append(("visit", node.name.value))

        def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
            self.calls.append(("leave", original_node.name.value))

        def visit_Name(self, node: cst.Name) -> None:
            self.calls.append(("name", node.value))

    expected = Record()
    module.visit(expected)
    for _ in range(2):  # the first walk and a repeated one
        again = Record()
        walk(module, again)
        assert again.calls == expected.calls
    run = expected.calls.index(("visit", "run"))
    assert expected.calls[run + 1] == ("leave", "run")  # no visit inside the skipped body
    assert ("name", "count") in expected.calls  # main's body is walked
    tool = next(n for n in find_all(module, cst.ClassDef) if n.name.value == "Tool")
    inside, alone = Record(), Record()
    tool.visit(inside)
    walk(tool, alone)
    assert alone.calls == inside.calls and alone.calls[0] == ("visit", "Tool")
    assert ("name", "click") not in alone.calls


# --- the one walk over a file's imports (Context's aliases and deps' modules) -----------

IMPORTS = textwrap.dedent("""\
    import os, a.b.c as abc
    from argparse import ArgumentParser as P, FileType
    from shlex import *
    from . import sibling, other as o
    from ..pkg.m import thing
    from . import *

    def main():
        try:
            import json
        except ImportError:
            import simplejson as json
        if json:
            from urllib.parse import quote

    text = "import notme"  # import norme either
    loaded = __import__("dynamic")
    also = importlib.import_module("dynamic2")
""")


def test_iter_imports_finds_every_import_statement_at_any_depth_as_written() -> None:
    from voodoo.analyzers._context import Imported, iter_imports

    found = list(iter_imports(cst.parse_module(IMPORTS)))
    assert found == [
        Imported("os"),
        Imported("a.b.c", asname="abc"),
        Imported("argparse", 0, "ArgumentParser", "P"),
        Imported("argparse", 0, "FileType"),
        Imported("shlex", 0, "*"),
        Imported("", 1, "sibling"),
        Imported("", 1, "other", "o"),
        Imported("pkg.m", 2, "thing"),
        Imported("", 1, "*"),
        Imported("json"),
        Imported("simplejson", asname="json"),
        Imported("urllib.parse", 0, "quote"),
    ]
    # left alone: import words in strings and comments, __import__ and import_module calls
    assert not {"notme", "norme", "dynamic", "dynamic2"} & {i.module for i in found}
    assert [i.written for i in found if i.level] == [".", ".", "..pkg.m", "."]


def test_context_and_deps_read_the_same_walk(tmp_path: Path) -> None:
    """Context (which framework, which alias) and deps (which files to copy) see the same
    imports: the absolute modules deps lists are the ones Context says are imported."""
    (tmp_path / "m.py").write_text(IMPORTS)
    ctx = Context(cst.parse_module(IMPORTS), "m.py", IMPORTS)
    listed = imports_in(tmp_path / "m.py")
    assert listed == [
        "os", "a.b.c", "argparse", "shlex", ".sibling", ".other", "..pkg.m", ".", "json",
        "simplejson", "urllib.parse",
    ]  # fmt: skip
    assert {n.partition(".")[0] for n in listed if not n.startswith(".")} == ctx.imports
    assert ctx.relative_imports == {".", "..pkg.m"}
    assert ctx.star_imports == ["shlex"]
    # the last binding of a name wins, a plain import only names its top-level package
    assert ctx.aliases == {
        "os": "os",
        "abc": "a.b.c",
        "P": "argparse.ArgumentParser",
        "FileType": "argparse.FileType",
        "json": "simplejson",
        "quote": "urllib.parse.quote",
    }
