import importlib.util
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.fidelity import EXAMPLES
from voodoo.analysis import analyze_source
from voodoo.config import Settings
from voodoo.ingest import ingest
from voodoo.model import ParamType, Script, Severity

T = ParamType
ST2STUB = Path(__file__).resolve().parents[2] / "voodoo" / "local" / "st2stub"


def script(source: str, *, functions: bool = False) -> Script:
    return analyze_source(textwrap.dedent(source), "tool.py", functions=functions)


MAIN = '''
import sys

def main(host, port: int = 22, dry_run=False, *, user: "str | None" = None):
    """Check a host.

    Args:
        host: Host name.
        port: SSH port.
    """

if __name__ == "__main__":
    main({call})
'''

FOUND = [
    pytest.param("*sys.argv[1:]", id="starred-argv"),
    pytest.param("sys.argv[1], int(sys.argv[2])", id="indexed-argv-converted"),
    pytest.param("sys.argv[1] if len(sys.argv) > 1 else 'localhost'", id="argv-with-fallback"),
]


@pytest.mark.parametrize("call", FOUND)
def test_main_called_with_argv_is_a_function_cli(call: str) -> None:
    result = script(MAIN.format(call=call))
    assert result.framework == "functions"
    (command,) = result.commands
    assert (command.name, command.invocation, command.function) == ("tool", "call", "main")
    assert command.description == "Check a host."
    got = {p.name: (p.type, p.default, p.required, p.description) for p in command.params}
    assert got == {
        "host": (T.STRING, None, True, "Host name."),
        "port": (T.INTEGER, 22, False, "SSH port."),
        "dry_run": (T.BOOLEAN, False, False, None),
        "user": (T.STRING, None, False, None),
    }


LEFT_ALONE = [
    pytest.param(MAIN.format(call=""), id="main-without-arguments"),
    pytest.param(MAIN.format(call="sys.argv[1:]"), id="main-parses-argv-itself"),
    pytest.param(MAIN.format(call="'fixed'"), id="literal-arguments"),
    pytest.param("import sys\ndef main(a): pass\nmain(sys.argv[1])\n", id="no-main-guard"),
    pytest.param("import sys\nif __name__ == '__main__':\n    print(sys.argv[1])\n",
                 id="not-a-module-function"),
]


@pytest.mark.parametrize("source", LEFT_ALONE)
def test_not_a_function_cli(source: str) -> None:
    result = script(source)
    assert result.framework != "functions"
    # Whatever reads sys.argv itself is the raw sys.argv analyzer's: never a "call" action.
    assert all(c.invocation == "argv" for c in result.commands)
    # a __main__ block that calls main() without sys.argv values runs the script as it is
    assert result.framework in (None, "sysargv", "noargs")


TYPES = [
    pytest.param("x: float = 1", (T.NUMBER, 1), id="annotation-wins"),
    pytest.param("x=1.5", (T.NUMBER, 1.5), id="from-default"),
    pytest.param("x: bool = True", (T.BOOLEAN, True), id="bool"),
    pytest.param("x: list[int] = (1, 2)", (T.ARRAY, (1, 2)), id="tuple-default-list"),
    pytest.param("x: Optional[int] = None", (T.INTEGER, None), id="optional-none-default"),
    pytest.param("x=LIMIT * 2", (T.INTEGER, 20), id="module-constant"),
    pytest.param("x: int = 'ten'", (T.INTEGER, None), id="default-not-fitting-dropped"),
    pytest.param("x=object()", (T.STRING, None), id="unknown-default-omitted"),
]


@pytest.mark.parametrize(("signature", "expected"), TYPES)
def test_parameter_types(signature: str, expected: tuple[Any, Any]) -> None:
    source = f"from typing import Optional\nLIMIT = 10\ndef f({signature}):\n    pass\n"
    (command,) = script(source, functions=True).commands
    (param,) = command.params
    assert (param.type, param.default) == expected


def test_unknown_default_is_reported() -> None:
    result = script("def f(x=object()):\n    pass\n", functions=True)
    assert [(d.code, d.line, d.severity) for d in result.diagnostics] == [
        ("unknown-default", 1, Severity.WARNING)]


def test_functions_mode_takes_public_top_level_functions_only() -> None:
    source = '''
    """Helpers."""
    def ping(host):
        """Ping it."""
    def _private(): pass
    async def later(): pass
    class Tool:
        def method(self): pass
    def only_pos(a, /): pass
    def nested():
        def inner(): pass
    '''
    result = script(source, functions=True)
    assert [(c.name, c.function) for c in result.commands] == [
        ("tool_ping", "ping"), ("tool_nested", "nested")]
    assert result.commands[0].description == "Ping it."
    assert result.commands[1].description == "Helpers."
    assert "positional-only" in {d.code for d in result.diagnostics}


def test_functions_mode_leaves_real_command_lines_alone() -> None:
    source = "import argparse\np = argparse.ArgumentParser()\np.parse_args()\ndef f(): pass\n"
    assert script(source, functions=True).framework == "argparse"
    assert script("def f(x): pass\n").commands == ()


def test_numpy_and_rest_docstrings_give_help() -> None:
    script_ = analyze_source((EXAMPLES / "netutils.py").read_bytes(), "netutils.py",
                             functions=True)
    helps = {(c.function, p.name): p.description for c in script_.commands for p in c.params}
    assert helps[("subnet_of", "address")] == "An IPv4 or IPv6 address."
    assert helps[("split_network", "new_prefix")] == "Prefix length of the subnets."


# -- the real thing: "call" actions run through their wrapper ------------------------------


def _action(pack: Path, name: str) -> Any:
    for extra in (str(ST2STUB), str(pack / "actions/lib")):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    spec = importlib.util.spec_from_file_location(name, pack / "actions" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (cls,) = [v for v in vars(module).values()
              if isinstance(v, type) and v.__module__ == name and hasattr(v, "run")]
    return cls(config={})


def test_functions_actions_run_through_their_wrapper(tmp_path: Path) -> None:
    pack = tmp_path / "net"
    result = ingest([EXAMPLES / "netutils.py", EXAMPLES / "disk_report.py"], pack,
                    settings=Settings(functions=True))
    assert result.exit_code == 0
    ok, out = _action(pack, "netutils_split_network").run(network="10.0.0.0/24", new_prefix=25)
    assert ok and out["exit_code"] == 0
    assert out["stdout"] == ["10.0.0.0/25", "10.0.0.128/25"]
    ok, out = _action(pack, "netutils_subnet_of").run(address="192.168.7.9")
    assert ok and out["stdout"] == "192.168.7.0/24"
    ok, out = _action(pack, "netutils_split_network").run(network="10.0.0.1/24")
    assert not ok and "host bits set" in out["stderr"]
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.log").write_bytes(b"x" * 2048)
    ok, out = _action(pack, "disk_report").run(path=str(tmp_path / "tree"), top=1)
    assert ok and out["stdout"]["largest"] == [{"bytes": 2048, "file": "a.log"}]


def test_cli_ingest_functions_option(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from voodoo.cli import cli

    pack = tmp_path / "net"
    args = ["ingest", str(EXAMPLES / "netutils.py"), "--pack", str(pack)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert not (pack / "actions" / "netutils_subnet_of.yaml").exists()
    assert CliRunner().invoke(cli, [*args, "--functions"]).exit_code == 0
    assert (pack / "actions" / "netutils_subnet_of.yaml").exists()
