"""optparse: options as optparse defines them, both sides."""

from __future__ import annotations

import pytest

from voodoo.analysis import analyze_source

HEAD = "from optparse import OptionParser, OptionGroup\np = OptionParser()\n"
TAIL = "opts, args = p.parse_args()\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("p.add_option('-p', '--port', type='int', default='80')\n",
                     {"port": ("integer", 80, "option")}, id="int-string-default"),
        pytest.param("p.add_option('-q', action='store_false', dest='verbose')\n",
                     {"verbose": ("boolean", None, "flag_false")}, id="store-false"),
        pytest.param("p.add_option('--mode', type='choice', choices=['a', 'b'])\n",
                     {"mode": ("string", None, "option")}, id="choice"),
        pytest.param("p.add_option('-v', action='count')\n", {"v": ("integer", None, "count")},
                     id="count"),
        pytest.param("p.add_option('--tag', action='append')\n",
                     {"tag": ("array", None, "append")}, id="append"),
        pytest.param("p.add_option('--pair', nargs=2)\n",
                     {"pair": ("array", None, "option_list")}, id="nargs"),
        pytest.param("p.add_option('--go', action='callback', callback=f)\n",
                     {"go": ("boolean", None, "flag")}, id="callback-flag"),
        pytest.param("g = OptionGroup(p, 'x')\ng.add_option('--n')\np.add_option_group(g)\n"
                     "p.set_defaults(n='z')\n", {"n": ("string", "z", "option")},
                     id="group-set-defaults"),
        pytest.param("p.add_option('--version', action='version')\n", {}, id="version-skipped"),
        pytest.param("p.add_option(NAME)\n", {}, id="computed-name-reported"),
    ],
)
def test_optparse_params(body: str, expected: dict[str, tuple[str, object, str]]) -> None:
    script = analyze_source(HEAD + body + TAIL, "tool.py")
    assert script.framework == "optparse"
    (command,) = script.commands
    got = {p.dest: (p.type.value if p.type else None, p.default, p.emit.kind.value)
           for p in command.params}
    assert got == expected
    assert not any(p.required for p in command.params)


def test_help_default_and_positionals() -> None:
    source = HEAD + "p.add_option('-w', type='int', default=5, help='warn at %default')\n" + \
        TAIL + "host = args[0]\n"
    (command,) = analyze_source(source, "t.py").commands
    params = {p.name: p for p in command.params}
    assert params["w"].description == "warn at 5"
    assert params["arg1"].required


def test_callback_and_lost_options_are_reported() -> None:
    source = HEAD + "p.add_option('--go', action='callback', callback=f)\np.add_option(X)\n" + TAIL
    codes = {d.code for d in analyze_source(source, "t.py").diagnostics}
    assert {"callback-effect", "parameter-lost"} <= codes
