"""Render the per-action python-script wrapper that runs a script through the runtime.

The wrapper is data, not logic: a ``SPEC`` literal (see ``spec_for``) and one ``Action``
subclass whose ``run`` hands the parameters to ``voodoo_runtime.run_script``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from importlib import resources

from voodoo.errors import PackError
from voodoo.model import ArgKind, Command, Param, thaw

#: the module name of the runtime inside a pack's ``actions/lib``
RUNTIME_MODULE = "voodoo_runtime"

#: where the runtime goes inside a pack (python-script actions have actions/lib on their path)
RUNTIME_PACK_PATH = f"actions/lib/{RUNTIME_MODULE}.py"

_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")


def runtime_source() -> str:
    """The runtime module's text, to be written to ``RUNTIME_PACK_PATH`` in every pack."""
    return (resources.files("voodoo") / "runtime" / f"{RUNTIME_MODULE}.py").read_text("utf-8")


def spec_for(
    command: Command,
    script_relpath: str,
    *,
    config_env: Mapping[str, str] | None = None,
    interpreter: str | None = None,
    parser: str | None = None,
    cwd: str | None = None,
) -> dict[str, object]:
    """The runtime spec for ``command``; ``script_relpath`` is relative to the wrapper.
    ``config_env``: pack config key -> environment variable to export from it;
    ``interpreter``: the program that runs the script (None: the pack's Python);
    ``parser``: the script's framework (``Script.framework``), whose reading of a value
    that looks like an option the runtime knows (None: the strictest rules);
    ``cwd``: the script's working directory, absolute or relative to the script's folder
    (None: the script's folder, which the runtime uses by default)."""
    script = script_relpath.replace("\\", "/")
    if posixpath.isabs(script) or ".." in script.split("/"):
        raise PackError(f"script path {script_relpath!r} must stay inside the pack's actions/")
    return {
        "script": posixpath.normpath(script),
        "interpreter": interpreter,
        "invocation": command.invocation,
        "function": command.function,
        **({"parser": parser} if parser else {}),
        "double_dash": command.double_dash,
        **({"prefix_chars": command.prefix_chars} if command.prefix_chars != "-" else {}),
        "words": list(command.path),
        "params": [_param_spec(param) for param in command.params],
        **_one_of_spec(command),
        **({"config_env": dict(sorted(config_env.items()))} if config_env else {}),
        **({"cwd": cwd} if cwd else {}),
    }


def _one_of_spec(command: Command) -> dict[str, object]:
    """``one_of``: groups of parameter names of which exactly one must be given."""
    names = {param.dest: param.name for param in command.params}
    groups = [[names[dest] for dest in group if dest in names] for group in command.one_of]
    groups = [group for group in groups if len(group) > 1]
    return {"one_of": groups} if groups else {}


#: spec keys left out when they hold these values (the runtime assumes the same defaults)
_SPEC_DEFAULTS: dict[str, object] = {
    "off_option": "",
    "joiner": "separate",
    "consts": [],
    "true_token": "true",
    "false_token": "false",
    "level": 0,
    "position": 0,
    "default": None,
    "secret_env": None,
}


def _param_spec(param: Param) -> dict[str, object]:
    emit = param.emit
    full: dict[str, object] = {
        "name": param.name,
        "dest": param.dest,
        "kind": emit.kind.value,
        "option": emit.option,
        "off_option": emit.off_option,
        "joiner": emit.joiner.value,
        "consts": [[thaw(value), option] for value, option in emit.consts],
        "true_token": emit.true_token,
        "false_token": emit.false_token,
        "level": emit.level,
        "position": emit.position,
        "default": thaw(param.default),
        "secret_env": _secret_env(param),
    }
    return {
        key: value
        for key, value in full.items()
        if key not in _SPEC_DEFAULTS
        or value != _SPEC_DEFAULTS[key]
        or type(value) is not type(_SPEC_DEFAULTS[key])
    }


def _secret_env(param: Param) -> str | None:
    """The variable a secret is exported in instead of being typed: the one the script
    itself reads for that option (so the value stays out of the process table)."""
    if param.secret and param.env_fallback and param.emit.kind is ArgKind.OPTION:
        return param.env_fallback
    return None


def class_name(command: Command) -> str:
    """The wrapper's Action subclass name: CamelCase of the action name + ``Action``."""
    parts = [part for part in _NOT_WORD.split(command.name) if part]
    name = "".join(part[:1].upper() + part[1:] for part in parts) + "Action"
    return name if name[0].isalpha() else "Voodoo" + name


def wrapper_source(
    command: Command,
    script_relpath: str,
    *,
    source_display: str,
    config_env: Mapping[str, str] | None = None,
    interpreter: str | None = None,
    parser: str | None = None,
    cwd: str | None = None,
) -> str:
    """The python-script entry point for ``command`` (deterministic source text); with
    ``config_env`` it hands StackStorm's pack config (``self.config``) to the runtime."""
    source = " ".join(source_display.split())
    spec = _literal(
        spec_for(
            command,
            script_relpath,
            config_env=config_env,
            interpreter=interpreter,
            parser=parser,
            cwd=cwd,
        ),
        0,
    )
    config = ", config=self.config" if config_env else ""
    return (
        f"# generated by voodoo from {source}; edit the action YAML, not this file\n"
        "from st2common.runners.base_action import Action\n"
        f"from {RUNTIME_MODULE} import run_script\n"
        "\n"
        f"SPEC = {spec}\n"
        "\n"
        "\n"
        f"class {class_name(command)}(Action):\n"
        "    def run(self, **parameters):\n"
        f"        return run_script(__file__, SPEC, parameters{config})\n"
    )


def _literal(value: object, depth: int) -> str:
    """A Python literal for a JSON-like value: dicts and lists of dicts one item per line."""
    pad = "    " * (depth + 1)
    end = "    " * depth
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = "".join(f"{pad}{k!r}: {_literal(v, depth + 1)},\n" for k, v in value.items())
        return "{\n" + body + end + "}"
    if isinstance(value, list):
        if not any(isinstance(item, dict) for item in value):
            return "[" + ", ".join(_literal(item, depth) for item in value) + "]"
        body = "".join(f"{pad}{_literal(item, depth + 1)},\n" for item in value)
        return "[\n" + body + end + "]"
    if isinstance(value, float) and value != value:  # NaN has no literal
        return 'float("nan")'
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    return repr(value)
