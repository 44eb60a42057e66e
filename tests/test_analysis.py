import hashlib
import time
from pathlib import Path

import pytest

from voodoo.analysis import analyze_file, analyze_source
from voodoo.model import Severity

SIMPLE = b"import argparse\np = argparse.ArgumentParser()\np.add_argument('--x')\np.parse_args()\n"


def test_script_fields() -> None:
    source = (
        b'"""Rotate logs.\n\nMore.\n"""\nimport os.path, sys\nfrom . import local\n'
        b"from json import dumps\nimport argparse as ap\ndef f():\n    import yaml\n"
        b"p = ap.ArgumentParser()\np.add_argument('--timeout', type=int)\n"
        b"p.add_argument('--api-key')\np.add_argument('--a.b')\np.parse_args()\n"
    )
    script = analyze_source(source, "tools/rotate-logs.py")
    assert script.framework == "argparse"
    assert script.description == "Rotate logs."
    assert script.imports == ("argparse", "json", "os", "sys", "yaml")
    assert script.source_hash == hashlib.sha256(source).hexdigest()
    assert script.ok
    (command,) = script.commands
    assert command.name == "rotate_logs"
    assert [(p.name, p.dest, p.secret) for p in command.params] == [
        ("script_timeout", "timeout", False),
        ("api_key", "api_key", True),
        ("a_b", "a.b", False),
    ]
    assert {d.code for d in script.diagnostics} == {"param-renamed"}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param(b"import argparse\ndef f(:\n", 2, id="syntax"),
        pytest.param(b"x = 1\x00\n", 1, id="nul"),
        pytest.param(b"x = '\xe9'\n", 1, id="not-utf8"),
    ],
)
def test_bad_input_is_an_error_diagnostic(source: bytes, line: int) -> None:
    script = analyze_source(source, "bad.py")
    assert not script.ok
    assert script.framework is None and script.commands == ()
    (error,) = script.diagnostics
    assert (error.severity, error.line, error.code) == (Severity.ERROR, line, "parse-error")


@pytest.mark.parametrize(
    "source",
    [b"", b"import argparse\n", b"def helper():\n    return 1\n"],
    ids=["empty", "import-only", "function"],
)
def test_no_command_line_is_skipped(source: bytes) -> None:
    # top-level work (``print('hello')``) or an uncalled ``main()``: tests/test_realrepos.py
    script = analyze_source(source, "lib.py")
    assert script.ok and script.framework is None and script.commands == ()
    assert script.diagnostics[-1].code == "no-cli"
    assert script.diagnostics[-1].severity is Severity.INFO


def test_latin1_script(tmp_path: Path) -> None:
    path = tmp_path / "caf\u00e9.py"
    path.write_bytes(
        b"# -*- coding: latin-1 -*-\nimport argparse\n"
        b"p = argparse.ArgumentParser(description='Caf\xe9 tool')\np.parse_args()\n"
    )
    script = analyze_file(path, display_path="cafe.py")
    assert script.path == "cafe.py"
    assert script.commands[0].description == "Caf\u00e9 tool"
    assert script.commands[0].name == "cafe"  # from the display path


def test_analyze_file(tmp_path: Path) -> None:
    path = tmp_path / "deploy-app.py"
    path.write_bytes(SIMPLE)
    script = analyze_file(path)
    assert script.path == str(path)
    assert script.commands[0].name == "deploy_app"


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    script = analyze_file(tmp_path / "nope.py", display_path="nope.py")
    assert not script.ok
    assert script.diagnostics[0].code == "read-error"


def test_text_input() -> None:
    assert analyze_source(SIMPLE.decode(), "t.py") == analyze_source(SIMPLE, "t.py")


def test_infinite_loop_at_top_level_returns_quickly() -> None:
    start = time.perf_counter()
    analyze_source(b"while True:\n    pass\n" + SIMPLE, "loop.py")
    assert time.perf_counter() - start < 5
