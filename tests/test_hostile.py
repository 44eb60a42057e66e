"""Hostile and broken input: nothing runs, nothing crashes, nothing escapes, nothing is lost.

Every test goes through ``ingest`` (or ``python -m voodoo ingest``) unless it is about one
layer only; see also tests/test_pack.py (the writer alone) and tests/test_fuzz.py.
"""

from __future__ import annotations

import ast
import errno
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.fidelity import EXAMPLES
from voodoo import __version__, cache, pack
from voodoo.analysis import analyze_source
from voodoo.check import check
from voodoo.errors import PackError
from voodoo.ingest import FileStatus, ingest
from voodoo.limits import MAX_BRACKET_DEPTH
from voodoo.local.templates import is_template, render

ROOT = Path(__file__).resolve().parents[1]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name != "lock"}


# --- 1. nothing voodoo reads is run -----------------------------------------------------

PREAMBLE = '''\
import os, socket, sys
import evilpkg
MARK = {mark!r} + "/" + __name__
open(MARK + ".top", "w").write("ran")
socket.create_connection(("127.0.0.1", 9), timeout=1)
def _mark(tag):
    open(MARK + "." + tag, "w").write("ran")
    return tag
def _evil(function):
    _mark("decorator")
    return function
class Evil:
    open(MARK + ".class", "w").write("ran")
@_evil
def _decorated():
    pass
'''
EPILOGUE = '''
sys.exit(3)
os._exit(4)
while True:
    pass
'''
#: framework -> the script's command line; {preamble} runs hostile code if imported or run.
HOSTILE = {
    "argparse": '''{preamble}
import argparse
p = argparse.ArgumentParser(description=_mark("description"))
p.add_argument("--name", default=_mark("default"), help="who")
args = p.parse_args()
''',
    "click": '''{preamble}
import click
@click.command()
@click.option("--name", default=_mark("default"), help="who")
def main(name):
    _mark("body")
main()
''',
    "typer": '''{preamble}
import typer
app = typer.Typer()
@app.command()
def main(name: str = _mark("default")):
    _mark("body")
app()
''',
    "optparse": '''{preamble}
from optparse import OptionParser
p = OptionParser()
p.add_option("--name", default=_mark("default"), help="who")
opts, args = p.parse_args()
''',
    "getopt": '''{preamble}
import getopt
opts, args = getopt.getopt(sys.argv[1:], "n:", ["name="])
for opt, value in opts:
    if opt in ("-n", "--name"):
        name = value
''',
    "docopt": '''"""Usage: hostile_docopt.py [--name=<n>]

Options:
  --name=<n>  Who.
"""
{preamble}
from docopt import docopt
args = docopt(__doc__)
''',
    "fire": '''{preamble}
import fire
def greet(name="x"):
    _mark("body")
fire.Fire(greet)
''',
    "sysargv": '''{preamble}
name = sys.argv[1]
''',
    "functions": '''{preamble}
def greet(name: str = _mark("default")) -> None:
    _mark("body")
''',
}


def test_no_framework_runs_anything_it_reads(tmp_path: Path) -> None:
    """Top level, decorators, defaults, class bodies and a local package's __init__ would
    write a marker, open a socket, exit or loop forever: ``voodoo ingest`` (a real
    process) analyzes every script, runs none of it, and finishes promptly."""
    marks = tmp_path / "marks"
    marks.mkdir()
    src = tmp_path / "src"
    (src / "evilpkg").mkdir(parents=True)
    (src / "evilpkg/__init__.py").write_text(
        f"open({str(marks / 'evilpkg')!r}, 'w').write('ran')\nraise SystemExit(5)\n")
    for framework, body in HOSTILE.items():
        preamble = PREAMBLE.format(mark=str(marks))
        (src / f"hostile_{framework}.py").write_text(body.format(preamble=preamble) + EPILOGUE)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "voodoo", "ingest", str(src), "--pack", str(tmp_path / "ops"),
         "--functions"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"})
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(marks.iterdir()) == []
    assert elapsed < 60
    actions = {p.stem for p in (tmp_path / "ops/actions").glob("*.yaml")}
    for framework in HOSTILE:
        name = f"hostile_{framework}"
        assert any(a == name or a.startswith(name + "_") for a in actions), (framework, actions)


