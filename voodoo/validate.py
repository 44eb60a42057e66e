"""Check a pack (generated or hand-written) against StackStorm's rules, without StackStorm.

``validate_pack`` returns every problem it finds, never raises for a bad pack: a file that
is not YAML is a problem like any other. The rules come from the shared st2 spec: our own
draft-04 schemas (``voodoo/schemas``) for the shape of each file (pack.yaml,
``actions/*.yaml``, config.schema.yaml), then what StackStorm checks in code, at
registration or when it runs an action, which the schemas alone do not catch:

pack.yaml (st2common ``PackAPI``, ``get_pack_ref_from_metadata``)
  - ``email`` present: ``PackAPI.to_model`` reads it unconditionally, so a pack.yaml
    without it fails registration (error); voodoo's placeholder address (warning);
  - a pack ref can be made (``ref``, else the directory name, else ``name``, matching
    ``^[a-z0-9_]+$``) and is not reserved (``_global``, ``core``, ``packs``, system packs);
  - the ref equals the directory name (warning: actions register under the directory).
Pack layout
  - a root ``config.yaml`` is deprecated (warning);
  - config.schema.yaml: each default fits its key's schema;
  - only the top level of ``actions/`` is scanned, ``actions/config.yaml`` skipped.
Actions (``ActionAPI``, ``validators/api/action.py``, the runners)
  - the action name is unique in the pack; ``pack``, if given, equals the directory name;
  - ``runner_type`` names a known runner;
  - ``entry_point``: required or must be empty as the runner says; normalized, inside
    ``actions/`` (or an absolute path inside the pack), existing; a ``.py`` file for
    python-script, which defines a class with a ``run`` method (the python runner's
    wrapper loads the first such class; none: every run fails); for local- and
    remote-shell-script, a file starting with ``#!`` (executed directly) whose path has
    no space or shell character (unquoted in the runner's ``chmod`` command).
Parameters (``_validate_parameters``, the parameter rendering, the python runner)
  - a parameter named like a runner parameter only changes ``default``, ``description``,
    ``enum``, ``immutable``, ``required``, and never sets ``immutable`` on an immutable one;
  - ``position`` values are unique and contiguous;
  - ``immutable: true`` has a default (the action's or the runner's);
  - names StackStorm's Jinja rendering binds (``st2kv``, ``action_context``,
    ``config_context``) are not parameter names (every run left at the default fails);
  - python-script: every name is a valid keyword argument of ``run(self, **parameters)``:
    not ``self`` (TypeError), not a Python keyword, an identifier;
  - string defaults with Jinja: every tag closed, raw blocks closed, only declared
    parameters and the rendering context used; wrapped in ``{% raw %}`` at most once (a
    second wrapping shows the raw tags as the value);
  - a default without Jinja fits its own parameter schema (type, enum, items, ...).
voodoo wrappers (a python-script entry point holding voodoo's ``SPEC``)
  - a parameter several ``store_const`` options share (``--low``/``--high`` ->
    ``priority``) has an ``enum`` within the values the script takes (its consts and its
    own default): StackStorm accepts any value of the type otherwise, and the script
    cannot take it.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from voodoo.model import Severity
from voodoo.naming import reserved_reason
from voodoo.runners import OVERRIDABLE_ATTRIBUTES, Runner, find_runner
from voodoo.stackstorm import FORBIDDEN_PACK_REFS, PACK_REF_PATTERN, PLACEHOLDER_EMAIL

#: names a parameter default may use in Jinja besides the action's own parameters
JINJA_CONTEXT = frozenset({"config_context", "st2kv", "action_context"})
_JINJA_GLOBALS = frozenset({"range", "lipsum", "dict", "cycler", "joiner", "namespace", "loop"})
_JINJA_WORDS = frozenset(
    {"and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False"}
    | {"None", "recursive", "with", "without", "context", "ignore", "missing", "as", "import"}
)
_RAW_BLOCK = re.compile(r"{%-?\s*raw\s*-?%}.*?{%-?\s*endraw\s*-?%}", re.DOTALL)
_RAW_OPEN = re.compile(r"{%-?\s*raw\s*-?%}")
_RAW_CONTENT = re.compile(r"{%-?\s*raw\s*-?%}(.*?){%-?\s*endraw\s*-?%}", re.DOTALL)
#: runners that execute the entry point itself (``chmod +x SCRIPT ; SCRIPT ...``)
_DIRECT_SCRIPT_RUNNERS = frozenset({"local-shell-script", "remote-shell-script"})
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9_./+,@%:=-]")
_SPLIT_ENDRAW = re.compile(r"{%{%-?\s*endraw\s*-?%}{%-?\s*raw\s*-?%}-?\s*endraw")
_RAW_TAG = re.compile(r"{%-?\s*(?:end)?raw\s*-?%}")
_STRING_LITERAL = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
#: keys st2 adds to JSON Schema in a parameter definition; not JSON Schema themselves
_ST2_KEYS = frozenset({"required", "secret", "immutable", "position"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "dependencies"})
_SCHEMA_LISTS = frozenset({"items", "allOf", "anyOf", "oneOf"})
_SCHEMA_VALUES = frozenset({"items", "additionalItems", "additionalProperties", "not"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing in a pack that StackStorm would reject or that would break a run."""

    path: str  #: the file, relative to the pack directory ("" for the pack itself)
    field: str  #: dotted path inside the file, e.g. "parameters.port.default" ("" for all)
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.field}" if self.field else self.path
        return f"{where}: {self.message}"


