"""argparse options added where the analysis reaches them only in part: found where the
parser is known, else reported where they are (``parameter-lost``), never dropped silently.

Each script below is one a probe of real-looking scripts found losing options without a
word: the first two kinds are now read, the rest are reported at their line.
"""

from __future__ import annotations

import textwrap

import pytest

from voodoo.analysis import analyze_source
from voodoo.model import Script


def _read(source: str) -> Script:
    return analyze_source(textwrap.dedent(source).encode(), "tool.py")


def _params(script: Script) -> dict[str, list[tuple[str, bool]]]:
    return {c.name: [(p.name, p.required) for p in c.params] for c in script.commands}


def _lost(script: Script) -> list[int]:
    return [d.line for d in script.diagnostics if d.code == "parameter-lost"]


def test_a_loop_over_a_literal_tuple_of_parsers_adds_to_each() -> None:
    script = _read(
        """\
        import argparse
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command", required=True)
        backup = sub.add_parser("backup")
        restore = sub.add_parser("restore")
        for p in (backup, restore):
            p.add_argument("--db", required=True)
        restore.add_argument("--snapshot")
        args = parser.parse_args()
        """
    )
    assert _params(script) == {
        "tool_backup": [("db", True)],
        "tool_restore": [("db", True), ("snapshot", False)],
    }
    assert _lost(script) == []


@pytest.mark.parametrize("decorator", ["@staticmethod", "@classmethod"])
def test_a_static_or_class_method_called_on_its_class_adds_its_options(decorator: str) -> None:
    first = "cls, " if decorator == "@classmethod" else ""
    script = _read(
        f"""\
        import argparse
        class Job:
            {decorator}
            def add_arguments({first}parser):
                parser.add_argument("--batch-size", type=int, default=100)
        def main():
            parser = argparse.ArgumentParser()
            Job.add_arguments(parser)
            return parser.parse_args()
        if __name__ == "__main__":
            main()
        """
    )
    assert _params(script) == {"tool": [("batch_size", False)]}
    assert _lost(script) == []


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        pytest.param(
            """\
            import argparse
            def add_auth(*parsers):
                for p in parsers:
                    p.add_argument("--username")
            parser = argparse.ArgumentParser()
            parser.add_argument("--zone")
            add_auth(parser)
            args = parser.parse_args()
            """,
            [4],
            id="star-args",
        ),
        pytest.param(
            """\
            import argparse
            parser = argparse.ArgumentParser()
            sub = parser.add_subparsers(dest="action")
            parsers = {}
            for name in ("create", "delete"):
                parsers[name] = sub.add_parser(name)
                parsers[name].add_argument("resource")
            parser.add_argument("--zone")
            args = parser.parse_args()
            """,
            [7],
            id="dict-of-parsers",
        ),
        pytest.param(
            """\
            import argparse, functools
            parser = argparse.ArgumentParser()
            parser.add_argument("--zone")
            flag = functools.partial(parser.add_argument, action="store_true")
            flag("--check")
            args = parser.parse_args()
            """,
            [4],
            id="partial",
        ),
        pytest.param(
            """\
            import argparse
            parser = argparse.ArgumentParser()
            parser.add_argument("--zone")
            opt = lambda name: parser.add_argument(name)
            opt("--region")
            args = parser.parse_args()
            """,
            [4],
            id="lambda",
        ),
        pytest.param(
            """\
            import argparse
            class CLI(argparse.ArgumentParser):
                def __init__(self):
                    super().__init__(description="sync buckets")
                    self.add_argument("--src", required=True)
            parser = CLI()
            parser.add_argument("--zone")
            args = parser.parse_args()
            """,
            [5],
            id="subclass-self",
        ),
    ],
)
def test_an_option_added_where_the_parser_is_not_known_is_reported(
    source: str, lines: list[int]
) -> None:
    script = _read(source)
    assert script.commands, "the script is still ingested"
    assert _lost(script) == lines
    found = [name for params in _params(script).values() for name, _ in params]
    assert "zone" in found  # what is known is still there


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """\
            import argparse
            def add_common(parser):
                parser.add_argument("--verbose", action="store_true")
            parser = argparse.ArgumentParser()
            add_common(parser)
            args = parser.parse_args()
            """,
            id="helper-given-the-parser",
        ),
        pytest.param(
            """\
            import argparse
            parser = argparse.ArgumentParser()
            add = parser.add_argument
            add("--verbose", action="store_true")
            args = parser.parse_args()
            """,
            id="bound-method-in-a-variable",
        ),
        pytest.param(
            """\
            import argparse
            class Options:
                def __init__(self, parser):
                    self.parser = parser
                def add_argument(self, name, action):
                    return self.parser.add_argument(name, action=action)
            parser = argparse.ArgumentParser()
            opts = Options(parser)
            opts.add_argument("--verbose", action="store_true")
            args = parser.parse_args()
            """,
            id="own-add-argument-method",
        ),
    ],
)
def test_options_the_analysis_follows_raise_no_warning(source: str) -> None:
    script = _read(source)
    assert _params(script) == {"tool": [("verbose", False)]}
    assert _lost(script) == []