#: (file, call) pairs that legitimately run or import code, each with its reason.
ALLOWED = {
    # ACTION time: running a generated action's script is the job of these modules.
    "voodoo/runtime/": "copied into the pack; runs the script when StackStorm runs the action",
    "voodoo/local/execute.py": "voodoo run: runs an action locally",
    "voodoo/local/launch.py": "voodoo run: local runners start the script's process",
    "voodoo/local/python_child.py": "voodoo run: loads the generated python-script action",
}
#: one module in one file, each with its reason (the rest of the file is still checked)
ALLOWED_IMPORTS = {
    ("voodoo/workers.py", "multiprocessing"): "a process pool runs voodoo's own analysis "
    "(file bytes in, Script out); the workers import no analyzed code",
}
#: lazy imports of voodoo's own modules, named in a dict literal of the file
LAZY_OWN_IMPORTS = {"voodoo/cli.py", "voodoo/__init__.py"}
#: reads package data files, never code; importlib.metadata reads the installed
#: distributions' metadata (which distribution provides an import name), never imports one
SAFE_IMPORTS = {"importlib.resources", "importlib.metadata"}
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "execfile"}
FORBIDDEN_MODULES = {"runpy", "subprocess", "importlib", "pty", "multiprocessing"}
FORBIDDEN_OS = {"system", "popen", "execv", "execve", "execvp", "execl", "execlp", "spawnv",
                "spawnl", "spawnvp", "posix_spawn", "posix_spawnp", "fork", "startfile"}


def _violations(path: Path, rel: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_bytes(), rel)):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name in SAFE_IMPORTS:
                    continue
                if (rel, name.split(".")[0]) in ALLOWED_IMPORTS:
                    continue
                if name.split(".")[0] in FORBIDDEN_MODULES and not (
                        name == "importlib" and rel in LAZY_OWN_IMPORTS):
                    found.append(f"{where}: import {name}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_NAMES:
                found.append(f"{where}: {func.id}()")
            elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                  and func.value.id == "os" and func.attr in FORBIDDEN_OS):
                found.append(f"{where}: os.{func.attr}()")
    return found


def test_no_module_outside_the_allow_list_can_run_or_import_analyzed_code() -> None:
    """Statically, over voodoo's own source: no eval/exec/compile/__import__, no runpy,
    subprocess, importlib, multiprocessing or os.system/exec*/spawn* anywhere in the
    analysis path. The allow-list holds the modules that run scripts at ACTION time."""
    found = []
    for path in sorted((ROOT / "voodoo").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(prefix) for prefix in ALLOWED):
            continue
        found.extend(_violations(path, rel))
    assert found == []


def test_the_static_check_does_catch_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import runpy\nimport subprocess as s\nexec('1')\n__import__('x')\n"
                   "import os\nos.system('x')\nfrom importlib import import_module\n")
    assert len(_violations(bad, "voodoo/analysis.py")) == 6


# --- 2. broken input fails alone, with file:line and what to do -------------------------