def validate_pack(pack_dir: str | Path) -> list[Problem]:
    """Every problem found in the pack at ``pack_dir``, in file order."""
    root = Path(pack_dir)
    if not root.is_dir():
        return [Problem(str(pack_dir), "", "not a directory")]
    problems: list[Problem] = []
    _check_pack_yaml(root, problems)
    if (root / "config.yaml").exists():
        problems.append(
            Problem(
                "config.yaml",
                "",
                "a config.yaml in the pack is deprecated; StackStorm reads configs/<pack>.yaml",
                Severity.WARNING,
            )
        )
    if (root / "config.schema.yaml").exists():
        config = _load(root, "config.schema.yaml", problems)
        if config is not None:
            shape = _schema_problems("config.schema.yaml", config, "config_schema.json")
            problems += shape
            if not shape:
                problems += _config_default_problems(config)
    names: dict[str, str] = {}
    for path in _action_files(root):
        _check_action(root, path, names, problems)
    return problems


# --- files ------------------------------------------------------------------------------


def _action_files(root: Path) -> list[str]:
    actions = root / "actions"
    if not actions.is_dir():
        return []
    found = [
        f"actions/{entry.name}"
        for entry in actions.iterdir()
        if entry.is_file() and entry.suffix in (".yaml", ".yml") and entry.name != "config.yaml"
    ]
    return sorted(found)


