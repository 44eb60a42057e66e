"""A compound statement's one-line body (``if x: p.add_argument(...)``) is read like the
same statement on its own indented line, by every analyzer and by dependency discovery.

libcst keeps such a body as a ``SimpleStatementSuite``, not as statements: code that only
looked for statements skipped it, so parameters added there were lost without a word, and
a script whose ``__main__`` guard was one line was skipped as "does nothing".
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from voodoo import stackstorm
from voodoo.analysis import analyze_source
from voodoo.deps import imports_in
from voodoo.ingest import ingest
from voodoo.model import Script

#: (id, one-line form, the same script indented); each one-line form broke before
CASES = [
    (
        "argparse-if-for-with",
        """\
        import argparse, sys
        p = argparse.ArgumentParser(description="Back up a host.")
        p.add_argument("--host", required=True)
        if sys.platform.startswith("linux"): p.add_argument("--fstype", default="ext4")
        for name in ("a", "b"): p.add_argument("--" + name)
        with open("/dev/null") as f: p.add_argument("--quiet", action="store_true")
        args = p.parse_args()
        """,
        """\
        import argparse, sys
        p = argparse.ArgumentParser(description="Back up a host.")
        p.add_argument("--host", required=True)
        if sys.platform.startswith("linux"):
            p.add_argument("--fstype", default="ext4")
        for name in ("a", "b"):
            p.add_argument("--" + name)
        with open("/dev/null") as f:
            p.add_argument("--quiet", action="store_true")
        args = p.parse_args()
        """,
    ),
    (
        "argparse-one-line-builder-and-guard",
        """\
        import argparse
        def build(): return argparse.ArgumentParser(description="Built in one line.")
        def main():
            p = build()
            p.add_argument("--host", required=True)
            return p.parse_args()
        if __name__ == "__main__": main()
        """,
        """\
        import argparse
        def build():
            return argparse.ArgumentParser(description="Built in one line.")
        def main():
            p = build()
            p.add_argument("--host", required=True)
            return p.parse_args()
        if __name__ == "__main__":
            main()
        """,
    ),
    (
        "getopt-branches",
        """\
        \"\"\"Deploy things.\"\"\"
        import getopt, sys
        def main():
            opts, args = getopt.getopt(sys.argv[1:], "vh:p:", ["verbose", "host=", "port="])
            verbose, host, port = False, "localhost", 22
            for o, a in opts:
                if o in ("-v", "--verbose"): verbose = True
                elif o in ("-h", "--host"): host = a
                elif o in ("-p", "--port"): port = int(a)
            print(verbose, host, port)
        if __name__ == "__main__": main()
        """,
        """\
        \"\"\"Deploy things.\"\"\"
        import getopt, sys
        def main():
            opts, args = getopt.getopt(sys.argv[1:], "vh:p:", ["verbose", "host=", "port="])
            verbose, host, port = False, "localhost", 22
            for o, a in opts:
                if o in ("-v", "--verbose"):
                    verbose = True
                elif o in ("-h", "--host"):
                    host = a
                elif o in ("-p", "--port"):
                    port = int(a)
            print(verbose, host, port)
        if __name__ == "__main__":
            main()
        """,
    ),
    (
        "click-guard",
        """\
        import click
        @click.command()
        @click.option("--count", default=1, help="How many.")
        def cli(count):
            \"\"\"Count things.\"\"\"
        if __name__ == "__main__": cli()
        """,
        """\
        import click
        @click.command()
        @click.option("--count", default=1, help="How many.")
        def cli(count):
            \"\"\"Count things.\"\"\"
        if __name__ == "__main__":
            cli()
        """,
    ),
    (
        "typer-guard",
        """\
        import typer
        app = typer.Typer()
        @app.command()
        def hello(name: str = "world"):
            \"\"\"Say hello.\"\"\"
        if __name__ == "__main__": app()
        """,
        """\
        import typer
        app = typer.Typer()
        @app.command()
        def hello(name: str = "world"):
            \"\"\"Say hello.\"\"\"
        if __name__ == "__main__":
            app()
        """,
    ),
    (
        "fire-guard",
        """\
        import fire
        def hello(name="world"):
            \"\"\"Say hello.\"\"\"
        if __name__ == "__main__": fire.Fire(hello)
        """,
        """\
        import fire
        def hello(name="world"):
            \"\"\"Say hello.\"\"\"
        if __name__ == "__main__":
            fire.Fire(hello)
        """,
    ),
    (
        "docopt-guard",
        """\
        \"\"\"Usage: tool.py <host> [--port=<p>]\"\"\"
        from docopt import docopt
        if __name__ == "__main__": args = docopt(__doc__)
        """,
        """\
        \"\"\"Usage: tool.py <host> [--port=<p>]\"\"\"
        from docopt import docopt
        if __name__ == "__main__":
            args = docopt(__doc__)
        """,
    ),
    (
        "function-called-with-argv",
        """\
        import sys
        def main(host, port):
            \"\"\"Connect somewhere.\"\"\"
        if __name__ == "__main__": main(sys.argv[1], sys.argv[2])
        """,
        """\
        import sys
        def main(host, port):
            \"\"\"Connect somewhere.\"\"\"
        if __name__ == "__main__":
            main(sys.argv[1], sys.argv[2])
        """,
    ),
    (
        "sys-argv-guarded-read",
        """\
        \"\"\"Check a port.\"\"\"
        import sys
        host = sys.argv[1]
        port = 22
        if len(sys.argv) > 2: port = int(sys.argv[2])
        """,
        """\
        \"\"\"Check a port.\"\"\"
        import sys
        host = sys.argv[1]
        port = 22
        if len(sys.argv) > 2:
            port = int(sys.argv[2])
        """,
    ),
    (
        "no-argument-tool",
        """\
        \"\"\"Rotate logs.\"\"\"
        import os
        def rotate():
            os.rename("a", "b")
        if __name__ == "__main__": rotate()
        """,
        """\
        \"\"\"Rotate logs.\"\"\"
        import os
        def rotate():
            os.rename("a", "b")
        if __name__ == "__main__":
            rotate()
        """,
    ),
]


def _read(source: str) -> Script:
    return analyze_source(textwrap.dedent(source).encode(), "tool.py")


def _shape(script: Script) -> tuple[object, ...]:
    """What a script gives the pack (lines aside): framework, action YAML, findings."""
    return (
        script.framework,
        [stackstorm.action_yaml(c, "ops") for c in script.commands],
        sorted((d.severity.value, d.code) for d in script.diagnostics),
    )


@pytest.mark.parametrize(
    ("one_line", "indented"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_one_line_body_is_read_as_its_indented_form(one_line: str, indented: str) -> None:
    expected = _read(indented)
    assert expected.commands, "the indented form is a script with a command line"
    assert _shape(_read(one_line)) == _shape(expected)


def test_the_parameters_of_one_line_bodies_are_all_found() -> None:
    script = _read(CASES[0][1])
    assert [p.name for p in script.commands[0].params] == ["host", "fstype", "a", "b", "quiet"]
    assert script.commands[0].params[1].default == "ext4"


def test_a_one_line_guard_that_does_nothing_is_still_skipped() -> None:
    script = _read(
        """\
        \"\"\"Nothing to run.\"\"\"
        def helper():
            return 1
        if __name__ == "__main__": pass
        """
    )
    assert script.commands == ()
    assert [d.code for d in script.diagnostics] == ["nothing-runs"]


def test_imports_in_one_line_bodies_are_followed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "helperlib.py").write_text("def go(x):\n    print(x)\n")
    (src / "other.py").write_text("X = 1\n")
    (src / "unused.py").write_text("Y = 2\n")
    script = src / "tool.py"
    script.write_text(
        textwrap.dedent(
            """\
            import argparse
            try: import helperlib
            except ImportError: helperlib = None
            def f(): import other
            p = argparse.ArgumentParser()
            p.add_argument("--x")
            helperlib.go(p.parse_args().x)
            """
        )
    )
    assert imports_in(script) == ["argparse", "helperlib", "other"]
    result = ingest([src], tmp_path / "ops")
    copies = tmp_path / "ops/actions/scripts"
    assert {o.relpath: o.status.value for o in result.files}["tool.py"] == "ingested"
    # both imported modules go with the script; the module nothing imports does not
    assert (copies / "helperlib.py").is_file() and (copies / "other.py").is_file()
    assert not (copies / "unused.py").exists()
