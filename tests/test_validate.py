from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from voodoo.model import ArgKind, Command, Emit, Joiner, Param, ParamType, Severity, freeze
from voodoo.stackstorm import (
    PLACEHOLDER_EMAIL,
    action_metadata,
    dump_yaml,
    pack_metadata,
    readme_from_sections,
    readme_section,
)
from voodoo.validate import Problem, jinja_problems, validate_pack
from voodoo.wrapper import RUNTIME_PACK_PATH, runtime_source, wrapper_source

COMMAND = Command(
    name="deploy",
    description="Deploy a service.",
    params=(
        Param(
            name="host",
            dest="host",
            emit=Emit(ArgKind.POSITIONAL),
            type=ParamType.STRING,
            required=True,
        ),
        Param(
            name="port",
            dest="port",
            emit=Emit(ArgKind.OPTION, "--port", joiner=Joiner.EQUALS),
            type=ParamType.INTEGER,
            default=8080,
        ),
        Param(
            name="tags",
            dest="tags",
            emit=Emit(ArgKind.APPEND, "--tag"),
            type=ParamType.ARRAY,
            items_type=ParamType.STRING,
            default=freeze(["{{ not jinja }}"]),
        ),
        Param(name="script_timeout", dest="timeout", emit=Emit(ArgKind.OPTION, "--timeout")),
    ),
)


def _pack_readme(pack_ref: str, actions: list[tuple[Command, str]]) -> str:
    """The pack README ingest writes for these actions (sorted by name)."""
    return readme_from_sections(
        pack_ref, [(c.name, readme_section(pack_ref, c, script)) for c, script in actions])



def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_pack(root: Path, name: str = "ops") -> Path:
    """A pack laid out the way voodoo generates one."""
    pack = root / name
    meta = pack_metadata(name, "Ops", "Ops scripts", email="ops@example.com")
    _write(pack / "pack.yaml", dump_yaml(meta))
    _write(
        pack / "actions" / "deploy.yaml",
        dump_yaml(action_metadata(COMMAND, pack_ref=name, entry_point="deploy.py")),
    )
    _write(
        pack / "actions" / "deploy.py",
        wrapper_source(COMMAND, "scripts/deploy.py", source_display="deploy.py"),
    )
    _write(pack / "actions" / "scripts" / "deploy.py", "print('hi')\n")
    _write(pack / RUNTIME_PACK_PATH, runtime_source())
    _write(pack / "README.md", _pack_readme(name, [(COMMAND, "scripts/deploy.py")]))
    return pack


