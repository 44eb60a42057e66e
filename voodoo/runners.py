"""StackStorm runners and their runner parameters, written from the st2 spec.

Taken from StackStorm/st2 (Apache-2.0) ``contrib/runners/*/*/runner.yaml`` at commit
c2eaf56b339bdb8184b5c2161714bce50eee4534 (st2 3.10dev). This one table serves both
``validate`` (any runner) and ``voodoo run`` (the ``LOCAL`` runners). Descriptions are
overridable, so validation never compares them; only those of the ``LOCAL`` runners'
parameters are kept (``DESCRIPTIONS``), for ``voodoo run ACTION --help``.

``entry_point`` says what a runner does with an action's ``entry_point``: "required" (the
runner fails at execution when it is empty), "must_be_empty" (it fails when it is set) or
"unused".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntryPointRule = Literal["required", "must_be_empty", "unused"]

#: attributes an action may change when it overrides a runner parameter
#: (st2common/st2common/util/schema/__init__.py RUNNER_PARAM_OVERRIDABLE_ATTRS)
OVERRIDABLE_ATTRIBUTES = frozenset(("default", "description", "enum", "immutable", "required"))


@dataclass(frozen=True, slots=True)
class Runner:
    name: str
    entry_point: EntryPointRule
    #: runner parameter name -> its attributes as written in runner.yaml (minus description)
    parameters: dict[str, dict[str, object]]
    aliases: tuple[str, ...] = ()


#: the shell and winrm runners' timeout
_TIMEOUT_60: dict[str, object] = {
    "type": "integer",
    "default": 60,
    "immutable": False,
    "required": False,
    "secret": False,
}


def _text(*, secret: bool = False, required: bool = False) -> dict[str, object]:
    """A string parameter with no default (the most common shape)."""
    return {"type": "string", "immutable": False, "required": required, "secret": secret}


#: what both local shell runners take after their own first parameters
_LOCAL_SHELL: dict[str, dict[str, object]] = {
    "cwd": _text(),
    "env": {"type": "object", "immutable": False, "required": False, "secret": False},
    "kwarg_op": {
        "type": "string",
        "default": "--",
        "immutable": False,
        "required": False,
        "secret": False,
    },
    "sudo": {
        "type": "boolean",
        "default": False,
        "immutable": False,
        "required": False,
        "secret": False,
    },
    "sudo_password": {
        "type": "string",
        "default": None,
        "immutable": False,
        "required": False,
        "secret": True,
    },
    "timeout": _TIMEOUT_60,
}


def _remote_dir(*, immutable: bool) -> dict[str, object]:
    return {
        "type": "string",
        "default": "/tmp",
        "immutable": immutable,
        "required": False,
        "secret": False,
    }


def _remote_shell(**own: dict[str, object]) -> dict[str, dict[str, object]]:
    """The remote shell runners' parameters (theirs are in name order) with ``own``."""
    common: dict[str, dict[str, object]] = {
        **{k: v for k, v in _LOCAL_SHELL.items() if k != "cwd"},
        "bastion_host": _text(),
        "cwd": {
            "type": "string",
            "default": "/tmp",
            "immutable": False,
            "required": False,
            "secret": False,
        },
        "hosts": _text(required=True),
        "parallel": {
            "type": "boolean",
            "default": False,
            "immutable": True,
            "required": False,
            "secret": False,
        },
        "passphrase": _text(secret=True),
        "password": _text(secret=True),
        "port": {"type": "integer", "immutable": False, "required": False, "secret": False},
        "private_key": _text(secret=True),
        "username": _text(),
    }
    return dict(sorted({**common, **own}.items()))


