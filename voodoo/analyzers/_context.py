"""What every analyzer needs to know about one file, computed once and cheaply.

Import aliases come from the ``Import``/``ImportFrom`` statements (at any depth, but only
statements are walked, never expressions), which answers ``import argparse as ap`` for a
fraction of what libcst's scope/qualified-name providers cost. Line numbers are resolved
lazily: the ``PositionProvider`` runs only when a diagnostic first asks for a line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from voodoo.analyzers._walk import flat_parents
from voodoo.model import Diagnostic, Severity

__all__ = [
    "LINES",
    "Context",
    "Imported",
    "Line",
    "Statement",
    "dotted_name",
    "is_main_test",
    "iter_imports",
    "iter_statements",
    "statements_of",
]

#: A line of simple statements: one on its own (``a = 1; b()``), or the one-line body of a
#: compound statement (``if x: a = 1; b()``), which holds the same small statements and
#: must be read the same way (an ``add_argument`` there is a parameter like any other).
Line = cst.SimpleStatementLine | cst.SimpleStatementSuite
LINES = (cst.SimpleStatementLine, cst.SimpleStatementSuite)
#: What a block holds: statements, or (a one-line body) its one line.
Statement = cst.BaseStatement | cst.SimpleStatementSuite


class Context:
    """Per-file facts: module, path, stem, imports, module constants, docstring, lines."""

    def __init__(
        self, module: cst.Module, path: str, text: str | None = None, origin: str | None = None
    ) -> None:
        self.module = module
        self.path = path
        #: the file on disk, when analyzed from one (sibling modules are found next to it)
        self.origin = origin
        #: sibling modules whose commands became this file's sub-commands (their paths
        #: named like ``path``): they are not actions of their own
        self.mounted: list[str] = []
        #: the decoded source, when the caller has it: makes most line look-ups cheap
        self.text = text
        self.stem = PurePath(path.replace("\\", "/")).stem
        #: local name -> fully qualified dotted name (``ap`` -> ``argparse``,
        #: ``P`` -> ``argparse.ArgumentParser``)
        self.aliases: dict[str, str] = {}
        #: modules imported with ``from M import *``
        self.star_imports: list[str] = []
        #: absolute top-level module names imported anywhere in the file
        self.imports: set[str] = set()
        #: relative imports (``from . import x``), as written (``.``, ``..pkg``)
        self.relative_imports: set[str] = set()
        #: module-level ``NAME = expr`` assignments (the last one wins)
        self.constants: dict[str, cst.BaseExpression] = {}
        self.docstring: str | None = module.get_docstring(clean=True)
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None
        self._parents: dict[int, cst.CSTNode] | None = None  #: id(node) -> its parent
        self._collect()

    # -- imports -----------------------------------------------------------------------

    def qualname(self, expr: cst.BaseExpression) -> str | None:
        """The dotted name ``expr`` refers to, with import aliases resolved, or None."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def refers_to(self, expr: cst.BaseExpression, qualified: str) -> bool:
        """Whether ``expr`` names ``qualified`` (``argparse.ArgumentParser``)."""
        name = self.qualname(expr)
        if name == qualified:
            return True
        module, _, attr = qualified.rpartition(".")
        return (
            isinstance(expr, cst.Name)
            and expr.value == attr
            and expr.value not in self.aliases
            and module in self.star_imports
        )

    def imports_module(self, module: str) -> bool:
        """Whether ``module`` (or something inside it) is imported anywhere."""
        return module in self.imports

    def mentions(self, word: str) -> bool:
        """Whether ``word`` appears anywhere in the source (True when the text is unknown).

        A free first test before a tree walk: code that uses ``sys.argv`` under any
        alias still spells ``argv`` somewhere (in the import, at least)."""
        return self.text is None or word in self.text

    # -- lines -------------------------------------------------------------------------

    def line_of(self, node: cst.CSTNode | None) -> int:
        """1-based line where ``node`` starts (0 when unknown). The first call pays once."""
        if node is None:
            return 0
        line = self._unique_line(node) or self._line_within_statement(node)
        if line:
            return line
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        position = self._positions.get(node)
        return position.start.line if position is not None else 0

    def _unique_line(self, node: cst.CSTNode) -> int:
        return self._placed(node)[0]

    def _placed(self, node: cst.CSTNode) -> tuple[int, str]:
        """(line, ``_code_from_start(node)``); line 0 when the text alone cannot tell.

        A node's code appears verbatim in the source (libcst round-trips exactly); when
        it appears exactly once, its offset gives the line without the PositionProvider,
        which costs about twice the parse. Ambiguous snippets fall back to the provider."""
        if self.text is None or isinstance(node, cst.Module):
            return 0, ""
        snippet = self._code_from_start(node)
        if snippet.startswith("#"):
            return 0, snippet  # a block starting with a statement's comments
        line = self._line_of_text(snippet)
        if line == -1 and "\n" in snippet:
            # code_for_node drops the indentation a nested block has in the file (a
            # method's body): its first line still appears as written
            line = self._line_of_text(snippet.partition("\n")[0].strip())
        return max(line, 0), snippet

    def _code_from_start(self, node: cst.CSTNode) -> str:
        """``node``'s code from where the PositionProvider puts its start: for a statement,
        at ``def``/``class``, after the comments and decorators above it."""
        above = {f: () for f in ("leading_lines", "decorators") if getattr(node, f, None)}
        return self.module.code_for_node(node.with_changes(**above) if above else node).strip()

    def _line_within_statement(self, node: cst.CSTNode) -> int:
        """For code that occurs more than once in the file (``args[0]``): the line of the
        nearest statement around ``node`` that the text places, plus where ``node``'s code
        occurs in that statement, if it occurs there once. 0 when that does not settle it.
        """
        if self.text is None:
            return 0
        # the first line only: the lines after it are indented as the file nests them
        snippet = self._code_from_start(node).partition("\n")[0].strip()
        if not snippet or snippet.startswith("#"):
            return 0  # a block starting with a statement's comments: the provider knows
        parents = self._parent_map()
        find = _finder(snippet, node, parents.get(id(node)))
        below, current = node, parents.get(id(node))
        while current is not None:
            anchor = self._anchor(current, below)
            if anchor is not None:
                start, code = anchor
                offset = find(code)
                if offset == _REPEATED:
                    return 0  # repeated in here too: a statement further out is no help
                return start + code.count("\n", 0, offset) if offset >= 0 else 0
            below, current = current, parents.get(id(current))
        return 0

    def _anchor(self, node: cst.CSTNode, below: cst.CSTNode) -> tuple[int, str] | None:
        """(line, code from that line) of a statement or decorator the text places, for
        looking up its descendant ``below``; None when it is not one or is not placed."""
        if not isinstance(node, cst.BaseStatement | cst.Decorator):
            return None
        start, code = self._placed(node)
        if not start:
            return None
        decorators = getattr(node, "decorators", ())
        if below in decorators:
            # the code from the first decorator: as many lines above ``def`` as they take
            whole = self.module.code_for_node(node.with_changes(leading_lines=())).strip()
            start -= whole.count("\n") - code.count("\n")
            code = whole
        return start, code

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The node ``node`` sits in (trivia aside; None for the module)."""
        return self._parent_map().get(id(node))

    def _parent_map(self) -> dict[int, cst.CSTNode]:
        if self._parents is None:
            self._parents = flat_parents(self.module)
        return self._parents

    def _line_of_text(self, snippet: str) -> int:
        """The line where ``snippet`` occurs once in the text; 0 ambiguous, -1 absent."""
        assert self.text is not None
        if len(snippet) < 3:
            return 0
        first = self.text.find(snippet)
        if first == -1:
            return -1
        if self.text.find(snippet, first + 1) != -1:
            return 0
        return self.text.count("\n", 0, first) + 1

    def diagnostic(
        self, node: cst.CSTNode | None, severity: Severity, code: str, message: str
    ) -> Diagnostic:
        return Diagnostic(self.path, self.line_of(node), severity, code, message)

    def code_for(self, node: cst.CSTNode) -> str:
        """The source text of ``node`` (for messages)."""
        return self.module.code_for_node(node).strip()

    # -- collection --------------------------------------------------------------------

    def _collect(self) -> None:
        for statement in self.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._collect_constant(small)
        for imported in iter_imports(self.module):
            self._collect_import(imported)

    def _collect_constant(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name):
                self.constants[target.value] = small.value
        elif (
            isinstance(small, cst.AnnAssign)
            and isinstance(small.target, cst.Name)
            and small.value is not None
        ):
            self.constants[small.target.value] = small.value

    def _collect_import(self, imported: Imported) -> None:
        if imported.level:
            self.relative_imports.add(imported.written)
            return
        head = imported.module.partition(".")[0]
        self.imports.add(head)
        if imported.name is None:  # import a.b [as c]
            if imported.asname is not None:
                self.aliases[imported.asname] = imported.module
            else:
                self.aliases.setdefault(head, head)
        elif imported.name == "*":
            self.star_imports.append(imported.module)
        else:
            local = imported.asname or imported.name
            self.aliases[local] = f"{imported.module}.{imported.name}"


@dataclass(frozen=True, slots=True)
class Imported:
    """One name an import statement binds, as written (nothing is resolved): ``import a.b
    as c`` is module ``a.b``, asname ``c``; ``from ..p import x`` is module ``p``, level 2,
    name ``x``; ``from m import *`` has name ``*``. ``Context`` reads its aliases from
    these, ``deps`` the modules a script makes Python load."""

    module: str  #: dotted, without the leading dots ("" in ``from . import x``)
    level: int = 0  #: the leading dots of a relative import (0: an absolute one)
    #: ``from module import name`` (``*`` for a star import); None for ``import module``
    name: str | None = None
    asname: str | None = None  #: the ``as`` name, when there is one

    @property
    def written(self) -> str:
        """The module as the statement writes it, leading dots included (``..p``)."""
        return "." * self.level + self.module


def iter_imports(module: cst.Module) -> Iterator[Imported]:
    """Every name the module's import statements bind, in source order, at any depth
    (inside functions, ``try`` blocks, ``if`` branches). Imports are always statements,
    so only statements are walked, never expressions: the one walk over a file's imports
    (analyzers' aliases, the local modules ``deps`` follows)."""
    for statement in iter_statements(module.body):
        if not isinstance(statement, LINES):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted_name(alias.name)
                    if name is not None:
                        yield Imported(name, asname=_asname(alias))
            elif isinstance(small, cst.ImportFrom):
                base = dotted_name(small.module) if small.module is not None else None
                level = len(small.relative)
                if not base and not level:
                    continue
                if isinstance(small.names, cst.ImportStar):
                    yield Imported(base or "", level, "*")
                    continue
                for alias in small.names:
                    name = dotted_name(alias.name)
                    if name is not None:
                        yield Imported(base or "", level, name, _asname(alias))


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def dotted_name(expr: cst.BaseExpression | cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def is_main_test(expr: cst.BaseExpression) -> bool:
    """``__name__ == "..."`` (the test of an ``if __name__ == "__main__":`` block)."""
    return (
        isinstance(expr, cst.Comparison)
        and isinstance(expr.left, cst.Name)
        and expr.left.value == "__name__"
        and len(expr.comparisons) == 1
        and isinstance(expr.comparisons[0].operator, cst.Equal)
        and isinstance(expr.comparisons[0].comparator, cst.SimpleString)
    )


def iter_statements(body: object) -> Iterator[Statement]:
    """Every statement in ``body``, depth first, descending into compound statements only;
    a one-line body (``if x: a()``) comes as its line, a ``SimpleStatementSuite``."""
    stack: list[object] = list(reversed(statements_of(body)))
    while stack:
        statement = stack.pop()
        if not isinstance(statement, cst.BaseStatement | cst.SimpleStatementSuite):
            continue
        yield statement
        children: list[Statement] = []
        for block in _blocks(statement):
            children.extend(statements_of(block))
        stack.extend(reversed(children))


def statements_of(body: object) -> list[Statement]:
    """A block's statements: an indented block's (or a module's, or a list's), or a
    one-line body as its one line."""
    if isinstance(body, cst.SimpleStatementSuite):
        return [body]
    inner = body.body if isinstance(body, cst.BaseSuite) else body
    if not isinstance(inner, tuple | list):
        return []
    return [s for s in inner if isinstance(s, cst.BaseStatement | cst.SimpleStatementSuite)]


def _blocks(statement: Statement) -> list[object]:
    """The nested suites of a compound statement, in source order."""
    if isinstance(statement, LINES):
        return []
    blocks: list[object] = []
    body = getattr(statement, "body", None)
    if body is not None:
        blocks.append(body)
    if isinstance(statement, cst.Try | cst.TryStar):
        blocks.extend(handler.body for handler in statement.handlers)
    if isinstance(statement, cst.Match):
        blocks.extend(case.body for case in statement.cases)
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:
        blocks.append(orelse.body)
        orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
    finalbody = getattr(statement, "finalbody", None)
    if finalbody is not None:
        blocks.append(finalbody.body)
    return blocks


_REPEATED = -2


def _finder(snippet: str, node: cst.CSTNode, parent: cst.CSTNode | None) -> Callable[[str], int]:
    """A search for ``node``'s first line ``snippet`` in a piece of code: its offset, -1
    absent, ``_REPEATED``. A plain name is searched as a whole identifier, not inside a
    string or another name (``"args": args`` holds the name ``args`` once); the name after
    a dot is left to the plain search."""
    if isinstance(node, cst.Name) and not (
        isinstance(parent, cst.Attribute) and parent.attr is node
    ):
        pattern = re.compile(rf"(?<![\w.'\"]){re.escape(snippet)}(?![\w'\"])")

        def by_pattern(code: str) -> int:
            found = [m.start() for m in itertools.islice(pattern.finditer(code), 2)]
            return found[0] if len(found) == 1 else (-1 if not found else _REPEATED)

        return by_pattern

    def plain(code: str) -> int:
        first = code.find(snippet)
        if first != -1 and code.find(snippet, first + 1) != -1:
            return _REPEATED
        return first

    return plain
