"""The import graph the README's architecture section draws: one way, no cycles.

Built from voodoo's own source (imports inside functions count too; imports only for type
checking do not), one node per module, with ``voodoo.analyzers`` and ``voodoo.local``
each one node. The graph is what the code says, so a new arrow pointing back up fails
here before a reader finds it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "voodoo"
#: run inside the pack or under StackStorm's Python, never imported by voodoo itself
NOT_IMPORTED = ("runtime", "st2stub")
#: the ingest pipeline, in the order the data flows (README, "Architecture")
PIPELINE = ("sources", "workers", "interpret", "render", "pack", "reconcile", "ingest")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _node(module: str) -> str:
    for package in ("voodoo.analyzers", "voodoo.local"):
        if module == package or module.startswith(f"{package}."):
            return package
    return module


def _type_checking_only(tree: ast.Module) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        name = getattr(test, "id", None) or getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            out.update(id(n) for n in ast.walk(node))
    return out


def imports(sources: dict[str, str]) -> dict[str, set[str]]:
    """Module -> the voodoo modules it imports (nodes as ``_node`` says)."""
    known = set(sources)
    graph: dict[str, set[str]] = {}
    for module, text in sources.items():
        tree = ast.parse(text)
        skip = _type_checking_only(tree)
        # what a relative import starts from: a package (an __init__) is its own
        is_package = any(other.startswith(f"{module}.") for other in known)
        package = module if is_package else module.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                targets = [f"{base}.{a.name}" for a in node.names]
                if base != "voodoo":  # (``from voodoo import x``: the module x)
                    targets.append(base)
            else:
                continue
            for target in targets:
                if target in known and _node(target) != _node(module):
                    graph.setdefault(_node(module), set()).add(_node(target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], node, nxt] if nxt in path else [nxt])
            elif nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def _voodoo_graph() -> dict[str, set[str]]:
    sources = {
        _name(p): p.read_text(encoding="utf-8")
        for p in sorted(PACKAGE.rglob("*.py"))
        if not set(NOT_IMPORTED) & set(p.relative_to(PACKAGE).parts)
    }
    return imports(sources)


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(_voodoo_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    graph = imports({
        "voodoo": "",
        "voodoo.a": "from voodoo import b\n",
        "voodoo.b": "import voodoo.c\n",
        "voodoo.c": "def late():\n    from voodoo.a import x\n",
        "voodoo.d": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import voodoo.a\n",
    })
    assert graph == {"voodoo.a": {"voodoo.b"}, "voodoo.b": {"voodoo.c"},
                     "voodoo.c": {"voodoo.a"}}  # (d's import is for type checking only)
    assert cycles(graph) and set(cycles(graph)[0]) == {"voodoo.a", "voodoo.b", "voodoo.c"}


def test_relative_imports_count_from_the_module_s_package() -> None:
    graph = imports({
        "voodoo": "",
        "voodoo.sub": "from . import a\n",  # (a package: voodoo.sub.a is below it)
        "voodoo.sub.a": "from .. import b\nfrom .c import x\n",
        "voodoo.sub.c": "",
        "voodoo.b": "",
    })
    assert graph == {"voodoo.sub": {"voodoo.sub.a"}, "voodoo.sub.a": {"voodoo.b", "voodoo.sub.c"}}


def test_no_module_imports_the_package_or_the_cli_back() -> None:
    graph = _voodoo_graph()
    assert graph["voodoo"] == {"voodoo._version"}  # (the rest of __init__ is lazy)
    assert [m for m, to in graph.items() if "voodoo" in to] == []
    assert sorted(m for m, to in graph.items() if "voodoo.cli" in to) == ["voodoo.__main__"]


def test_the_pipeline_flows_one_way_and_never_reaches_the_emulator() -> None:
    graph = _voodoo_graph()

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for i, stage in enumerate(PIPELINE):
        later = {f"voodoo.{s}" for s in PIPELINE[i + 1 :]}
        assert not reach(f"voodoo.{stage}") & later, stage
    assert "voodoo.local" not in reach("voodoo.ingest") | reach("voodoo.check")
    # the emulator uses the errors and their boundary, the runner table, paths, the one
    # writer and YAML emitter, and the configuration only
    assert graph["voodoo.local"] <= {"voodoo.errors", "voodoo.boundary", "voodoo.runners",
                                     "voodoo._paths", "voodoo._writer", "voodoo._yamlsafe",
                                     "voodoo.config"}