#: the parameters every winrm runner has (the *-cmd ones add ``cmd``)
_WINRM: dict[str, dict[str, object]] = {
    "cwd": {"type": "string", "immutable": False, "required": False, "secret": False},
    "env": {"type": "object", "immutable": False, "required": False, "secret": False},
    "host": {"type": "string", "immutable": False, "required": True, "secret": False},
    "kwarg_op": {
        "type": "string",
        "default": "-",
        "immutable": False,
        "required": False,
        "secret": False,
    },
    "password": {"type": "string", "immutable": False, "required": True, "secret": True},
    "port": {
        "type": "integer",
        "default": 5986,
        "immutable": False,
        "required": False,
        "secret": False,
    },
    "scheme": {
        "type": "string",
        "default": "https",
        "immutable": False,
        "required": False,
        "secret": False,
    },
    "timeout": _TIMEOUT_60,
    "transport": {
        "type": "string",
        "default": "ntlm",
        "immutable": False,
        "required": False,
        "secret": False,
        "enum": ["basic", "certificate", "credssp", "kerberos", "ntlm", "plaintext", "ssl"],
    },
    "username": {"type": "string", "immutable": False, "required": True, "secret": False},
    "verify_ssl_cert": {
        "type": "boolean",
        "default": True,
        "immutable": False,
        "required": False,
        "secret": False,
    },
}


