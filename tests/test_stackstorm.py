from __future__ import annotations

import ast
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from voodoo.errors import PackError
from voodoo.local.launch import st2stub_path
from voodoo.model import ArgKind, Command, Emit, Joiner, Param, ParamType, freeze
from voodoo.stackstorm import (
    PLACEHOLDER_EMAIL,
    action_metadata,
    dump_yaml,
    pack_metadata,
    pack_ref,
    parameter_metadata,
    raw_jinja,
    readme_from_sections,
    readme_section,
)
from voodoo.wrapper import (
    RUNTIME_PACK_PATH,
    class_name,
    runtime_source,
    spec_for,
    wrapper_source,
)

OPTION = Emit(ArgKind.OPTION, "--x")


def _pack_readme(pack_ref: str, actions: list[tuple[Command, str]]) -> str:
    """The pack README ingest writes for these actions (sorted by name)."""
    return readme_from_sections(
        pack_ref, [(c.name, readme_section(pack_ref, c, script)) for c, script in actions])



def p(name: str = "x", **kw: object) -> Param:
    kw.setdefault("emit", OPTION)
    return Param(name=name, dest=name, **kw)  # type: ignore[arg-type]


def test_action_key_order_and_fixed_fields() -> None:
    command = Command(name="deploy", description="  Deploy it.  ", params=(p("a"), p("b")))
    data = action_metadata(command, pack_ref="ops", entry_point="deploy.py")
    assert list(data) == [
        "name",
        "runner_type",
        "description",
        "enabled",
        "entry_point",
        "pack",
        "parameters",
    ]
    assert data["runner_type"] == "python-script"
    assert data["description"] == "Deploy it."
    assert data["enabled"] is True
    assert list(data["parameters"]) == ["a", "b"]  # type: ignore[call-overload]


@pytest.mark.parametrize("description", [None, "", "   "])
def test_empty_description_is_omitted(description: str | None) -> None:
    data = action_metadata(
        Command(name="x", description=description), pack_ref="p", entry_point="x.py"
    )
    assert "description" not in data
    assert data["parameters"] == {}


def test_parameter_key_order_with_everything() -> None:
    param = p(
        type=ParamType.ARRAY,
        description="d",
        required=True,
        default=freeze([["a"]]),
        secret=True,
        enum=(freeze(["a"]),),
        items_type=ParamType.ARRAY,
        items_enum=(freeze(["a"]),),
        items_items_type=ParamType.STRING,
        minimum=0,
        maximum=5,
        min_items=1,
        max_items=3,
    )
    data = parameter_metadata(param)
    assert list(data) == [
        "type",
        "description",
        "required",
        "default",
        "secret",
        "enum",
        "items",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
    ]
    assert data["default"] == [["a"]]
    assert data["items"] == {"type": "array", "enum": [["a"]], "items": {"type": "string"}}


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        pytest.param(p(), {}, id="untyped-nothing"),
        pytest.param(
            p(type=ParamType.BOOLEAN, default=False),
            {"type": "boolean", "default": False},
            id="false-default-kept",
        ),
        pytest.param(
            p(type=ParamType.INTEGER, default=0),
            {"type": "integer", "default": 0},
            id="zero-default-kept",
        ),
        pytest.param(
            p(type=ParamType.STRING, default=""),
            {"type": "string", "default": ""},
            id="empty-string-default",
        ),
        pytest.param(p(required=False, secret=False), {}, id="false-required-secret-omitted"),
        pytest.param(p(default=None), {}, id="none-default-omitted"),
        pytest.param(
            p(type=ParamType.OBJECT, default=freeze({"k": [1, "{{v}}"]})),
            {"type": "object", "default": {"k": [1, "{% raw %}{{v}}{% endraw %}"]}},
            id="object-thawed-and-raw",
        ),
        pytest.param(
            p(type=ParamType.STRING, default="{% if %}"),
            {"type": "string", "default": "{% raw %}{% if %}{% endraw %}"},
            id="jinja-tag-raw",
        ),
        pytest.param(
            p(type=ParamType.STRING, default="{ x }"),
            {"type": "string", "default": "{ x }"},
            id="single-brace-left-alone",
        ),
        pytest.param(
            p(type=ParamType.ARRAY, default=freeze(["{{a}}", 1]), items_type=ParamType.STRING),
            {
                "type": "array",
                "default": ["{% raw %}{{a}}{% endraw %}", 1],
                "items": {"type": "string"},
            },
            id="array-items-raw",
        ),
        pytest.param(
            p(emit=Emit(ArgKind.POSITIONAL, position=3), type=ParamType.STRING),
            {"type": "string"},
            id="position-never-emitted",
        ),
        pytest.param(
            p(type=ParamType.NUMBER, minimum=0.5), {"type": "number", "minimum": 0.5}, id="minimum"
        ),
    ],
)
def test_parameter_rules(param: Param, expected: dict[str, object]) -> None:
    assert parameter_metadata(param) == expected


