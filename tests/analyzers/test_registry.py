"""The analyzer registry (``voodoo.analyzers.ANALYZERS``) is the only way in: every
framework module is in it, and nothing else (the analysis, the helper modules) names an
analyzer. What the analysis needs to know about one (a fallback, the calls that show it is
used, ``--functions``, variables tied to parameters) is a property of its entry."""

from __future__ import annotations

import ast
import importlib
import textwrap
import types
from pathlib import Path

import pytest

import voodoo
from voodoo.analysis import analyze_source
from voodoo.analyzers import ANALYZERS, Registered
from voodoo.model import ArgKind, Command, Emit, Param

PACKAGE = Path(voodoo.__file__).parent
ANALYZERS_DIR = PACKAGE / "analyzers"
REGISTERED_MODULES = {f"voodoo.analyzers.{name}_" for name in ANALYZERS}


def test_every_analyzer_module_is_registered_under_its_own_name() -> None:
    public = sorted(p.stem for p in ANALYZERS_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert public  # argparse_, click_, ...
    modules = {importlib.import_module(f"voodoo.analyzers.{stem}") for stem in public}
    assert {r.module for r in ANALYZERS.values()} == modules
    for name, registered in ANALYZERS.items():
        assert registered.module.name == name == registered.name
        assert f"voodoo.analyzers.{name}_" == getattr(registered.module, "__name__", None)
    # left alone: the helper modules (``_values``, ``_context``...) are no analyzers
    helpers = {p.stem for p in ANALYZERS_DIR.glob("_*.py")} - {"__init__"}
    assert {"_values", "_context", "_entry"} <= helpers
    assert not {_path(r.module).stem for r in ANALYZERS.values()} & helpers


def _path(module: object) -> Path:
    return Path(str(getattr(module, "__file__", "")))


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """String literals, docstrings left out (they may well name a framework)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def _imported(tree: ast.AST) -> set[str]:
    """Modules an ``import`` or ``from ... import`` statement brings in (both readings of
    ``from a import b``: the module ``a`` and the module ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_nothing_outside_the_registry_imports_an_analyzer_module() -> None:
    """Only the registry imports the analyzer modules (one framework built on another,
    typer on click, may import it)."""
    own = {ANALYZERS_DIR / "__init__.py"} | {_path(r.module) for r in ANALYZERS.values()}
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found = _imported(ast.parse(path.read_text())) & REGISTERED_MODULES
        if path not in own and found:
            offenders[str(path.relative_to(PACKAGE))] = sorted(found)
    assert offenders == {}
    # and the registry itself is found by the check
    registry = _imported(ast.parse((ANALYZERS_DIR / "__init__.py").read_text()))
    assert registry >= REGISTERED_MODULES


@pytest.mark.parametrize(
    "path",
    [
        PACKAGE / "analysis.py",
        *sorted(p for p in ANALYZERS_DIR.glob("_*.py") if p.name != "__init__.py"),
    ],
    ids=lambda p: p.name,
)
def test_the_analysis_and_the_helpers_name_no_analyzer(path: Path) -> None:
    """No analyzer is special-cased by its name: a string equal to one is only in the
    registry and in the analyzer's own module."""
    named = [
        (s.lineno, s.value) for s in _strings(ast.parse(path.read_text())) if s.value in ANALYZERS
    ]
    assert named == []


def test_the_name_check_sees_a_special_case() -> None:
    """What the checks above look for, so they cannot pass by looking at nothing."""
    old = textwrap.dedent('''\
        """Docstrings may say getopt."""
        from voodoo.analyzers import getopt_, functions_
        if analyzer.name in ("getopt", "functions"):
            pass
    ''')
    tree = ast.parse(old)
    assert {s.value for s in _strings(tree)} & set(ANALYZERS) == {"getopt", "functions"}
    assert _imported(tree) & REGISTERED_MODULES == {
        "voodoo.analyzers.getopt_",
        "voodoo.analyzers.functions_",
    }


# --- the analysis asks the registry: a framework added there alone is used ------------


def _fake(name: str, **properties: object) -> Registered:
    """A registered analyzer that claims files holding ``# fake``, with one command."""

    def analyze(ctx: object) -> tuple[list[Command], list[object]]:
        param = Param(name="pw", dest="pw", emit=Emit(ArgKind.OPTION, option="--pw"))
        return [Command(name="fake", description=None, params=(param,))], []

    module = types.SimpleNamespace(
        name=name, detect=lambda ctx: "# fake" in (ctx.text or ""), analyze=analyze
    )
    return Registered(module, **properties)


def test_a_framework_registered_and_nowhere_else_is_analyzed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ANALYZERS, "fake", _fake("fake"))
    script = analyze_source("# fake\nprint('hi')\n", "s.py")
    assert script.framework == "fake"
    assert [c.name for c in script.commands] == ["fake"]
    # left alone: a file it does not claim
    assert analyze_source("print('hi')\n", "t.py").framework == "noargs"


def test_variables_tied_to_parameters_come_from_the_registry_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A password prompt filling a variable the entry ties to a parameter makes that
    parameter secret (getopt's loop variables); without the entry's tie, it is a prompt."""
    source = "# fake\nimport getpass\nsecret = getpass.getpass()\n"
    monkeypatch.setitem(ANALYZERS, "fake", _fake("fake", variables=lambda ctx: {"secret": "pw"}))
    tied = analyze_source(source, "s.py")
    assert [p.secret for p in tied.commands[0].params] == [True]
    assert "password-prompt" not in {d.code for d in tied.diagnostics}

    monkeypatch.setitem(ANALYZERS, "fake", _fake("fake"))
    untied = analyze_source(source, "s.py")
    assert [p.secret for p in untied.commands[0].params] == [False]
    assert "password-prompt" in {d.code for d in untied.diagnostics}


def test_functions_mode_runs_the_entry_that_reads_unclaimed_files() -> None:
    """``--functions``: the registry entry with ``unclaimed`` (plain functions) reads a
    module no analyzer claimed; without the flag, it is left alone."""
    (entry,) = [r for r in ANALYZERS.values() if r.unclaimed is not None]
    source = "def greet(name: str = 'you'):\n    print(name)\n"
    with_flag = analyze_source(source, "lib.py", functions=True)
    assert with_flag.framework == entry.name
    assert [c.function for c in with_flag.commands] == ["greet"]
    assert analyze_source(source, "lib.py").commands == ()


def test_only_parsers_compete_for_a_file() -> None:
    """argparse and optparse in one file: a choice, noted. argparse and raw sys.argv: no
    choice (sys.argv is a fallback, ``parser=False``), no note."""
    assert {n for n, r in ANALYZERS.items() if not r.parser} == {"functions", "sysargv"}
    both = (
        "import argparse, optparse, sys\n"
        "p = argparse.ArgumentParser()\np.add_argument('--x')\np.parse_args()\n"
        "o = optparse.OptionParser()\no.add_option('--y')\n"
    )
    chosen = analyze_source(both, "s.py")
    assert chosen.framework == "argparse"
    assert "framework-choice" in {d.code for d in chosen.diagnostics}
    argv = "import argparse, sys\np = argparse.ArgumentParser()\np.add_argument('--x')\n"
    argv += "p.parse_args(sys.argv[1:])\n"
    plain = analyze_source(argv, "s.py")
    assert plain.framework == "argparse"
    assert "framework-choice" not in {d.code for d in plain.diagnostics}
