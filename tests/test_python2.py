"""Python 2 scripts: analyzed through their Python 3 conversion, with the original lines;
the pack's copy converted (and run for real), or kept as it is with ``keep_python2``."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fidelity import EXAMPLES
from voodoo import py2
from voodoo.analysis import analyze_source
from voodoo.cli import cli
from voodoo.config import Settings
from voodoo.deps import imports_in, third_party
from voodoo.ingest import FileStatus, ingest
from voodoo.local.execute import run_action
from voodoo.model import Severity

PY2_EXAMPLES = ("host_inventory.py", "check_disk_usage.py")

#: an argparse script; ``{construct}`` is line 2, the unknowable default is on line 5
_SCRIPT = """\
import argparse, sys
{construct}
p = argparse.ArgumentParser()
p.add_argument("--level", type=int, default=0)
p.add_argument("--when", default=compute())
args = p.parse_args()
"""

CONSTRUCTS = [
    pytest.param("print 'starting'", "print", id="print"),
    # alone, ``print >>f, x`` is a valid Python 3 expression (see below)
    pytest.param("print >>sys.stderr, 'starting', 1\nprint 'x'", "print", id="print-to-stderr"),
    pytest.param("try: pass\nexcept ValueError, e: pass", "except", id="except-comma"),
    pytest.param("x = `sys.argv`", "repr", id="backticks"),
    pytest.param("MODE = 0755", "numliterals", id="octal"),
    pytest.param("PAT = ur'\\d+'", "unicode", id="ur-string"),
    # valid Python 3 syntax on their own (they fail only when run): with a print statement
    pytest.param("for k, v in {}.iteritems(): print k", "dict", id="iteritems"),
    pytest.param("if {}.has_key('a'): print 'a'", "has_key", id="has_key"),
    pytest.param("print raw_input()", "raw_input", id="raw_input"),
    pytest.param("print unicode('a')", "unicode", id="unicode"),
    pytest.param("for i in xrange(3): print i", "xrange", id="xrange"),
    pytest.param("exec 'x = 1'", "exec", id="exec"),
    pytest.param("exec 'x = 1' in {}", "exec", id="exec-in"),
    pytest.param("raise SystemExit, 'no'", "raise", id="raise-comma"),
    pytest.param("BIG = 10L", "numliterals", id="long"),
    pytest.param("ok = 1 <> 2", "ne", id="not-equal"),
]


@pytest.mark.parametrize(("construct", "fixer"), CONSTRUCTS)
def test_each_python2_construct_is_analyzed_with_original_lines(construct: str,
                                                                 fixer: str) -> None:
    source = _SCRIPT.format(construct=construct)
    with pytest.raises(SyntaxError):
        compile(source, "s.py", "exec")  # really not Python 3
    script = analyze_source(source, "s.py")
    assert script.ok and script.python2 and script.framework == "argparse"
    (command,) = script.commands
    assert [(p.name, p.default) for p in command.params] == [("level", 0), ("when", None)]
    note, *rest = script.diagnostics
    assert (note.severity, note.code, note.line) == (Severity.INFO, "python2", 0)
    assert note.message.startswith("parsed as Python 2, through its Python 3 conversion (")
    assert fixer in note.message
    # what happens to the pack's copy is the ingest's to say (it may be kept as it is)
    assert "copy" not in note.message
    lines = 1 + construct.count("\n")
    assert [(d.code, d.line) for d in rest] == [("unknown-default", 4 + lines)]


def test_lines_are_mapped_back_when_a_fixer_adds_lines() -> None:
    source = _SCRIPT.format(construct="def f((a, b)):\n    return a")  # fix_tuple_params
    conversion = py2.convert(source, "s.py")
    assert len(conversion.text.splitlines()) == len(source.splitlines()) + 1
    script = analyze_source(source, "s.py")
    assert [(d.code, d.line) for d in script.diagnostics[1:]] == [("unknown-default", 6)]


def test_a_python3_file_is_never_converted() -> None:
    source = (b"import argparse\nprint('x')\ntry: pass\nexcept (ValueError, KeyError): pass\n"
              b"argparse.ArgumentParser().parse_args()\n")
    script = analyze_source(source, "s.py")
    assert not script.python2
    assert not any(d.code == "python2" for d in script.diagnostics)
    assert py2.pack_copy(source, "s.py") == (source, None)
    assert py2.pack_copy(source, "s.py", keep=True) == (source, None)


def test_print_chevron_alone_is_valid_python3_and_left_alone() -> None:
    """A known limit: ``print >>sys.stderr, "x"`` parses as Python 3 (a tuple whose first
    item is ``print >> sys.stderr``), so a file whose only Python 2 is that is copied as
    is and fails when it runs. One real print statement anywhere makes it Python 2."""
    source = b"import sys\nprint >>sys.stderr, 'x'\n"
    assert py2.is_python3(source)
    assert not analyze_source(source, "s.py").python2


@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param("x = 1\nprint 'a' +\n", 2, id="print-statement-broken"),
        pytest.param("x = 1\ny = (\n", 2, id="unclosed"),
        pytest.param("def f():\n    return f'{x}' \n  bad\n", 3, id="dedent"),
    ],
)
def test_a_file_that_is_neither_python_3_nor_2_is_an_error_with_its_line(source: str,
                                                                          line: int) -> None:
    script = analyze_source(source, "bad.py")
    (error,) = script.diagnostics
    assert (error.severity, error.code, error.line) == (Severity.ERROR, "parse-error", line)
    assert "does not parse as Python 2 either" in error.message
    assert not script.python2


def test_conversion_report_counts_fixes() -> None:
    conversion = py2.convert("print 1\nprint 2\ntry: pass\nexcept E, e: pass\n", "s.py")
    assert conversion.fixes == (("print", 2), ("except", 1))
    assert conversion.summary == "3 fixes: print, except"
    assert py2.convert("x = 1\n", "s.py").summary == "no fixes"
    with pytest.raises(py2.Python2Error):
        py2.convert("x = (\n", "s.py")


def test_sorted_and_asserts_fixers_still_rewrite_what_their_patterns_match() -> None:
    """fissix tries these two fixers' patterns only on nodes naming their words
    (``py2._GATES``): every form their patterns match is still rewritten, and a lookalike
    they do not match (``foo.sorted``, a bare ``assertEquals``) is left alone."""
    source = (
        "self.assertEquals(1, 1)\n"
        "self.failUnless(x)\n"
        "self.failIf(z)\n"
        "x = sorted(a, cmp)\n"
        "y = sorted(a, cmp, key)\n"
        "l.sort(cmp)\n"
        "a[1].sort(f, g)\n"
        "a.b().sort(f)\n"
        "foo.sorted(x, y)\n"
        "assertEquals(1, 2)\n"
    )
    conversion = py2.convert(source, "s.py")
    assert conversion.text == (
        "from functools import cmp_to_key\n"
        "self.assertEqual(1, 1)\n"
        "self.assertTrue(x)\n"
        "self.assertFalse(z)\n"
        "x = sorted(a, key=cmp_to_key(cmp))\n"
        "y = sorted(a, cmp=cmp, key=key)\n"
        "l.sort(key=cmp_to_key(cmp))\n"
        "a[1].sort(cmp=f, key=g)\n"
        "a.b().sort(key=cmp_to_key(f))\n"
        "foo.sorted(x, y)\n"
        "assertEquals(1, 2)\n"
    )
    assert dict(conversion.fixes) == {"asserts": 3, "sorted": 5}


def test_encoding_cookie_and_bom_are_kept() -> None:
    latin = "# -*- coding: latin-1 -*-\nprint 'caf\xe9'\n".encode("latin-1")
    converted, _ = py2.convert_source(latin, "s.py")
    assert converted == "# -*- coding: latin-1 -*-\nprint('caf\xe9')\n".encode("latin-1")
    bom = b"\xef\xbb\xbfprint 'x'\n"
    assert py2.convert_source(bom, "s.py")[0] == b"\xef\xbb\xbfprint('x')\n"


# -- dependencies -----------------------------------------------------------------------

def test_python2_modules_imports_are_read_and_python2_stdlib_is_not_third_party(
        tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import urllib2, ConfigParser, requests\nprint 'x'\n")
    names = imports_in(tmp_path / "m.py")
    assert "requests" in names and "configparser" in names
    py2_names = ["ConfigParser", "urllib2", "urlparse", "cPickle", "cStringIO", "StringIO",
                 "commands", "httplib", "Queue", "md5", "sets", "xmlrpclib", "Tkinter",
                 "SocketServer", "HTMLParser", "cookielib", "thread", "dummy_threading"]
    assert third_party([*py2_names, "requests"], []) == ["requests"]


# -- ingest -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def py2_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in PY2_EXAMPLES:
        shutil.copy(EXAMPLES / name, src / name)
    pack = tmp_path_factory.mktemp("packs") / "ops"
    result = ingest([src], pack)
    assert result.exit_code == 0
    for outcome in result.files:
        assert outcome.status is FileStatus.INGESTED
        notes = [d.message for d in outcome.diagnostics if d.code == "python2"]
        # one note per Python 2 file: the conversion it was parsed through is its copy's
        [note] = notes
        assert note.startswith("parsed as Python 2, through its Python 3 conversion"), notes
    return pack


@pytest.mark.parametrize("name", PY2_EXAMPLES)
def test_the_examples_are_python2_only_and_their_copies_are_python3(py2_pack: Path,
                                                                    name: str) -> None:
    original = (EXAMPLES / name).read_bytes()
    assert not py2.is_python3(original)
    copy = (py2_pack / "actions/scripts" / name).read_bytes()
    assert py2.is_python3(copy) and copy != original
    assert len(copy.splitlines()) == len(original.splitlines())
    assert "'interpreter': None," in (py2_pack / "actions" / name).read_text()


def _inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.ini"
    path.write_text("[web]\nhosts = web1, web2 ,web3\n\n[db]\nhosts=db1\n")
    return path


def test_host_inventory_runs_for_real_through_its_wrapper(py2_pack: Path,
                                                          tmp_path: Path) -> None:
    inv = str(_inventory(tmp_path))
    run = run_action(py2_pack, "host_inventory",
                     {"inventory": inv, "exclude": ["web2"], "format": "csv"}, log=False)
    assert run.status == "succeeded", run.result
    assert run.result["result"]["stdout"] == "db1,web1,web3"
    run = run_action(py2_pack, "host_inventory",
                     {"inventory": inv, "groups": ["db"], "format": "pssh", "user": "ops"},
                     log=False)
    assert run.result["result"]["stdout"] == "ops@db1"
    run = run_action(py2_pack, "host_inventory", {"inventory": inv, "groups": ["nope"]},
                     log=False)
    assert run.status == "failed"
    assert run.result["result"]["exit_code"] == 1
    assert "unknown group 'nope'" in run.result["result"]["stderr"]  # backticks -> repr


@pytest.mark.parametrize(
    ("params", "exit_code", "starts"),
    [
        ({"warning": 101, "critical": 101, "paths": ["/"]}, 0, "OK - / "),
        ({"warning": 0, "critical": 0, "perfdata": True}, 2, "CRITICAL - / "),
        ({"warning": 0, "critical": 101}, 1, "WARNING - / "),
        ({"warning": 95, "critical": 90}, 3, "UNKNOWN - warning (95) is above critical"),
        ({"paths": ["/no/such/mount"]}, 3, "UNKNOWN - /no/such/mount: No such file"),
    ],
)
def test_check_disk_usage_runs_for_real_through_its_wrapper(
        py2_pack: Path, params: dict[str, object], exit_code: int, starts: str) -> None:
    run = run_action(py2_pack, "check_disk_usage", params, log=False)
    result = run.result["result"]
    assert result["exit_code"] == exit_code, result
    assert result["stdout"].startswith(starts)
    assert ("|" in result["stdout"]) is bool(params.get("perfdata"))


def test_keep_python2_copies_the_original_and_runs_it_with_python2(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in PY2_EXAMPLES:
        shutil.copy(EXAMPLES / name, src / name)
    # a Python 3 script that imports a Python 2 helper: it needs python2 too
    (src / "helper.py").write_text("def greet(name):\n    print 'hi', name\n")
    (src / "hello.py").write_text(
        "import sys\nimport helper\nhelper.greet(sys.argv[1])\n")
    pack = tmp_path / "ops"
    result = ingest([src], pack, settings=Settings(keep_python2=True))
    assert result.exit_code == 0
    for name in (*PY2_EXAMPLES, "helper.py", "hello.py"):
        assert (pack / "actions/scripts" / name).read_bytes() == (src / name).read_bytes()
    for action in ("host_inventory", "check_disk_usage", "hello"):
        assert "'interpreter': 'python2'," in (pack / f"actions/{action}.py").read_text()
    by_file = {f.relpath: [d.message for d in f.diagnostics if d.code == "python2"]
               for f in result.files}
    assert "the pack's copy of helper.py is the Python 2 original" in " ".join(by_file["hello.py"])
    [kept] = by_file["host_inventory.py"]  # one note, saying both things
    assert kept.startswith("parsed as Python 2")
    assert "the pack holds the Python 2 original" in kept

    # Without the option the same sources give converted copies and the pack's Python.
    again = ingest([src], pack)
    assert again.exit_code == 0
    assert b"print('hi', name)" in (pack / "actions/scripts/helper.py").read_bytes()
    assert "'interpreter': None," in (pack / "actions/hello.py").read_text()
    run = run_action(pack, "hello", {"argv1": "ops"}, log=False)
    assert run.result["result"]["stdout"] == "hi ops"


def _python2() -> str | None:
    for candidate in ("python2", "python2.7"):
        path = shutil.which(candidate)
        if path and subprocess.run([path, "-c", "pass"], capture_output=True).returncode == 0:
            return path
    return None


@pytest.mark.skipif(_python2() is None, reason="no working python2 on this machine")
def test_kept_copy_runs_under_python2(tmp_path: Path) -> None:
    pack = tmp_path / "ops"
    ingest([EXAMPLES / "check_disk_usage.py"], pack,
           settings=Settings(keep_python2=True))
    run = subprocess.run([str(_python2()), str(pack / "actions/scripts/check_disk_usage.py"),
                          "-w", "101", "-c", "101"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("OK - /")


def test_the_cli_option(tmp_path: Path) -> None:
    pack = tmp_path / "ops"
    runner = CliRunner()
    res = runner.invoke(cli, ["ingest", str(EXAMPLES / "host_inventory.py"), "--pack",
                              str(pack), "--keep-python2"])
    assert res.exit_code == 0, res.output
    assert "python2" in res.output
    copy = pack / "actions/scripts/host_inventory.py"
    assert copy.read_bytes() == (EXAMPLES / "host_inventory.py").read_bytes()
    res = runner.invoke(cli, ["check", str(EXAMPLES / "host_inventory.py"), "--pack",
                              str(pack), "--keep-python2"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["check", str(EXAMPLES / "host_inventory.py"), "--pack",
                              str(pack)])
    assert res.exit_code == 1, res.output


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_python2_script_is_converted_once_and_its_copy_is_the_conversion(
        tmp_path: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(20):  # enough files for a process pool with jobs=2
        (src / f"py3_{i}.py").write_text(_SCRIPT.format(construct="print('x')"))
    (src / "old.py").write_text(_SCRIPT.format(construct="print 'x'"))
    calls: list[str] = []
    real = py2._convert.__wrapped__

    def counting(text: str, path: str, package: bool) -> py2.Conversion:
        calls.append(text)
        return real(text, path, package)

    py2._convert.cache_clear()
    monkeypatch.setattr(py2, "_convert", functools.lru_cache(maxsize=8)(counting))
    result = ingest([src], tmp_path / "pack", jobs=jobs)
    assert {o.relpath: o.status for o in result.files}["old.py"] is FileStatus.INGESTED
    # with a pool, the worker converts (its calls are not seen here) and the main process
    # takes its copy; in one process, analysis converts and the copy reuses it
    assert calls == ([] if jobs > 1 else [(src / "old.py").read_text()])
    copy = (tmp_path / "pack/actions/scripts/old.py").read_bytes()
    assert copy == py2.pack_copy((src / "old.py").read_bytes(), "old.py")[0]
    assert b"print('x')" in copy and b"print 'x'" not in copy
    for i in range(20):  # a Python 3 script is copied byte for byte
        assert (tmp_path / f"pack/actions/scripts/py3_{i}.py").read_bytes() == (
            src / f"py3_{i}.py").read_bytes()


_HELPER_PY2 = "def shout(s):\n    print s.upper()\n    return {construct}\n"


def test_package_neutral_says_when_a_package_members_conversion_is_the_same(
    tmp_path: Path,
) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "util.py").write_text("X = 1\n")
    (tmp_path / "tools").mkdir()
    cases = {
        # (text, neutral): fix_import only touches imports of names found beside the file
        "alone.py": ("import os\nprint 'x'\n", True),
        "module.py": ("import util\nprint util.X\n", False),
        "folder.py": ("from tools import run\nprint run\n", False),
        "comment.py": ("# util is not imported here\nprint 'x'\n", False),  # cautious
    }
    for name, (text, neutral) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        data = path.read_bytes()
        assert py2.package_neutral(data, str(path)) is neutral, name
        alone = py2.pack_copy(data, str(path))[0]
        member = py2.pack_copy(data, str(path), package=True)[0]
        if neutral:
            assert member == alone, name
    # both sides: where it says "not neutral", the conversions really differ
    module = tmp_path / "module.py"
    assert b"from . import util" in py2.pack_copy(module.read_bytes(), str(module),
                                                  package=True)[0]
    assert b"from . import util" not in py2.pack_copy(module.read_bytes(), str(module))[0]
    # outside a package (no __init__.py beside it) fix_import never changes an import
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "util.py").write_text("X = 1\n")
    plain = tmp_path / "plain" / "module.py"
    plain.write_text("import util\nprint util.X\n")
    assert py2.package_neutral(plain.read_bytes(), str(plain)) is True
    assert py2.pack_copy(plain.read_bytes(), str(plain), package=True)[0] == py2.pack_copy(
        plain.read_bytes(), str(plain))[0]


def test_a_python2_helper_in_a_package_is_converted_once_unless_it_imports_a_sibling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    (src / "bin").mkdir(parents=True)
    (src / "lib").mkdir()
    (src / "lib" / "__init__.py").write_text("")
    (src / "lib" / "util.py").write_text("X = 1\n")
    (src / "lib" / "alone.py").write_text(_HELPER_PY2.format(construct="0755"))
    (src / "lib" / "sibling.py").write_text("import util\n" + _HELPER_PY2.format(
        construct="util.X"))
    (src / "bin" / "run.py").write_text(
        "import sys\nsys.path.insert(0, '..')\nfrom lib import alone, sibling\n"
        + _SCRIPT.format(construct="print 'x'"))
    calls: list[tuple[str, bool]] = []
    real = py2._convert.__wrapped__

    def counting(text: str, path: str, package: bool) -> py2.Conversion:
        calls.append((Path(path).name if path else text.splitlines()[0], package))
        return real(text, path, package)

    py2._convert.cache_clear()
    monkeypatch.setattr(py2, "_convert", functools.lru_cache(maxsize=8)(counting))
    result = ingest([src], tmp_path / "pack", jobs=1)
    during = list(calls)
    assert {o.relpath: o.status for o in result.files}["bin/run.py"] is FileStatus.INGESTED
    copies = tmp_path / "pack/actions/scripts/lib"
    for name in ("alone.py", "sibling.py"):  # each copy is its conversion as a package member
        data = (src / "lib" / name).read_bytes()
        assert (copies / name).read_bytes() == py2.pack_copy(
            data, str(src / "lib" / name), package=True)[0]
    assert b"from . import util" in (copies / "sibling.py").read_bytes()
    assert b"0o755" in (copies / "alone.py").read_bytes()
    # analysis converted each file once; the copy of alone.py is that same conversion,
    # sibling.py (an import fix_import rewrites) is converted again as a package member
    assert sorted(during) == sorted([
        ("def shout(s):", False),  # alone.py, analyzed
        ("import util", False),  # sibling.py, analyzed
        ("import sys", False),  # bin/run.py, analyzed (its own copy reuses it)
        ("sibling.py", True),
    ])


def test_a_python2_script_with_an_override_is_converted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voodoo.config import Config, ScriptOverride

    src = tmp_path / "src"
    src.mkdir()
    (src / "old.py").write_text(_SCRIPT.format(construct="print 'starting'"))
    calls: list[str] = []
    real = py2.pack_copy
    monkeypatch.setattr(py2, "pack_copy", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    config = Config(
        tmp_path / "voodoo.yaml",
        ("src",),
        None,
        scripts={"old.py": ScriptOverride(description="Old, overridden")},
    )
    result = ingest([src], tmp_path / "ops", config=config, jobs=1)
    assert [f.status for f in result.files] == [FileStatus.INGESTED]
    # converted where it was analyzed; rendering took that copy, not a second conversion
    assert calls == [str(src / "old.py")]
    copy = (tmp_path / "ops/actions/scripts/old.py").read_text()
    assert "print('starting')" in copy and "print 'starting'" not in copy
    meta = (tmp_path / "ops/actions/old.yaml").read_text()
    assert "Old, overridden" in meta