def test_raw_jinja_leaves_non_strings() -> None:
    assert raw_jinja(True) is True
    assert raw_jinja(3) == 3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ops Tools", "ops_tools"),
        ("my-pack.v2", "my_pack_v2"),
        ("__x__", "x"),
        ("ok_123", "ok_123"),
        ("Corey", "corey"),
    ],
)
def test_pack_ref_normalizes(name: str, expected: str) -> None:
    assert pack_ref(name) == expected


@pytest.mark.parametrize(
    "name", ["_global", "core", "packs", "chatops", "Linux", "CORE", "", "---"]
)
def test_pack_ref_rejects(name: str) -> None:
    with pytest.raises(PackError):
        pack_ref(name)


def test_pack_metadata() -> None:
    data = pack_metadata("ops", "Ops", "Ops scripts", author="Ops team", email="ops@example.com")
    assert data == {
        "ref": "ops",
        "name": "Ops",
        "description": "Ops scripts",
        "version": "0.1.0",
        "author": "Ops team",
        "email": "ops@example.com",
        "python_versions": ["3"],
    }
    # never without email: StackStorm's registration fails on a pack.yaml lacking it
    assert pack_metadata("ops", "Ops", "d")["email"] == PLACEHOLDER_EMAIL
    assert "version: 0.1.0" in dump_yaml(data)
    assert yaml.safe_load(dump_yaml(data))["version"] == "0.1.0"


@pytest.mark.parametrize(
    ("ref", "version"), [("ops", "0.1"), ("ops", "v1.0.0"), ("Ops", "1.0.0"), ("core", "1.0.0")]
)
def test_pack_metadata_rejects(ref: str, version: str) -> None:
    with pytest.raises(PackError):
        pack_metadata(ref, "n", "d", version=version)


# --- YAML ---------------------------------------------------------------------------------

TRICKY = [
    "{{ x }}",
    "{% raw %}",
    "a: b",
    "# not a comment",
    "---",
    "...",
    "\ttab",
    "line\nline\n",
    "trailing space ",
    " leading",
    "🚀 emoji",
    "שלום עולם",
    "مرحبا",
    "yes",
    "null",
    "0.1",
    "012",
    "",
    "\r\n",
    "\x85nel",
    "\u2028sep",
    "\ufeffbom",
    "@at",
    "`tick",
    "!tag",
    "&anchor",
    "*alias",
    "%percent",
    "a" * 500,
]


@pytest.mark.parametrize("text", TRICKY)
def test_dump_yaml_round_trips_tricky_strings(text: str) -> None:
    data = {"k": text, "l": [text], text: {"default": text}}
    assert yaml.safe_load(dump_yaml(data)) == data


@settings(max_examples=400)
@given(st.text())
def test_dump_yaml_round_trips_any_text(text: str) -> None:
    data = {"value": text, "items": [text, {"nested": text}], text: 1}
    assert yaml.safe_load(dump_yaml(data)) == data


def test_dump_yaml_is_block_style_and_keeps_order() -> None:
    text = dump_yaml({"b": [1, {"c": "x"}], "a": {}})
    assert text == "b:\n  - 1\n  - c: x\na: {}\n"


def test_dump_yaml_does_not_wrap() -> None:
    long = "word " * 100
    assert len(dump_yaml({"d": long.strip()}).splitlines()) == 1


# --- README ---------------------------------------------------------------------------------


def test_pack_readme_lists_actions_sorted_with_parameters() -> None:
    first = Command(
        name="zeta",
        description="Zeta | things",
        params=(
            p("port", type=ParamType.INTEGER, default=8080, description="The port | number"),
            p("host", type=ParamType.STRING, required=True),
            p("tags", type=ParamType.ARRAY, items_type=ParamType.STRING),
        ),
    )
    second = Command(name="alpha", path=("node", "drain"))
    text = _pack_readme("ops", [(first, "scripts/z.py"), (second, "scripts/a.py")])
    assert text.index("ops.alpha") < text.index("ops.zeta")
    assert "Runs `scripts/a.py` `node drain`." in text
    assert "| `port` | integer | no | `8080` | The port \\| number |" in text
    assert "| `host` | string | yes |  |  |" in text
    assert "| `tags` | array of string | no |  |  |" in text
    assert "No parameters." in text
    assert text == _pack_readme("ops", [(second, "scripts/a.py"), (first, "scripts/z.py")])
    assert text.endswith("|\n")


