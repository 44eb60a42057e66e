"""voodoo: turn legacy Python ops scripts into a StackStorm pack, statically.

The public API. Everything the ``voodoo`` command does is one call here::

    import voodoo
    script = voodoo.analyze_file("scripts/deploy.py")
    result = voodoo.ingest(["scripts"], "build/ops")   # incremental; merges hand edits
    in_sync = voodoo.check(["scripts"], "build/ops").in_sync
    problems = voodoo.validate_pack("build/ops")

Imports are lazy so that ``import voodoo`` (and ``voodoo --version``) stays cheap.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from voodoo._version import __version__

if TYPE_CHECKING:
    from voodoo.analysis import analyze_file, analyze_source
    from voodoo.check import CheckResult, check
    from voodoo.config import Config
    from voodoo.config import find as find_config
    from voodoo.errors import (
        ActionError,
        ConfigError,
        ConflictError,
        LockError,
        PackError,
        ParameterError,
        ParseError,
        RunLogError,
        TooComplexError,
        VoodooError,
    )
    from voodoo.ingest import ingest
    from voodoo.local.execute import Execution, run_action
    from voodoo.model import Command, Diagnostic, Emit, Param, ParamType, Script, Severity
    from voodoo.reconcile import Change, ChangeKind
    from voodoo.result import FileOutcome, FileStatus, IngestResult, Work
    from voodoo.session import Session
    from voodoo.validate import Problem, validate_pack
    from voodoo.watch import watch

_LAZY = {
    "analyze_file": "voodoo.analysis",
    "analyze_source": "voodoo.analysis",
    "ingest": "voodoo.ingest",
    "IngestResult": "voodoo.result",
    "FileOutcome": "voodoo.result",
    "FileStatus": "voodoo.result",
    "Work": "voodoo.result",
    "Session": "voodoo.session",
    "validate_pack": "voodoo.validate",
    "run_action": "voodoo.local.execute",
    "Execution": "voodoo.local.execute",
    "check": "voodoo.check",
    "CheckResult": "voodoo.check",
    "Change": "voodoo.reconcile",
    "ChangeKind": "voodoo.reconcile",
    "Config": "voodoo.config",
    "find_config": "voodoo.config",
    "watch": "voodoo.watch",
    "Problem": "voodoo.validate",
    "Command": "voodoo.model",
    "Diagnostic": "voodoo.model",
    "Emit": "voodoo.model",
    "Param": "voodoo.model",
    "ParamType": "voodoo.model",
    "Script": "voodoo.model",
    "Severity": "voodoo.model",
    "VoodooError": "voodoo.errors",
    "ParseError": "voodoo.errors",
    "TooComplexError": "voodoo.errors",
    "PackError": "voodoo.errors",
    "ConflictError": "voodoo.errors",
    "LockError": "voodoo.errors",
    "ConfigError": "voodoo.errors",
    "ParameterError": "voodoo.errors",
    "ActionError": "voodoo.errors",
    "RunLogError": "voodoo.errors",
}

__all__ = [
    "ActionError",
    "Change",
    "ChangeKind",
    "CheckResult",
    "Command",
    "Config",
    "ConfigError",
    "ConflictError",
    "Diagnostic",
    "Emit",
    "Execution",
    "FileOutcome",
    "FileStatus",
    "IngestResult",
    "LockError",
    "PackError",
    "Param",
    "ParamType",
    "ParameterError",
    "ParseError",
    "Problem",
    "RunLogError",
    "Script",
    "Session",
    "Severity",
    "TooComplexError",
    "VoodooError",
    "Work",
    "__version__",
    "analyze_file",
    "analyze_source",
    "check",
    "find_config",
    "ingest",
    "run_action",
    "validate_pack",
    "watch",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'voodoo' has no attribute {name!r}")
    import importlib

    attr = "find" if name == "find_config" else name
    return getattr(importlib.import_module(module), attr)


def __dir__() -> list[str]:
    return sorted(__all__)


#: Public names that are also submodules' names (``voodoo.ingest``, the function, and
#: ``voodoo/ingest.py``).
_SHADOWED = frozenset(name for name, module in _LAZY.items() if module == f"{__name__}.{name}")


class _Package(types.ModuleType):
    """``voodoo`` itself. Importing a submodule sets it as an attribute of its package,
    which would turn ``voodoo.ingest`` from the function into the module after the first
    call. The public name wins: the submodule stays in ``sys.modules``
    (``importlib.import_module("voodoo.ingest")``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