GOOD = (EXAMPLES / "restart-service.py").read_bytes()
BROKEN: dict[str, tuple[bytes, str]] = {
    "py3_syntax.py": (b"import sys\n\ndef f(:\n    pass\n", "3: syntax error"),
    # Python 2 is analyzed (tests/test_python2.py): this is neither Python 3 nor Python 2
    "py2_broken.py": (b"import sys\nprint 'hello', sys.argv[1]\ndef f(:\n    pass\n",
                      "2: syntax error"),
    "tabs_spaces.py": (b"if 1:\n\tx = 1\n        y = 2\n", "3: syntax error"),
    "nul_byte.py": (b"import sys\nx = 1\x00\n", "2: file contains a NUL byte"),
    "binary.py": (bytes(range(256)) * 64, "1: file contains a NUL byte"),
    "bad_utf8.py": (b"import sys\nx = '\xff'\n", "2: cannot decode byte 0xff as utf-8"),
    "bad_cookie.py": (b"# -*- coding: klingon -*-\nx = 1\n", "1: bad encoding declaration"),
    "bad_utf8_cookie.py": (b"# -*- coding: utf-8 -*-\nx = '\xc3('\n",
                           "2: cannot decode byte 0xc3 as utf-8"),
    "utf16.py": ("import sys\nprint(sys.argv[1])\n".encode("utf-16"),
                 "1: the file is UTF-16 or UTF-32"),
    "deep_parens.py": (b"import sys\nx = " + b"(" * 10_000 + b"1" + b")" * 10_000 + b"\n",
                       f"2: brackets nested more than {MAX_BRACKET_DEPTH} deep"),
    "deep_operators.py": (b"x = 1" + b" + 1" * 10_000 + b"\n", "1: an expression nests"),
    "deep_unary.py": (b"x = " + b"-" * 10_000 + b"1\n", "1: an expression nests"),
    "deep_lambdas.py": (b"x = " + b"lambda: " * 10_000 + b"1\n", "1: an expression nests"),
    "deep_attributes.py": (b"x = a" + b".b" * 10_000 + b"\n", "1: an expression nests"),
    "bad_escape.py": (b'"""\\N{no such name}"""\nimport sys\nprint(sys.argv[1])\n',
                      "1: syntax error"),
    "deep_blocks.py": (b"".join(b" " * i + b"if x:\n" for i in range(150)) + b" " * 150
                       + b"pass\n", "syntax error"),
}


