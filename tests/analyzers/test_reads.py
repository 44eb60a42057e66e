"""Run-time reads: passwords typed at a getpass prompt, and environment variables."""

from __future__ import annotations

import pytest

from voodoo.analysis import analyze_source
from voodoo.model import Script
from voodoo.report import shown_diagnostics

ARGPARSE = "import argparse, getpass, os\np = argparse.ArgumentParser()\n"


def _secret(script: Script) -> dict[str, bool]:
    return {p.name: p.secret for c in script.commands for p in c.params}


def _codes(script: Script) -> list[str]:
    return [d.code for d in script.diagnostics]


@pytest.mark.parametrize(
    ("source", "secrets"),
    [
        pytest.param(ARGPARSE + "p.add_argument('--pw')\na = p.parse_args()\n"
                     "pw = a.pw or getpass.getpass()\n", {"pw": True}, id="argparse-or"),
        pytest.param(ARGPARSE + "p.add_argument('--auth', dest='cred')\na = p.parse_args()\n"
                     "if not a.cred:\n    a.cred = getpass.getpass('Password: ')\n",
                     {"cred": True}, id="argparse-if-assign"),
        pytest.param(ARGPARSE + "p.add_argument('--pw')\na = p.parse_args()\n"
                     "pw = getpass.getpass() if a.pw is None else a.pw\n", {"pw": True},
                     id="argparse-ifexp"),
        pytest.param("from getpass import getpass as ask\nimport optparse\n"
                     "p = optparse.OptionParser()\np.add_option('-k', dest='key')\n"
                     "o, _ = p.parse_args()\nkey = o.key or ask()\n", {"key": True},
                     id="optparse-aliased-import"),
        pytest.param("import getopt, getpass, sys\npw = None\nuser = None\n"
                     "opts, args = getopt.getopt(sys.argv[1:], 'p:u:')\n"
                     "for o, a in opts:\n    if o == '-p':\n        pw = a\n"
                     "    elif o == '-u':\n        user = a\n"
                     "if not pw:\n    pw = getpass.getpass()\n", {"p": True, "u": False},
                     id="getopt-variable"),
        # both sides: getuser is not a password, and a prompt fed to a call is not the option
        pytest.param(ARGPARSE + "p.add_argument('--user')\na = p.parse_args()\n"
                     "user = a.user or getpass.getuser()\n", {"user": False}, id="getuser"),
        pytest.param(ARGPARSE + "p.add_argument('--host')\na = p.parse_args()\n"
                     "host = a.host or check(getpass.getpass())\n", {"host": False},
                     id="prompt-fed-to-a-call"),
    ],
)
def test_getpass_makes_the_parameter_secret(source: str, secrets: dict[str, bool]) -> None:
    assert _secret(analyze_source(source, "t.py")) == secrets


def test_a_prompt_tied_to_no_option_is_a_warning_with_its_line() -> None:
    script = analyze_source(ARGPARSE + "p.add_argument('--host')\na = p.parse_args()\n"
                            "pw = getpass.getpass('Password: ')\n", "t.py")
    (warning,) = [d for d in script.diagnostics if d.code == "password-prompt"]
    assert warning.line == 5 and "StackStorm has no terminal" in warning.message
    assert _secret(script) == {"host": False}


def test_tied_prompt_is_not_a_warning() -> None:
    script = analyze_source(ARGPARSE + "p.add_argument('--pw')\na = p.parse_args()\n"
                            "pw = a.pw or getpass.getpass()\n", "t.py")
    assert "password-prompt" not in _codes(script)


@pytest.mark.parametrize(
    ("body", "reads"),
    [
        pytest.param("x = os.environ['VAULT_ADDR']\n", ("VAULT_ADDR",), id="subscript"),
        pytest.param("x = os.environ.get('B')\ny = os.getenv('A', 'z')\nz = os.getenv('A')\n",
                     ("A", "B"), id="get-getenv-sorted-deduped"),
        pytest.param("from os import environ, getenv\nx = environ.get('E') or getenv('F')\n",
                     ("E", "F"), id="from-import"),
        pytest.param("NAME = 'DB_URL'\nx = os.environ[NAME]\n", ("DB_URL",), id="constant-name"),
        # parser defaults are not configuration (the analyzers note them as env-default)
        pytest.param("p.add_argument('--h', default=os.environ.get('HOST', 'x'))\n", (),
                     id="default-keyword"),
        pytest.param("p.set_defaults(h=os.getenv('HOST'))\n", (), id="set-defaults"),
        pytest.param("REGION = os.getenv('REGION', 'eu')\np.add_argument('--r', default=REGION)\n",
                     (), id="constant-used-as-default"),
        pytest.param("def f(token=os.getenv('TOKEN')):\n    pass\n", (), id="function-default"),
        pytest.param("os.environ['LANG'] = 'C'\ndel os.environ['TZ']\n", (), id="writes"),
        pytest.param("x = os.environ.get(name)\n", (), id="computed-name"),
    ],
)
def test_env_reads(body: str, reads: tuple[str, ...]) -> None:
    source = ARGPARSE + "p.add_argument('--v')\n" + body + "a = p.parse_args()\n"
    script = analyze_source(source, "t.py")
    assert script.env_reads == reads
    # one note per variable (in the order read) in the data ...
    notes = [d.message for d in script.diagnostics if d.code == "env-read"]
    assert sorted(notes) == [f"reads environment variable {v}" for v in reads]
    # ... and one line per script as the report shows it
    shown = [d.message for d in shown_diagnostics(script.diagnostics) if d.code == "env-read"]
    if len(reads) < 2:
        assert shown == notes
    else:
        [line] = shown
        assert line.startswith(f"reads {len(reads)} environment variables: ")
        assert all(f"{v} (line " in line for v in reads)


def test_env_read_note_has_the_line() -> None:
    script = analyze_source(ARGPARSE + "a = p.parse_args()\n\nx = os.getenv('API_TOKEN')\n",
                            "t.py")
    (note,) = [d for d in script.diagnostics if d.code == "env-read"]
    assert (note.line, note.severity.value) == (5, "info")