RUNNERS: dict[str, Runner] = {
    "action-chain": Runner(
        name="action-chain",
        entry_point="required",
        parameters={
            "display_published": {
                "type": "boolean",
                "default": True,
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "skip_notify": {
                "type": "array",
                "default": [],
                "immutable": False,
                "required": False,
                "secret": False,
            },
        },
    ),
    "announcement": Runner(
        name="announcement",
        entry_point="unused",
        parameters={
            "experimental": {
                "type": "boolean",
                "default": False,
                "immutable": False,
                "required": True,
                "secret": False,
            },
            "route": {
                "type": "string",
                "default": "general",
                "immutable": False,
                "required": False,
                "secret": False,
                "minLength": 1,
                "maxLength": 255,
            },
        },
    ),
    "http-request": Runner(
        name="http-request",
        entry_point="unused",
        parameters={
            "allow_redirects": {
                "type": "boolean",
                "default": False,
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "cookies": {"type": "object", "immutable": False, "required": False, "secret": False},
            "headers": {"type": "object", "immutable": False, "required": False, "secret": False},
            "http_proxy": {
                "type": "string",
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "https_proxy": {
                "type": "string",
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "password": {"type": "string", "immutable": False, "required": False, "secret": True},
            "url": {"type": "string", "immutable": False, "required": True, "secret": False},
            "username": {"type": "string", "immutable": False, "required": False, "secret": False},
            "verify_ssl_cert": {
                "type": "boolean",
                "default": True,
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "url_hosts_blacklist": {
                "type": "array",
                "immutable": False,
                "required": False,
                "secret": False,
                "items": {"type": "string"},
            },
            "url_hosts_whitelist": {
                "type": "array",
                "immutable": False,
                "required": False,
                "secret": False,
                "items": {"type": "string"},
            },
        },
    ),
    "inquirer": Runner(
        name="inquirer",
        entry_point="unused",
        parameters={
            "schema": {
                "type": "object",
                "default": {
                    "title": "response_data",
                    "type": "object",
                    "properties": {
                        "continue": {
                            "type": "boolean",
                            "description": "Would you like to continue the workflow?",
                            "required": True,
                        }
                    },
                },
                "immutable": False,
                "required": True,
                "secret": False,
            },
            "route": {
                "type": "string",
                "default": "",
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "roles": {
                "type": "array",
                "default": [],
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "users": {
                "type": "array",
                "default": [],
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "ttl": {
                "type": "integer",
                "default": 1440,
                "immutable": False,
                "required": True,
                "secret": False,
            },
        },
    ),
    "local-shell-cmd": Runner(
        name="local-shell-cmd",
        entry_point="must_be_empty",
        parameters={"cmd": _text(), **_LOCAL_SHELL},
    ),
    "local-shell-script": Runner(
        name="local-shell-script",
        entry_point="required",
        parameters={
            "debug": {
                "type": "boolean",
                "default": False,
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "content_version": _text(),
            **_LOCAL_SHELL,
        },
    ),
    "noop": Runner(
        name="noop",
        entry_point="unused",
        parameters={},
    ),
    "orquesta": Runner(
        name="orquesta",
        entry_point="required",
        parameters={
            "notify": {
                "type": "array",
                "default": [],
                "immutable": False,
                "required": False,
                "secret": False,
                "items": {"type": "string", "minLength": 1, "pattern": "^\\w+$"},
                "uniqueItems": True,
            }
        },
        aliases=("orchestra",),
    ),
    "python-script": Runner(
        name="python-script",
        entry_point="required",
        parameters={
            "debug": {
                "type": "boolean",
                "default": False,
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "content_version": {
                "type": "string",
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "env": {"type": "object", "immutable": False, "required": False, "secret": False},
            "timeout": {
                "type": "integer",
                "default": 600,
                "immutable": False,
                "required": False,
                "secret": False,
            },
            "log_level": {
                "type": "string",
                "default": "DEBUG",
                "immutable": False,
                "required": False,
                "secret": False,
                "enum": ["AUDIT", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
            },
        },
    ),
    "remote-shell-cmd": Runner(
        name="remote-shell-cmd",
        entry_point="must_be_empty",
        parameters=_remote_shell(cmd=_text(), dir=_remote_dir(immutable=True)),
    ),
    "remote-shell-script": Runner(
        name="remote-shell-script",
        entry_point="required",
        parameters=_remote_shell(dir=_remote_dir(immutable=False)),
    ),
    "winrm-cmd": Runner(
        name="winrm-cmd",
        entry_point="unused",
        parameters={
            "cmd": {"type": "string", "immutable": False, "required": False, "secret": False},
            **_WINRM,
        },
    ),
    "winrm-ps-cmd": Runner(
        name="winrm-ps-cmd",
        entry_point="unused",
        parameters={
            "cmd": {"type": "string", "immutable": False, "required": False, "secret": False},
            **_WINRM,
        },
    ),
    "winrm-ps-script": Runner(
        name="winrm-ps-script",
        entry_point="required",
        parameters=_WINRM,
    ),
}


#: the runners ``voodoo run`` executes locally (voodoo/local/launch.py)
LOCAL: tuple[str, ...] = ("python-script", "local-shell-script", "local-shell-cmd")

_TIMEOUT_DOC = (
    "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds."
)
#: runner.yaml descriptions of the LOCAL runners' parameters (the same text in each runner)
DESCRIPTIONS: dict[str, str] = {
    "cmd": "Arbitrary Linux command to be executed on the host.",
    "content_version": "Git revision of the pack content to use for this action execution.",
    "cwd": "Working directory where the script will be executed in",
    "debug": "Enable runner debug mode.",
    "env": "Environment variables which will be available to the script.",
    "kwarg_op": 'Operator to use in front of keyword args i.e. "--" or "-".',
    "log_level": "Default log level for Python runner actions.",
    "sudo": "The command will be executed with sudo.",
    "sudo_password": "Sudo password. To be used when passwordless sudo is not allowed.",
    "timeout": _TIMEOUT_DOC,
}


def described(runner: Runner) -> dict[str, dict[str, object]]:
    """``runner``'s parameters with their descriptions, as ``voodoo run`` shows them."""
    return {
        name: {**attributes, "description": DESCRIPTIONS[name]}
        if name in DESCRIPTIONS
        else dict(attributes)
        for name, attributes in runner.parameters.items()
    }


def find_runner(name: str) -> Runner | None:
    """The runner called ``name`` (or one of its aliases); None when StackStorm has none."""
    if name in RUNNERS:
        return RUNNERS[name]
    return next((runner for runner in RUNNERS.values() if name in runner.aliases), None)