def _load(root: Path, relpath: str, problems: list[Problem]) -> Any:
    """The YAML document at ``relpath`` as a mapping, or None (with a problem) when it isn't."""
    try:
        data = yaml.safe_load((root / relpath).read_text(encoding="utf-8"))
    except OSError as error:
        problems.append(Problem(relpath, "", f"cannot read: {error.strerror}"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(relpath, "", "not UTF-8 text"))
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(relpath, "", f"not valid YAML: {reason}{where}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(relpath, "", "must be a YAML mapping"))
        return None
    return data


@cache
def _validator(schema_file: str) -> jsonschema.Draft4Validator:
    text = (resources.files("voodoo") / "schemas" / schema_file).read_text("utf-8")
    return jsonschema.Draft4Validator(json.loads(text))


def schema_errors(document: object, schema_file: str) -> list[tuple[str, str]]:
    """``(field, message)`` for each way ``document`` breaks one of our schemas."""
    found = []
    for error in _validator(schema_file).iter_errors(document):
        field = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = re.match(r"'(.*)' is a required property", error.message)
            if missing:
                field = ".".join(part for part in (field, missing.group(1)) if part)
        found.append((field, error.message))
    return sorted(found)


def parameter_problems(
    name: str, spec: Mapping[str, Any], declared: set[str] | frozenset[str]
) -> list[tuple[str, str]]:
    """``(key, message)`` for each way one parameter definition would make ``validate_pack``
    reject its action, ``key`` being the top-level key of ``spec`` at fault. Ingest uses it
    to leave such a key out of what it writes."""
    document = {"name": "x", "runner_type": "python-script", "parameters": {name: dict(spec)}}
    found = []
    for field, message in schema_errors(document, "action.json"):
        parts = field.split(".")
        if len(parts) >= 3 and parts[:2] == ["parameters", name]:
            found.append((parts[2], message))
    if "default" in spec and not found:
        found += [("default", message) for message in _default_problems(spec, declared)]
        found += [("default", message) for message in _default_schema_problems(spec)]
    return found


def _schema_problems(relpath: str, document: object, schema_file: str) -> list[Problem]:
    return [
        Problem(relpath, field, message) for field, message in schema_errors(document, schema_file)
    ]


# --- pack.yaml --------------------------------------------------------------------------


def _check_pack_yaml(root: Path, problems: list[Problem]) -> None:
    if not (root / "pack.yaml").is_file():
        problems.append(Problem("pack.yaml", "", "missing: every pack needs a pack.yaml"))
        return
    pack = _load(root, "pack.yaml", problems)
    if pack is None:
        return
    problems += _schema_problems("pack.yaml", pack, "pack.json")
    problems += _email_problems(pack)
    if isinstance(pack.get("ref"), str) and not PACK_REF_PATTERN.match(pack["ref"]):
        return  # the schema already says ref does not match the pattern
    ref, field = _pack_ref(pack, root.name)
    if ref is None:
        problems.append(
            Problem(
                "pack.yaml",
                "ref",
                "no pack ref: set ref (or name the pack or its directory) to match ^[a-z0-9_]+$",
            )
        )
        return
    if ref in FORBIDDEN_PACK_REFS:
        problems.append(Problem("pack.yaml", field, f"pack ref {ref!r} is reserved by StackStorm"))
    elif ref != root.name:
        problems.append(
            Problem(
                "pack.yaml",
                field,
                f"pack ref {ref!r} differs from the directory name {root.name!r}: actions are"
                " registered under the directory name until `st2 pack install` renames it",
                Severity.WARNING,
            )
        )


def _email_problems(pack: Mapping[str, Any]) -> list[Problem]:
    if "email" not in pack:
        return [
            Problem(
                "pack.yaml",
                "email",
                "missing: StackStorm's pack registration reads it unconditionally"
                " (PackAPI.to_model) and rejects the pack without it; add email: <address>",
            )
        ]
    if pack["email"] == PLACEHOLDER_EMAIL:
        return [
            Problem(
                "pack.yaml",
                "email",
                "is voodoo's placeholder address: set the pack maintainer's email",
                Severity.WARNING,
            )
        ]
    return []


def _pack_ref(pack: Mapping[str, Any], directory: str) -> tuple[str | None, str]:
    """st2's get_pack_ref_from_metadata: ref, else the directory, else name."""
    ref = pack.get("ref")
    if isinstance(ref, str) and ref:
        return (ref if PACK_REF_PATTERN.match(ref) else None), "ref"
    if PACK_REF_PATTERN.match(directory):
        return directory, "ref"
    name = pack.get("name")
    if isinstance(name, str) and PACK_REF_PATTERN.match(name):
        return name, "name"
    return None, "ref"


def _config_default_problems(config: Mapping[str, Any]) -> list[Problem]:
    """A config.schema.yaml default must fit its key's schema, like a parameter default."""
    problems = []
    for key, spec in config.items():
        if isinstance(spec, dict) and "default" in spec:
            for message in _default_schema_problems(spec):
                problems.append(Problem("config.schema.yaml", f"{key}.default", message))
    return problems


# --- actions ----------------------------------------------------------------------------


def _check_action(root: Path, relpath: str, names: dict[str, str], problems: list[Problem]) -> None:
    action = _load(root, relpath, problems)
    if action is None:
        return
    shape = _schema_problems(relpath, action, "action.json")
    problems += shape
    bad_fields = {problem.field for problem in shape}

    name = action.get("name")
    if isinstance(name, str):
        if name in names:
            problems.append(
                Problem(relpath, "name", f"action {name!r} is also defined in {names[name]}")
            )
        else:
            names[name] = relpath
    pack = action.get("pack")
    if isinstance(pack, str) and pack != root.name:
        problems.append(
            Problem(relpath, "pack", f"is {pack!r} but the pack directory is {root.name!r}")
        )

    runner = None
    runner_type = action.get("runner_type")
    if isinstance(runner_type, str):
        runner = find_runner(runner_type)
        if runner is None:
            problems.append(Problem(relpath, "runner_type", f"unknown runner {runner_type!r}"))
    entry_point = action.get("entry_point", "")
    if runner is not None and isinstance(entry_point, str):
        problems += _entry_point_problems(root, relpath, runner, entry_point)

    parameters = action.get("parameters")
    if isinstance(parameters, dict) and "parameters" not in bad_fields:
        problems += _parameter_problems(relpath, parameters, runner, bad_fields)
        if runner is not None and runner.name == "python-script" and isinstance(entry_point, str):
            problems += _voodoo_spec_problems(root, relpath, entry_point, parameters)


def _entry_point_problems(
    root: Path, relpath: str, runner: Runner, entry_point: str
) -> list[Problem]:
    def problem(message: str) -> list[Problem]:
        return [Problem(relpath, "entry_point", message)]

    if runner.entry_point == "must_be_empty":
        return problem(f"must be empty for the {runner.name} runner") if entry_point else []
    if runner.entry_point != "required":
        return []
    if not entry_point:
        return problem(f"the {runner.name} runner needs an entry_point")
    actions = (root / "actions").resolve()
    if posixpath.isabs(entry_point):
        target = Path(entry_point).resolve()
        if not target.is_relative_to(root.resolve()):
            return problem("an absolute entry_point must be inside the pack")
    else:
        normal = posixpath.normpath(entry_point)
        if normal != entry_point or normal == ".." or normal.startswith("../"):
            return problem(
                f"{entry_point!r} is not a normalized path inside actions/ (write {normal!r})"
                if not normal.startswith("..")
                else f"{entry_point!r} points outside actions/"
            )
        target = actions / entry_point
    if not target.is_file():
        return problem(f"{entry_point!r} does not exist in actions/")
    if runner.name == "python-script" and target.suffix != ".py":
        return problem("a python-script entry_point must be a .py file")
    if runner.name == "python-script":
        why = _action_class_problem(target)
        return problem(f"{entry_point!r} {why}") if why else []
    if runner.name in _DIRECT_SCRIPT_RUNNERS:
        return [
            Problem(relpath, "entry_point", f"{entry_point!r} {why}")
            for why in _shell_script_problems(entry_point, target, runner.name)
        ]
    return []


def _shell_script_problems(entry_point: str, target: Path, runner: str) -> list[str]:
    """st2 runs ``chmod +x SCRIPT ; SCRIPT ...`` through a shell, the path unquoted in the
    chmod part, and executes the script directly (so it needs its #! line)."""
    problems = []
    if _UNSAFE_PATH.search(entry_point):
        problems.append(
            "has a space or shell character: the runner's chmod command does not quote it"
        )
    try:
        with target.open("rb") as f:
            start = f.read(2)
    except OSError:
        return problems
    if start != b"#!":
        problems.append(f"has no #! line: the {runner} runner executes it directly")
    return problems


def _parse_python(path: Path) -> ast.Module | None:
    """The module's syntax tree (parsed, never run), or None when it does not parse."""
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _action_class_problem(path: Path) -> str | None:
    """Why StackStorm's python runner would find no action class in ``path`` (None: it
    would). A class with bases but no run of its own may inherit one: not reported."""
    module = _parse_python(path)
    if module is None:
        return "does not parse as Python 3: StackStorm cannot load it"
    classes = [node for node in module.body if isinstance(node, ast.ClassDef)]
    for cls in classes:
        if cls.bases or any(
            isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == "run"
            for item in cls.body
        ):
            return None
    return "defines no class with a run() method: StackStorm's python runner needs one"


def _voodoo_spec(path: Path) -> dict[str, Any] | None:
    """The ``SPEC`` literal of a voodoo wrapper (``ast.literal_eval``: data only, nothing
    run), or None for any other file."""
    module = _parse_python(path)
    if module is None:
        return None
    for node in module.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "SPEC"
        ]:
            try:
                spec = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                return None
            return spec if isinstance(spec, dict) else None
    return None


def _voodoo_spec_problems(
    root: Path, relpath: str, entry_point: str, parameters: Mapping[str, Any]
) -> list[Problem]:
    """Values StackStorm would accept that the wrapped script cannot take: a parameter
    filled by store_const/append_const options needs an enum within their consts."""
    if not entry_point or posixpath.isabs(entry_point) or ".." in entry_point.split("/"):
        return []
    spec = _voodoo_spec(root / "actions" / entry_point)
    problems: list[Problem] = []
    for param in spec.get("params", ()) if spec else ():
        if not isinstance(param, dict) or param.get("kind") not in ("const", "append_const"):
            continue
        definition = parameters.get(str(param.get("name")))
        consts = param.get("consts") or []
        if not isinstance(definition, dict) or not consts:
            continue
        if param["kind"] == "const" and len(consts) < 2:
            continue  # one store_const option: the value is refused by the wrapper at run time
        takes = [pair[0] for pair in consts]
        if param["kind"] == "const" and param.get("default") is not None:
            takes.append(param["default"])
        where = definition
        field = f"parameters.{param['name']}.enum"
        if param["kind"] == "append_const":
            items = definition.get("items")
            where = items if isinstance(items, dict) else {}
            field = f"parameters.{param['name']}.items.enum"
        enum = where.get("enum")
        if isinstance(enum, list) and all(any(_same(v, t) for t in takes) for v in enum):
            continue
        options = ", ".join(str(pair[1]) for pair in consts)
        problems.append(
            Problem(
                relpath,
                field,
                f"the script only takes {', '.join(json.dumps(t) for t in takes)}"
                f" (store_const options {options}); StackStorm accepts any other value"
                f" and the run fails: set enum to {json.dumps(takes)}",
            )
        )
    return problems


def _same(left: object, right: object) -> bool:
    """JSON equality: ``True`` is not ``1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def _parameter_problems(
    relpath: str,
    parameters: Mapping[str, Any],
    runner: Runner | None,
    bad_fields: set[str],
) -> list[Problem]:
    problems: list[Problem] = []
    positions: dict[str, int | float] = {}
    declared = set(parameters)
    python_action = runner is not None and runner.name == "python-script"
    for name, spec in parameters.items():
        field = f"parameters.{name}"
        reserved = reserved_reason(str(name), python_action=python_action)
        if reserved is not None:
            problems.append(
                Problem(relpath, field, f"{reserved}; rename it (voodoo uses script_{name})")
            )
        if not isinstance(spec, dict):
            continue
        runner_param = runner.parameters.get(name) if runner is not None else None
        if runner_param is not None:
            problems += _override_problems(relpath, field, spec, runner_param)
        position = spec.get("position")
        if isinstance(position, int | float) and not isinstance(position, bool):
            positions[name] = position
        runner_default = runner_param is not None and runner_param.get("default") is not None
        if spec.get("immutable") is True and "default" not in spec and not runner_default:
            problems.append(
                Problem(relpath, f"{field}.immutable", "an immutable parameter needs a default")
            )
        if "default" in spec:
            for message in _default_problems(spec, declared):
                problems.append(Problem(relpath, f"{field}.default", message))
            if not any(bad == field or bad.startswith(field + ".") for bad in bad_fields):
                for message in _default_schema_problems(spec):
                    problems.append(Problem(relpath, f"{field}.default", message))
    problems += _position_problems(relpath, positions)
    return problems


def _override_problems(
    relpath: str, field: str, spec: Mapping[str, Any], runner_param: Mapping[str, Any]
) -> list[Problem]:
    problems = []
    for attribute, value in spec.items():
        if attribute == "immutable" and runner_param.get("immutable") is True:
            problems.append(
                Problem(
                    relpath,
                    f"{field}.immutable",
                    "overrides a runner parameter that is immutable: remove immutable",
                )
            )
        elif attribute not in OVERRIDABLE_ATTRIBUTES and value != runner_param.get(attribute):
            problems.append(
                Problem(
                    relpath,
                    f"{field}.{attribute}",
                    f"overrides the runner parameter {field.split('.', 1)[1]!r}, which only"
                    f" allows {', '.join(sorted(OVERRIDABLE_ATTRIBUTES))} to change"
                    f" (runner: {runner_param.get(attribute)!r}); rename the parameter",
                )
            )
    return problems


def _position_problems(relpath: str, positions: Mapping[str, int | float]) -> list[Problem]:
    problems = []
    seen: dict[int | float, str] = {}
    for name, position in positions.items():
        if position in seen:
            problems.append(
                Problem(
                    relpath,
                    f"parameters.{name}.position",
                    f"position {position} is also used by {seen[position]!r}",
                )
            )
        seen.setdefault(position, name)
    if positions and not problems:
        ordered = sorted(seen)
        start = ordered[0]
        expected = [start + offset for offset in range(len(ordered))]
        if ordered != expected:
            gap = next(have for have, want in zip(ordered, expected, strict=True) if have != want)
            problems.append(
                Problem(
                    relpath,
                    f"parameters.{seen[gap]}.position",
                    f"positions must be contiguous: {', '.join(str(p) for p in ordered)}",
                )
            )
    return problems


# --- defaults ---------------------------------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _has_jinja(value: object) -> bool:
    return any("{{" in text or "{%" in text for text in _strings(value))


def _default_problems(spec: Mapping[str, Any], declared: set[str] | frozenset[str]) -> list[str]:
    messages: list[str] = []
    for text in _strings(spec["default"]):
        found = jinja_problems(text, declared)
        messages += found or _raw_twice(text)
    return messages


def _raw_twice(text: str) -> list[str]:
    """A default wrapped in ``{% raw %}`` twice renders to text that still holds raw tags:
    StackStorm shows (and passes) the tags themselves. Not when an ``endraw`` is split
    across two blocks (``{%{% endraw %}{% raw %} endraw %}``): that is how a literal raw
    tag is written on purpose (``stackstorm.raw_jinja``), not a second wrapping."""
    if not _RAW_OPEN.search(text) or _SPLIT_ENDRAW.search(text):
        return []
    rendered = _RAW_CONTENT.sub(lambda m: m.group(1), text)
    if _RAW_TAG.search(rendered):
        return [
            "wrapped in {% raw %} more than once: StackStorm renders it to"
            f" {rendered!r}, raw tags included; wrap it once"
        ]
    return []


def jinja_problems(text: str, declared: set[str] | frozenset[str]) -> list[str]:
    """Why StackStorm could not render ``text`` as a parameter default (empty: it can).

    Checks what can be checked without Jinja: every ``{{``/``{%``/``{#`` is closed, raw
    blocks are closed, and expressions use only declared parameters, ``config_context``,
    ``st2kv`` and ``action_context``.
    """
    text = _RAW_BLOCK.sub("", text)
    if _RAW_OPEN.search(text):
        return ["'{% raw %}' without a matching '{% endraw %}'"]
    pieces: list[tuple[str, str]] = []
    index = 0
    while True:
        starts = [(text.find(opener, index), opener) for opener in _CLOSERS]
        starts = [(at, opener) for at, opener in starts if at >= 0]
        if not starts:
            break
        at, opener = min(starts)
        closer = _CLOSERS[opener]
        end = text.find(closer, at + 2)
        if end < 0:
            return [f"{opener!r} without a matching {closer!r}"]
        pieces.append((opener, text[at + 2 : end].strip("-+ \t\r\n")))
        index = end + 2
    messages = []
    bound = {name for opener, body in pieces if opener == "{%" for name in _bound_names(body)}
    known = set(declared) | JINJA_CONTEXT | _JINJA_GLOBALS | bound
    for opener, body in pieces:
        if opener == "{#":
            continue
        if opener == "{{" and not body:
            messages.append("'{{ }}' holds no expression")
        names = _names(body, skip_first=opener == "{%")
        for name in sorted(names - known):
            messages.append(
                f"uses {name!r}, which is not a parameter of this action"
                " (nor config_context, st2kv or action_context)"
            )
    return messages


def _bound_names(tag: str) -> set[str]:
    tokens = _TOKEN.findall(tag)
    if tokens[:1] == ["for"] and "in" in tokens:
        return {t for t in tokens[1 : tokens.index("in")] if t.isidentifier()}
    if tokens[:1] in (["set"], ["macro"]) and len(tokens) > 1:
        return {tokens[1]} | (
            {t for t in tokens[2:] if t.isidentifier()} if tokens[0] == "macro" else set()
        )
    return set()


def _names(expression: str, *, skip_first: bool) -> set[str]:
    tokens = _TOKEN.findall(_STRING_LITERAL.sub('""', expression))
    if skip_first:
        tokens = tokens[1:]
    names = set()
    previous = ""
    for position, token in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        is_keyword_arg = following == "=" and previous in ("(", ",")
        if (
            token.isidentifier()
            and token not in _JINJA_WORDS
            and previous not in (".", "|", "is")
            and not is_keyword_arg
        ):
            names.add(token)
        previous = token
    return names


def _default_schema_problems(spec: Mapping[str, Any]) -> list[str]:
    default = spec["default"]
    if _has_jinja(default):
        return []  # rendered at execution: the value is not known yet
    schema = _draft4(spec)
    try:
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(default))
    except (jsonschema.SchemaError, TypeError, ValueError, re.error) as error:
        return [f"cannot check the default: {error}"]
    return [f"does not fit the parameter: {error.message}" for error in errors]


def _draft4(schema: object) -> Any:
    """A parameter definition as plain draft-4: st2's keys dropped, draft-3 style
    ``required: true`` inside ``properties`` turned into a draft-4 ``required`` array."""
    if not isinstance(schema, dict):
        return schema
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ST2_KEYS:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            converted[key] = {name: _draft4(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            converted[key] = [_draft4(sub) for sub in value]
        elif key in _SCHEMA_VALUES:
            converted[key] = _draft4(value)
        else:
            converted[key] = value  # data (default, enum, ...) or a plain keyword
    properties = schema.get("properties")
    if isinstance(properties, dict):
        required = sorted(
            name
            for name, sub in properties.items()
            if isinstance(sub, dict) and sub.get("required") is True
        )
        if required:
            converted["required"] = required
    return converted