def test_every_kind_of_broken_file_fails_alone_with_file_line_and_a_hint(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    (src / "empty.py").write_bytes(b"")
    (src / "dir.py").mkdir()  # a folder named like a script is entered, not read
    (src / "dir.py/inner.py").write_bytes(GOOD)
    for name, (data, _) in BROKEN.items():
        (src / name).write_bytes(data)
    start = time.monotonic()
    result = ingest([src], tmp_path / "ops")
    assert time.monotonic() - start < 60
    status = {f.relpath: f for f in result.files}
    for name, (_, expected) in BROKEN.items():
        outcome = status[name]
        assert outcome.status is FileStatus.FAILED, name
        (error,) = [d for d in outcome.diagnostics if d.severity == "error"]
        assert expected in f"{error.line}: {error.message}", (name, str(error))
        assert str(error).startswith(f"{name}:")
    assert status["empty.py"].status is FileStatus.SKIPPED
    assert status["restart-service.py"].status is FileStatus.INGESTED
    assert status["dir.py/inner.py"].status is FileStatus.INGESTED
    assert result.exit_code == 1


def test_an_odd_escape_in_a_literal_is_no_warning_and_no_error() -> None:
    """libcst evaluates literals with ast.literal_eval, which warns about an escape like
    backslash-h; with warnings as errors (as in this suite) that escaped the analysis."""
    script = analyze_source(b'"""\\home\\ops"""\nimport sys\nprint(sys.argv[1])\n', "w.py")
    assert script.ok and script.framework == "sysargv"


def test_a_file_too_large_is_refused_without_being_parsed(tmp_path: Path) -> None:
    """50 MB of generated code: refused in well under a second, naming the option."""
    src = tmp_path / "src"
    src.mkdir()
    line = b"p.add_argument('--opt', default=1, help='an option')\n"
    with (src / "huge.py").open("wb") as handle:
        handle.write(b"import argparse\np = argparse.ArgumentParser()\n")
        for _ in range(50 * 2**20 // len(line)):
            handle.write(line)
    start = time.monotonic()
    result = ingest([src], tmp_path / "ops")
    assert time.monotonic() - start < 10
    (outcome,) = result.files
    (error,) = outcome.diagnostics
    assert outcome.status is FileStatus.FAILED
    assert "too large to analyze (50.0 MB > 1.0 MB)" in error.message
    assert "--max-size" in error.message


def _many_arguments(n: int) -> bytes:
    lines = ["import argparse", "p = argparse.ArgumentParser()"]
    lines += [f"p.add_argument('--opt{i}', default={i}, help='option {i}')" for i in range(n)]
    return ("\n".join([*lines, "p.parse_args()"]) + "\n").encode()


def test_ten_thousand_arguments_are_all_found() -> None:
    script = analyze_source(_many_arguments(10_000), "many.py")
    (command,) = script.commands
    assert len(command.params) == 10_000
    assert command.params[-1].default == 9_999


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("VOODOO_HUGE_TESTS"),
                    reason="about 2.5 min and 4 GB; set VOODOO_HUGE_TESTS=1 to run it")
def test_a_hundred_thousand_arguments_are_all_found_with_the_limit_raised() -> None:
    source = _many_arguments(100_000)  # 6.5 MB; libcst needs about a minute and 4 GB
    assert analyze_source(source, "many.py").diagnostics[0].code == "too-large"
    script = analyze_source(source, "many.py", max_size=len(source))
    assert len(script.commands[0].params) == 100_000


def test_a_file_that_vanishes_or_changes_after_listing_fails_or_is_taken_as_it_is_now(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.py", "gone.py", "changed.py"):
        (src / name).write_bytes(GOOD)
    ingest_module = importlib.import_module("voodoo.ingest")  # (voodoo.ingest: the function)

    real = ingest_module.discover

    def discover_then_change(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        (src / "gone.py").unlink()
        (src / "changed.py").write_bytes(b"def broken(:\n")
        return found

    monkeypatch.setattr(ingest_module, "discover", discover_then_change)
    result = ingest([src], tmp_path / "ops")
    status = {f.relpath: f for f in result.files}
    assert status["a.py"].status is FileStatus.INGESTED
    assert status["gone.py"].status is FileStatus.FAILED
    assert "cannot read file" in str(status["gone.py"].diagnostics[0])
    assert status["changed.py"].status is FileStatus.FAILED


def test_an_unreadable_file_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_bytes(GOOD)
    (src / "secret.py").write_bytes(GOOD)
    import voodoo.analysis

    real = voodoo.analysis.read_regular

    def read_regular(path: str | os.PathLike[str]) -> bytes:  # (root may read anything)
        if Path(path).name == "secret.py":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(voodoo.analysis, "read_regular", read_regular)
    result = ingest([src], tmp_path / "ops")
    status = {f.relpath: f for f in result.files}
    assert status["a.py"].status is FileStatus.INGESTED
    assert status["secret.py"].status is FileStatus.FAILED
    (error,) = status["secret.py"].diagnostics
    assert error.path == "secret.py"
    assert error.message == "cannot read file: Permission denied"


def test_symlink_loops_and_links_out_of_the_tree_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.py").write_bytes(GOOD)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_bytes(GOOD)
    (src / "loop1.py").symlink_to(src / "loop2.py")
    (src / "loop2.py").symlink_to(src / "loop1.py")
    (src / "self.py").symlink_to(src / "self.py")
    (src / "out.py").symlink_to(outside / "elsewhere.py")
    (src / "outdir").symlink_to(outside)
    (src / "sub").mkdir()
    (src / "sub/up").symlink_to(src)  # a folder loop
    result = ingest([src], tmp_path / "ops")
    assert {f.relpath for f in result.files if f.status is FileStatus.INGESTED} == {"a.py"}
    assert not any("elsewhere" in p.name for p in (tmp_path / "ops").rglob("*"))


def test_names_that_collide_after_normalization_get_distinct_actions(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("restart-service.py", "restart_service.py", "Restart Service.py"):
        (src / name).write_bytes(GOOD)
    result = ingest([src], tmp_path / "ops")
    actions = [a for f in result.files for a in f.actions]
    assert len(actions) == 3 and len(set(actions)) == 3
    assert result.exit_code == 0


def test_parameter_names_that_are_not_identifiers_become_safe_names(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "odd.py").write_text(
        "import argparse\np = argparse.ArgumentParser()\n"
        "p.add_argument('--dry-run.now', action='store_true')\n"
        "p.add_argument('--x', dest='a b\u05d0/../../etc')\n"
        "p.add_argument('--\U0001f600')\np.add_argument('--class')\np.parse_args()\n")
    result = ingest([src], tmp_path / "ops")
    assert result.exit_code == 0
    meta = yaml.safe_load((tmp_path / "ops/actions/odd.yaml").read_text())
    for name in meta["parameters"]:
        assert name.isidentifier() and name.isascii(), name
    assert sorted(p.name for p in (tmp_path / "ops/actions").iterdir()) == [
        "lib", "odd.py", "odd.yaml", "scripts"]


TRICKY = [
    "{{ st2kv.system.secret }}", "{% for x in y %}{{ x }}{% endfor %}", "key: value",
    "# not a comment", "---", "...", "tab\there", "two\nlines\n", "trailing space ",
    "emoji \U0001f525\U0001f680", "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "'quoted' \"double\"", "- item", "&anchor *alias !tag", "@at `tick` |pipe >fold",
    "null", "yes", "~", "0x1F", "1e3", "{% raw %}x{% endraw %}", "{#c#}", "%(prog)s 50%",
    "\u202eright-to-left override", "back\\slash",
]


@pytest.mark.parametrize("text", TRICKY, ids=[repr(t)[:24] for t in TRICKY])
def test_yaml_and_jinja_syntax_in_help_and_defaults_round_trips(tmp_path: Path,
                                                               text: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "tricky.py").write_text(
        f"import argparse\np = argparse.ArgumentParser(description={text!r})\n"
        f"p.add_argument('--value', default={text!r}, help={text!r})\np.parse_args()\n",
        encoding="utf-8")
    result = ingest([src], tmp_path / "ops")
    assert result.exit_code == 0, [f.diagnostics for f in result.files]
    (command,) = analyze_source((src / "tricky.py").read_bytes(), "tricky.py").commands
    (param,) = command.params
    assert param.default == text  # the exact text, not cleaned up
    meta = yaml.safe_load((tmp_path / "ops/actions/tricky.yaml").read_text(encoding="utf-8"))
    loaded = meta["parameters"]["value"]
    assert loaded["description"] == param.description  # help is cleaned up as argparse does
    assert meta["description"] == command.description
    default = loaded["default"]
    if is_template(text):
        # Jinja-looking defaults are wrapped raw so StackStorm keeps them as they are
        assert default.startswith("{% raw %}") and default.endswith("{% endraw %}")
        assert render(default, lambda *_: "") == text
    else:
        assert default == text


# --- 3. nothing escapes the pack --------------------------------------------------------


def _outside_untouched(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    return victim


def test_a_malicious_manifest_through_ingest_touches_nothing_outside(tmp_path: Path) -> None:
    victim = _outside_untouched(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    ops = tmp_path / "ops"
    ingest([src], ops)
    manifest = json.loads((ops / ".voodoo/manifest.json").read_text())
    sha = cache.hashlib.sha256(b"precious").hexdigest()
    for evil in ("../victim/keep.txt", "/etc/passwd", "actions/../../victim/keep.txt",
                 "a\\..\\..\\victim"):
        bad = {**manifest, "files": {**manifest["files"], evil: {"hash": sha}}}
        (ops / ".voodoo/manifest.json").write_text(json.dumps(bad))
        with pytest.raises(PackError, match="refusing path"):
            ingest([src], ops)
        assert (victim / "keep.txt").read_text() == "precious"


def test_a_malicious_cache_is_not_trusted(tmp_path: Path) -> None:
    """The cache names local modules outside the source tree and actions outside
    actions/, with hashes that match: the entry is dropped and the script re-analyzed."""
    victim = _outside_untouched(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    ops = tmp_path / "ops"
    ingest([src], ops)
    clean = _tree(ops)
    data = json.loads((ops / ".voodoo/cache/scripts.json").read_text())
    entry = data["scripts"]["restart-service.py"]
    sha = cache.hashlib.sha256(b"precious").hexdigest()
    entry["local"] = {"../victim/keep.txt": [8, 0, sha], "/etc/hostname": [1, 0, sha]}
    entry["script"]["commands"][0]["name"] = "../../victim/pwned"
    entry["actions"] = {"": "../../victim/pwned"}
    entry["render"]["files"] = ["../victim/keep.txt"]
    (ops / ".voodoo/cache/scripts.json").write_text(json.dumps(data))
    result = ingest([src], ops)
    assert result.exit_code == 0
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert {k: v for k, v in _tree(ops).items() if "cache" not in k} == {
        k: v for k, v in clean.items() if "cache" not in k}


@pytest.mark.parametrize("junk", [
    b"{", b"[]", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000,
    b'{"format": %d, "voodoo": "%s", "scripts": {"x": {"~d": "os"}}}'
    % (cache.FORMAT, __version__.encode()),
    b'{"format": %d, "voodoo": "%s", "script": {"~d": "os"}}'
    % (cache.FORMAT, __version__.encode())])
def test_a_corrupt_cache_is_ignored(tmp_path: Path, junk: bytes) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    ingest([src], tmp_path / "ops")
    state = tmp_path / "ops/.voodoo/cache"
    for path in [state / "index.json", state / "scripts.json", *state.glob("analyses/*")]:
        path.write_bytes(junk)
    (tmp_path / "ops/actions/restart_service.py").unlink()  # so the analysis is read
    assert not check([src], tmp_path / "ops").in_sync
    assert ingest([src], tmp_path / "ops").exit_code == 0


def test_pack_files_that_are_symlinks_out_of_the_pack_are_not_followed(tmp_path: Path) -> None:
    victim = _outside_untouched(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    ops = tmp_path / "ops"
    ingest([src], ops)
    (src / "restart-service.py").write_bytes(GOOD.replace(b"Restart", b"Bounce"))
    action = ops / "actions/restart_service.yaml"
    action.unlink()
    action.symlink_to(victim / "keep.txt")
    (ops / "actions/lib").rename(ops / "lib_moved")
    (ops / "actions/lib").symlink_to(victim)
    with pytest.raises(PackError, match="leads outside"):
        ingest([src], ops)
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert (victim / "keep.txt").read_text() == "precious"


def test_a_state_folder_symlinked_out_of_the_pack_is_refused(tmp_path: Path) -> None:
    victim = _outside_untouched(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    ops = tmp_path / "ops"
    ops.mkdir()
    (ops / ".voodoo").symlink_to(victim)
    with pytest.raises(PackError):
        ingest([src], ops)
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]


# --- 4. nothing is lost -----------------------------------------------------------------


class Killed(BaseException):
    """Stands for the process dying (BaseException: nothing may catch it)."""


def _edited_pack(tmp_path: Path) -> tuple[Path, Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    shutil.copy(EXAMPLES / "purge-cache.py", src)
    ops = tmp_path / "ops"
    ingest([src], ops)
    action = ops / "actions/restart_service.yaml"
    action.write_text(action.read_text().replace("enabled: true", "enabled: false"))
    # the script changes: new help text, and a script removed
    (src / "restart-service.py").write_bytes(GOOD.replace(b"Restart", b"Bounce"))
    (src / "purge-cache.py").unlink()
    return src, ops, action


def _steps(monkeypatch: pytest.MonkeyPatch, kill_at: int) -> list[str]:
    """Make ``apply`` die at checkpoint ``kill_at`` (before the change) or, for odd
    kill_at, just after the previous change reached the disk."""
    seen: list[str] = []
    real = pack.apply

    def apply(the_plan: pack.Plan, pack_dir: Path, *, checkpoint: object = None,
              memo: object = None) -> None:
        def check(relpath: str) -> None:
            if len(seen) == kill_at:
                raise Killed(relpath)
            seen.append(relpath)

        real(the_plan, pack_dir, checkpoint=check, memo=memo)  # type: ignore[arg-type]
        if len(seen) == kill_at:  # after the last write: killed before the cache is saved
            raise Killed("after apply")

    ingest_module = importlib.import_module("voodoo.ingest")  # (voodoo.ingest: the function)
    monkeypatch.setattr(ingest_module, "apply", apply)
    return seen


def test_the_number_of_steps_of_an_edited_run(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src, ops, _ = _edited_pack(tmp_path)
    seen = _steps(monkeypatch, kill_at=-1)
    ingest([src], ops)
    assert len(seen) == STEPS


STEPS = 7


@pytest.mark.parametrize("k", range(STEPS))
@pytest.mark.parametrize("after", [False, True], ids=["before-write", "after-write"])
def test_an_ingest_killed_at_any_write_keeps_the_hand_edit_and_is_repaired(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int, after: bool) -> None:
    src, ops, action = _edited_pack(tmp_path)
    clean = tmp_path / "clean/ops"  # same name: the pack's name is the folder's
    shutil.copytree(ops, clean)
    ingest([src], clean)
    with monkeypatch.context() as m:
        _steps(m, kill_at=k + 1 if after else k)
        with pytest.raises(Killed):
            ingest([src], ops)
    assert "enabled: false" in action.read_text()  # the hand edit survives the crash
    assert not list(ops.rglob("*.voodoo-tmp"))
    repaired = ingest([src], ops)
    assert repaired.exit_code == 0 and not repaired.plan.conflicts
    text = action.read_text()
    assert "enabled: false" in text and "Bounce" in text
    assert {k: v for k, v in _tree(ops).items() if "cache" not in k} == {
        k: v for k, v in _tree(clean).items() if "cache" not in k}
    assert not ingest([src], ops).plan.changes


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["ENOSPC", "EROFS"])
def test_a_full_or_read_only_disk_is_a_clear_error_and_the_pack_is_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    src, ops, _ = _edited_pack(tmp_path)
    before = _tree(ops)
    real = pack.apply

    def refuse(relpath: str) -> None:
        raise OSError(code, os.strerror(code))

    ingest_module = importlib.import_module("voodoo.ingest")  # (voodoo.ingest: the function)
    monkeypatch.setattr(ingest_module, "apply",
                        lambda p, d, **_: real(p, d, checkpoint=refuse))
    with pytest.raises(PackError) as info:
        ingest([src], ops)
    assert os.strerror(code) in str(info.value) and errno.errorcode[code] in str(info.value)
    assert _tree(ops) == before


def test_two_processes_ingesting_one_pack_never_interleave(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    ops = tmp_path / "ops"
    log = tmp_path / "log"
    # Each process logs when it takes and leaves the lock: the intervals must not overlap.
    code = (
        "import sys, time, contextlib\n"
        "log = sys.argv[3]\n"
        "import voodoo.ingest\n"
    "from voodoo import pack\n"
    "ing = sys.modules['voodoo.ingest']\n"
        "real = pack.pack_lock\n"
        "@contextlib.contextmanager\n"
        "def logged(*a, **k):\n"
        "    with real(*a, **k):\n"
        "        open(log, 'a').write('in\\n'); time.sleep(0.3)\n"
        "        yield\n"
        "        open(log, 'a').write('out\\n')\n"
        "ing.pack_lock = logged\n"
        "from voodoo.cli import main\n"
        "sys.argv = ['voodoo', 'ingest', sys.argv[1], '--pack', sys.argv[2]]\n"
        "main()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(src), str(ops), str(log)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert log.read_text() == "in\nout\n" * 3
    assert not ingest([src], ops).plan.changes


def test_the_size_limit_is_an_option_of_ingest(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from voodoo.cli import cli

    src = tmp_path / "src"
    src.mkdir()
    (src / "restart-service.py").write_bytes(GOOD)
    pack_dir = str(tmp_path / "ops")
    small = CliRunner().invoke(cli, ["ingest", str(src), "--pack", pack_dir, "--max-size",
                                     "0.001"])
    assert small.exit_code == 1
    assert "too large to analyze" in small.output and "--max-size" in small.output
    assert CliRunner().invoke(cli, ["ingest", str(src), "--pack", pack_dir]).exit_code == 0
