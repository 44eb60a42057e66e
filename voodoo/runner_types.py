"""The runners ``voodoo run`` can execute locally, with their runner parameters.

Written from StackStorm's ``runner.yaml`` files (contrib/runners/local_runner and
python_runner): the same names, types, defaults and secrets. An action parameter with one of
these names overrides the runner parameter; only the attributes in ``OVERRIDABLE`` may differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Attributes an action may change when it overrides a runner parameter.
OVERRIDABLE = frozenset({"default", "description", "enum", "immutable", "required"})

_TIMEOUT_DOC = (
    "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds."
)
_SHELL_COMMON: dict[str, dict[str, Any]] = {
    "cwd": {
        "type": "string",
        "description": "Working directory where the script will be executed in",
    },
    "env": {
        "type": "object",
        "description": "Environment variables which will be available to the script",
    },
    "kwarg_op": {
        "type": "string",
        "default": "--",
        "description": 'Operator to use in front of keyword args i.e. "--" or "-".',
    },
    "sudo": {
        "type": "boolean",
        "default": False,
        "description": "The command will be executed with sudo.",
    },
    "sudo_password": {
        "type": "string",
        "default": None,
        "secret": True,
        "description": "Sudo password. To be used when passwordless sudo is not allowed.",
    },
    "timeout": {"type": "integer", "default": 60, "description": _TIMEOUT_DOC},
}
_DEBUG = {"type": "boolean", "default": False, "description": "Enable runner debug mode."}
_CONTENT_VERSION = {
    "type": "string",
    "description": "Git revision of the pack content to use for this action execution.",
}


@dataclass(frozen=True, slots=True)
class RunnerType:
    """One runner: its name, whether it needs an ``entry_point``, its parameters."""

    name: str
    #: "required" (the runner fails without one) or "must_be_empty"
    entry_point: str
    parameters: Mapping[str, Mapping[str, Any]]


RUNNERS: Mapping[str, RunnerType] = {
    "python-script": RunnerType(
        "python-script",
        "required",
        {
            "debug": _DEBUG,
            "content_version": _CONTENT_VERSION,
            "env": {
                "type": "object",
                "description": "Environment variables which will be available to the script.",
            },
            "timeout": {"type": "integer", "default": 600, "description": _TIMEOUT_DOC},
            "log_level": {
                "type": "string",
                "default": "DEBUG",
                "enum": ["AUDIT", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
                "description": "Default log level for Python runner actions.",
            },
        },
    ),
    "local-shell-script": RunnerType(
        "local-shell-script",
        "required",
        {"debug": _DEBUG, "content_version": _CONTENT_VERSION, **_SHELL_COMMON},
    ),
    "local-shell-cmd": RunnerType(
        "local-shell-cmd",
        "must_be_empty",
        {
            "cmd": {
                "type": "string",
                "description": "Arbitrary Linux command to be executed on the host.",
            },
            **_SHELL_COMMON,
        },
    ),
}