# --- wrapper ----------------------------------------------------------------------------------

CONSTS = Emit(ArgKind.CONST, consts=(("json", "--json"), ("csv", "--csv")))


def _command() -> Command:
    return Command(
        name="cluster_ctl_node_drain",
        path=("node", "drain"),
        params=(
            p("port", emit=Emit(ArgKind.OPTION, "--port", joiner=Joiner.EQUALS), default=8080),
            p("fmt", emit=CONSTS, default="text"),
            p("script_timeout", emit=Emit(ArgKind.OPTION, "--timeout", level=1)),
            p("node", emit=Emit(ArgKind.POSITIONAL, level=2, position=0), required=True),
            p("opts", emit=Emit(ArgKind.OPTION, "--o"), default=freeze({"a": [1, 2.5]})),
        ),
    )


def test_spec_for_is_compact_and_complete() -> None:
    spec = spec_for(_command(), "scripts/cluster_ctl.py")
    assert spec == {
        "script": "scripts/cluster_ctl.py",
        "interpreter": None,
        "invocation": "argv",
        "function": None,
        "double_dash": True,
        "words": ["node", "drain"],
        "params": [
            {
                "name": "port",
                "dest": "port",
                "kind": "option",
                "option": "--port",
                "joiner": "equals",
                "default": 8080,
            },
            {
                "name": "fmt",
                "dest": "fmt",
                "kind": "const",
                "option": "",
                "consts": [["json", "--json"], ["csv", "--csv"]],
                "default": "text",
            },
            {
                "name": "script_timeout",
                "dest": "script_timeout",
                "kind": "option",
                "option": "--timeout",
                "level": 1,
            },
            {"name": "node", "dest": "node", "kind": "positional", "option": "", "level": 2},
            {
                "name": "opts",
                "dest": "opts",
                "kind": "option",
                "option": "--o",
                "default": {"a": [1, 2.5]},
            },
        ],
    }


def test_spec_keeps_falsy_values_that_differ_from_defaults() -> None:
    param = p("f", emit=Emit(ArgKind.OPTION, "-f", true_token="", false_token="0"), default=False)
    params: Any = spec_for(Command(name="f", params=(param,)), "f.py")["params"]
    (entry,) = params
    assert entry["true_token"] == "" and entry["false_token"] == "0"
    assert entry["default"] is False


@pytest.mark.parametrize("path", ["/abs/x.py", "../x.py", "a/../../x.py"])
def test_spec_rejects_paths_outside_actions(path: str) -> None:
    with pytest.raises(PackError):
        spec_for(Command(name="x"), path)


def test_wrapper_source_shape() -> None:
    command = _command()
    source = wrapper_source(
        command, "scripts/cluster_ctl.py", source_display="ops/cluster ctl.py\nx"
    )
    lines = source.splitlines()
    assert lines[0] == (
        "# generated by voodoo from ops/cluster ctl.py x; edit the action YAML, not this file"
    )
    assert lines[1] == "from st2common.runners.base_action import Action"
    assert lines[2] == "from voodoo_runtime import run_script"
    tree = ast.parse(source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["ClusterCtlNodeDrainAction"]
    assert [ast.unparse(base) for base in classes[0].bases] == ["Action"]
    (assign,) = [node for node in tree.body if isinstance(node, ast.Assign)]
    assert ast.literal_eval(assign.value) == spec_for(command, "scripts/cluster_ctl.py")
    assert (
        "    def run(self, **parameters):\n        return run_script(__file__, SPEC, parameters)\n"
        in source
    )
    assert source == wrapper_source(
        command, "scripts/cluster_ctl.py", source_display="ops/cluster ctl.py\nx"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [("deploy", "DeployAction"), ("a_b_c", "ABCAction"), ("9x", "Voodoo9xAction")],
)
def test_class_name(name: str, expected: str) -> None:
    assert class_name(Command(name=name)) == expected


def test_wrapper_literal_handles_special_floats() -> None:
    command = Command(name="f", params=(p("f", default=float("inf")),))
    source = wrapper_source(command, "f.py", source_display="f.py")
    assert 'float("inf")' in source
    compile(source, "w.py", "exec")


def test_runtime_and_stub_are_shipped() -> None:
    assert RUNTIME_PACK_PATH == "actions/lib/voodoo_runtime.py"
    assert "def run_script(" in runtime_source()
    assert (st2stub_path() / "st2common" / "runners" / "base_action.py").is_file()