def _edit(relpath: str, change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def apply(pack: Path) -> None:
        data = yaml.safe_load((pack / relpath).read_text())
        change(data)
        (pack / relpath).write_text(dump_yaml(data))

    return apply


def _param(name: str, **values: Any) -> Callable[[Path], None]:
    return _edit("actions/deploy.yaml", lambda d: d["parameters"][name].update(values))


def _top(**values: Any) -> Callable[[Path], None]:
    return _edit("actions/deploy.yaml", lambda d: d.update(values))


def _file(relpath: str, text: str) -> Callable[[Path], None]:
    return lambda pack: _write(pack / relpath, text)


PRIORITY = Param(
    name="priority",
    dest="priority",
    emit=Emit(ArgKind.CONST, "--low", consts=((1, "--low"), (5, "--high"))),
    type=ParamType.INTEGER,
)


def _const_pack(pack: Path, enum: list[int] | None) -> None:
    """The deploy action with a dest two store_const options share (--low/--high)."""
    command = dataclasses.replace(COMMAND, params=(*COMMAND.params, PRIORITY))
    _write(
        pack / "actions" / "deploy.py",
        wrapper_source(command, "scripts/deploy.py", source_display="deploy.py"),
    )
    spec: dict[str, Any] = {"type": "integer"}
    if enum is not None:
        spec["enum"] = enum
    _edit(A, lambda d: d["parameters"].update(priority=spec))(pack)


def test_generated_pack_has_no_problems(tmp_path: Path) -> None:
    assert validate_pack(make_pack(tmp_path)) == []


def test_missing_directory(tmp_path: Path) -> None:
    assert [str(p) for p in validate_pack(tmp_path / "nope")] == [
        f"{tmp_path / 'nope'}: not a directory"
    ]


A = "actions/deploy.yaml"
OVERRIDE = "only allows default, description, enum, immutable, required to change"

BAD = [
    ("yaml", _file(A, "name: [unclosed\n"), f"{A}: not valid YAML: "),
    ("not-mapping", _file(A, "- a\n"), f"{A}: must be a YAML mapping"),
    ("pack-yaml-missing", lambda p: (p / "pack.yaml").unlink(), "pack.yaml: missing"),
    (
        "pack-version",
        _edit("pack.yaml", lambda d: d.update(version="0.1")),
        "pack.yaml:version: '0.1' does not match",
    ),
    (
        "pack-author",
        _edit("pack.yaml", lambda d: d.pop("author")),
        "pack.yaml:author: 'author' is a required property",
    ),
    (
        "pack-python-versions",
        _edit("pack.yaml", lambda d: d.update(python_versions=["3.8"])),
        "pack.yaml:python_versions.0: '3.8' is not one of ['2', '3']",
    ),
    (
        "pack-ref-reserved",
        _edit("pack.yaml", lambda d: d.update(ref="core")),
        "pack.yaml:ref: pack ref 'core' is reserved by StackStorm",
    ),
    (
        "pack-ref-pattern",
        _edit("pack.yaml", lambda d: d.update(ref="Ops")),
        "pack.yaml:ref: 'Ops' does not match '^[a-z0-9_]+$'",
    ),
    (
        "pack-email-missing",
        _edit("pack.yaml", lambda d: d.pop("email")),
        "pack.yaml:email: missing: StackStorm's pack registration reads it unconditionally",
    ),
    *[
        (
            f"param-reserved-{name}",
            _edit(A, lambda d, name=name: d["parameters"].update({name: {"type": "string"}})),
            f"{A}:parameters.{name}: {why}",
        )
        for name, why in [
            ("self", "'self' cannot be a keyword argument of the python-script"),
            ("st2kv", "'st2kv' is a name of StackStorm's parameter rendering"),
            ("action_context", "'action_context' is a name of StackStorm's parameter rendering"),
            ("config_context", "'config_context' is a name of StackStorm's parameter rendering"),
            ("class", "'class' is a Python keyword"),
            ("1st", "'1st' is not a valid Python keyword argument"),
        ]
    ],
    (
        "double-raw",
        _param("host", default="{% raw %}{% raw %}{{ x }}{% endraw %}{% raw %}{% endraw %}"),
        f"{A}:parameters.host.default: wrapped in {{% raw %}} more than once",
    ),
    (
        "const-without-enum",
        lambda pack: _const_pack(pack, enum=None),
        f"{A}:parameters.priority.enum: the script only takes 1, 5 (store_const options"
        " --low, --high)",
    ),
    (
        "const-enum-too-wide",
        lambda pack: _const_pack(pack, enum=[1, 5, 7]),
        f"{A}:parameters.priority.enum: the script only takes 1, 5 (store_const options"
        " --low, --high)",
    ),
    (
        "shell-script-no-shebang",
        lambda pack: [
            _file("actions/run.sh", "echo hi\n")(pack),
            _file("actions/sh.yaml", "name: sh\nrunner_type: local-shell-script\n"
                  "entry_point: run.sh\n")(pack),
        ],
        "actions/sh.yaml:entry_point: 'run.sh' has no #! line: the local-shell-script runner"
        " executes it directly",
    ),
    (
        "shell-script-unsafe-path",
        lambda pack: [
            _file("actions/my run.sh", "#!/bin/sh\necho hi\n")(pack),
            _file("actions/sh.yaml", "name: sh\nrunner_type: local-shell-script\n"
                  "entry_point: my run.sh\n")(pack),
        ],
        "actions/sh.yaml:entry_point: 'my run.sh' has a space or shell character: the"
        " runner's chmod command does not quote it",
    ),
    (
        "config-default-type",
        _file("config.schema.yaml", "port:\n  type: integer\n  default: abc\n"),
        "config.schema.yaml:port.default: does not fit the parameter: 'abc' is not of type",
    ),
    (
        "python-entry-point-no-class",
        _file("actions/deploy.py", "def run(**kw):\n    return kw\n"),
        f"{A}:entry_point: 'deploy.py' defines no class with a run() method",
    ),
    (
        "action-unknown-key",
        _top(timeout=5),
        f"{A}: Additional properties are not allowed ('timeout' was unexpected)",
    ),
    (
        "action-no-runner",
        _edit(A, lambda d: d.pop("runner_type")),
        f"{A}:runner_type: 'runner_type' is a required property",
    ),
    (
        "runner-unknown",
        _top(runner_type="pyhton-script"),
        f"{A}:runner_type: unknown runner 'pyhton-script'",
    ),
    ("pack-key", _top(pack="other"), f"{A}:pack: is 'other' but the pack directory is 'ops'"),
    (
        "entry-point-empty",
        _top(entry_point=""),
        f"{A}:entry_point: the python-script runner needs an entry_point",
    ),
    (
        "entry-point-missing",
        _top(entry_point="nope.py"),
        f"{A}:entry_point: 'nope.py' does not exist in actions/",
    ),
    (
        "entry-point-dot",
        _top(entry_point="./deploy.py"),
        f"{A}:entry_point: './deploy.py' is not a normalized path inside actions/"
        " (write 'deploy.py')",
    ),
    (
        "entry-point-up",
        _top(entry_point="../pack.yaml"),
        f"{A}:entry_point: '../pack.yaml' points outside actions/",
    ),
    (
        "entry-point-not-py",
        _top(entry_point="lib"),
        f"{A}:entry_point: 'lib' does not exist in actions/",
    ),
    (
        "entry-point-not-py-file",
        lambda pack: [_file("actions/run.sh", "echo\n")(pack), _top(entry_point="run.sh")(pack)],
        f"{A}:entry_point: a python-script entry_point must be a .py file",
    ),
    (
        "entry-point-must-be-empty",
        _top(runner_type="local-shell-cmd", parameters={}),
        f"{A}:entry_point: must be empty for the local-shell-cmd runner",
    ),
    (
        "param-format",
        _param("host", format="uri"),
        f"{A}:parameters.host: Additional properties are not allowed ('format' was unexpected)",
    ),
    (
        "param-type-list",
        _param("host", type=["string", "null"]),
        f"{A}:parameters.host.type: ['string', 'null'] is not one of",
    ),
    (
        "param-bad-name",
        _edit(A, lambda d: d["parameters"].update({"a-b": {}})),
        f"{A}:parameters: 'a-b' does not match any of the regexes",
    ),
    (
        "override-type",
        _edit(A, lambda d: d["parameters"].update(timeout={"type": "string"})),
        f"{A}:parameters.timeout.type: overrides the runner parameter 'timeout', which"
        f" {OVERRIDE} (runner: 'integer'); rename the parameter",
    ),
    (
        "position-duplicate",
        _edit(A, lambda d: [d["parameters"][n].update(position=0) for n in ("host", "port")]),
        f"{A}:parameters.port.position: position 0 is also used by 'host'",
    ),
    (
        "position-gap",
        _edit(
            A,
            lambda d: [
                d["parameters"][n].update(position=i * 2) for i, n in enumerate(("host", "port"))
            ],
        ),
        f"{A}:parameters.port.position: positions must be contiguous: 0, 2",
    ),
    (
        "immutable-no-default",
        _param("host", immutable=True),
        f"{A}:parameters.host.immutable: an immutable parameter needs a default",
    ),
    (
        "jinja-unclosed",
        _param("host", default="{{ port"),
        f"{A}:parameters.host.default: '{{{{' without a matching '}}}}'",
    ),
    (
        "jinja-undeclared",
        _param("host", default="{{ nope }}"),
        f"{A}:parameters.host.default: uses 'nope', which is not a parameter of this action"
        " (nor config_context, st2kv or action_context)",
    ),
    (
        "jinja-raw-unclosed",
        _param("host", default="{% raw %}x"),
        f"{A}:parameters.host.default: '{{% raw %}}' without a matching '{{% endraw %}}'",
    ),
    (
        "default-type",
        _param("port", default="abc"),
        f"{A}:parameters.port.default: does not fit the parameter: 'abc' is not of type 'integer'",
    ),
    (
        "default-enum",
        _param("host", default="c", enum=["a", "b"]),
        f"{A}:parameters.host.default: does not fit the parameter: 'c' is not one of ['a', 'b']",
    ),
    (
        "default-items",
        _param("tags", default=[1]),
        f"{A}:parameters.tags.default: does not fit the parameter: 1 is not of type 'string'",
    ),
    (
        "duplicate-name",
        _file("actions/zz.yml", "name: deploy\nrunner_type: noop\npack: ops\n"),
        "actions/zz.yml:name: action 'deploy' is also defined in actions/deploy.yaml",
    ),
    (
        "config-schema-empty",
        _file("config.schema.yaml", "{}\n"),
        "config.schema.yaml: {} should be non-empty",
    ),
    (
        "config-schema-bad",
        _file("config.schema.yaml", "key: {type: strin}\n"),
        "config.schema.yaml:key.type: 'strin' is not one of",
    ),
    (
        "immutable-runner-param",
        _file(
            "actions/r.yaml",
            "name: r\nrunner_type: remote-shell-cmd\nparameters:\n  dir:\n    immutable: true\n",
        ),
        "actions/r.yaml:parameters.dir.immutable: overrides a runner parameter that is"
        " immutable: remove immutable",
    ),
]


@pytest.mark.parametrize(("break_it", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_one_problem_each(tmp_path: Path, break_it: Callable[[Path], None], expected: str) -> None:
    pack = make_pack(tmp_path)
    break_it(pack)
    problems = validate_pack(pack)
    assert len(problems) == 1, [str(p) for p in problems]
    assert str(problems[0]).startswith(expected)
    assert problems[0].severity is Severity.ERROR


def test_ref_differing_from_directory_is_a_warning(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "ops_pack")
    _edit("pack.yaml", lambda d: d.update(ref="ops"))(pack)
    _edit(A, lambda d: d.update(pack="ops_pack"))(pack)
    (problem,) = validate_pack(pack)
    assert problem.severity is Severity.WARNING
    assert str(problem).startswith("pack.yaml:ref: pack ref 'ops' differs from the directory name")


def test_ref_from_directory_when_not_given(tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    _edit("pack.yaml", lambda d: d.pop("ref"))(pack)
    assert validate_pack(pack) == []


def test_hand_written_pack_with_other_runners(tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    _write(
        pack / "config.schema.yaml", "api_key:\n  type: string\n  secret: true\n  required: true\n"
    )
    _write(
        pack / "actions" / "shell.yaml",
        dump_yaml(
            {
                "name": "shell",
                "runner_type": "local-shell-cmd",
                "parameters": {
                    "cmd": {"default": "echo {{ who }}", "immutable": True},
                    "who": {"type": "string", "position": 0},
                    "sudo": {"default": True},
                    "obj": {
                        "type": "object",
                        "properties": {"position": {"type": "integer", "required": True}},
                        "default": {"position": 1},
                    },
                },
            }
        ),
    )
    _write(pack / "actions" / "config.yaml", "not: [an action\n")  # skipped, like st2 does
    _write(pack / "actions" / "sub" / "x.yaml", "broken: [\n")  # not scanned: top level only
    assert validate_pack(pack) == []


def test_nested_required_is_checked_like_st2(tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    nested = {"type": "object", "properties": {"a": {"type": "string", "required": True}}}
    _edit(A, lambda d: d["parameters"].update(obj={**nested, "default": {}}))(pack)
    (problem,) = validate_pack(pack)
    assert str(problem) == (
        f"{A}:parameters.obj.default: does not fit the parameter: 'a' is a required property"
    )


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "{{ host }}:{{ port }}",
        "{{ config_context.api_key }}",
        "{{ st2kv.system.token | decrypt_kv }}",
        "{{ action_context.parent.user }}",
        "{% for t in tags %}{{ t }}{% endfor %}",
        "{% if port > 1 %}x{% else %}y{% endif %}",
        "{{ host | default('x', true) }} {{ tags | join(',') }}",
        "{{ 'literal nope' }}",
        "{{ host is defined }}",
        "{% raw %}{{ nope{% endraw %}",
        "{# a comment nope #}",
        "{{ range(3) | list }}",
        "{{ dict(a=1) }}",
    ],
)
def test_jinja_accepted(text: str) -> None:
    assert jinja_problems(text, {"host", "port", "tags"}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ nope }}", "uses 'nope'"),
        ("{{ host.x + other }}", "uses 'other'"),
        ("{% if nope %}{% endif %}", "uses 'nope'"),
        ("{{ }}", "'{{ }}' holds no expression"),
        ("{% if host", "'{%' without a matching '%}'"),
        ("{# open", "'{#' without a matching '#}'"),
    ],
)
def test_jinja_rejected(text: str, expected: str) -> None:
    (message,) = jinja_problems(text, {"host"})
    assert message.startswith(expected)


def test_problem_str() -> None:
    assert str(Problem("a.yaml", "x.y", "bad")) == "a.yaml:x.y: bad"
    assert str(Problem("a.yaml", "", "bad")) == "a.yaml: bad"


def test_placeholder_email_is_a_warning(tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    _edit("pack.yaml", lambda d: d.update(email=PLACEHOLDER_EMAIL))(pack)
    (problem,) = validate_pack(pack)
    assert problem.severity is Severity.WARNING
    assert str(problem).startswith("pack.yaml:email: is voodoo's placeholder")


def test_const_enum_matching_the_consts_is_valid(tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    _const_pack(pack, enum=[1, 5])
    assert validate_pack(pack) == []


def test_reserved_names_only_matter_where_they_break(tmp_path: Path) -> None:
    """A shell action may have a parameter called self or class (no run() keyword)."""
    pack = make_pack(tmp_path)
    _write(
        pack / "actions" / "shell.yaml",
        dump_yaml(
            {
                "name": "shell",
                "runner_type": "local-shell-cmd",
                "parameters": {"self": {"type": "string"}, "class": {"type": "string"}},
            }
        ),
    )
    assert validate_pack(pack) == []
