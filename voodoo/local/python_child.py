"""Child process for python-script actions: StackStorm's python_action_wrapper, locally.

Run as ``python -u -P python_child.py --pack P --file-path F --datastore D --stub-path S
--result-file R [--log-level L]`` with ``{"parameters": {...}, "config": {...}}`` on stdin.
Standard library only, and Python 3.8 compatible: it runs inside the action's environment
(``voodoo run --python``: the pack virtualenv's interpreter), not voodoo's.

It loads the alphabetically first class defined in the module that has ``run``, builds it with
``config`` and an ``action_service`` whose datastore is a local JSON file, calls
``run(**parameters)`` and writes ``{"result": ..., "status": true|false|null}`` to the result
file. As in st2, a 2-tuple whose first item is not a bool exits 220, and an exception in
``run`` is left uncaught (traceback on stderr, exit 1).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib.util
import inspect
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any, Dict

INVALID_STATUS_EXIT_CODE = 220
SYSTEM_SCOPE = "system"
_LEVELS = {"AUDIT": logging.CRITICAL + 10}


class Config(Dict[str, Any]):  # typing.Dict: subscripting dict needs Python 3.9
    """The pack config; like st2's, a missing key raises ValueError, not KeyError."""

    def __missing__(self, key: str) -> Any:
        raise ValueError(f'Config key "{key}" not found in the pack config')


class KeyValuePair:
    """What ``list_values`` returns, like st2client's model: ``name`` and ``value``."""

    def __init__(self, name: str, value: str, scope: str = SYSTEM_SCOPE) -> None:
        self.id = self.name = name
        self.value = value
        self.scope = scope

    def __repr__(self) -> str:
        return f"<KeyValuePair name={self.name!r} value={self.value!r}>"


class ActionService:
    """st2's ActionService with the datastore in a JSON file instead of the st2 API.

    Local keys are prefixed ``<pack>.<Class>:`` exactly as st2 does; values are stored as
    ``str(value)``; ``ttl`` and encryption are accepted and ignored.
    """

    def __init__(self, path: Path, pack: str, class_name: str) -> None:
        self._path = path
        self._prefix = f"{pack}.{class_name}:"

    def get_user_info(self) -> dict[str, Any]:
        return {"username": getpass.getuser(), "rbac": {"is_admin": True, "enabled": False}}

    def list_values(self, local: bool = True, prefix: str | None = None) -> list[KeyValuePair]:
        start = self._prefix + (prefix or "") if local else (prefix or "")
        return [KeyValuePair(k, v) for k, v in sorted(self._load().items()) if k.startswith(start)]

    def get_value(
        self, name: str, local: bool = True, scope: str = SYSTEM_SCOPE, decrypt: bool = False
    ) -> str | None:
        _check_scope(scope)
        return self._load().get(self._key(name, local))

    def set_value(
        self,
        name: str,
        value: Any,
        ttl: int | None = None,
        local: bool = True,
        scope: str = SYSTEM_SCOPE,
        encrypt: bool = False,
    ) -> bool:
        _check_scope(scope)
        data = self._load()
        data[self._key(name, local)] = str(value)
        self._save(data)
        return True

    def delete_value(self, name: str, local: bool = True, scope: str = SYSTEM_SCOPE) -> bool:
        _check_scope(scope)
        data = self._load()
        if data.pop(self._key(name, local), None) is None:
            return False
        self._save(data)
        return True

    def _key(self, name: str, local: bool) -> str:
        return self._prefix + name if local else name

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.get(SYSTEM_SCOPE, {}).items()}

    def _save(self, values: dict[str, str]) -> None:
        """Replace the datastore atomically. Not through ``voodoo._writer``, which writes
        every other file of the pack: this process runs in the action's interpreter and
        cannot import voodoo (the parent has checked that the folder is the pack's own).
        Its temporary files are not named like voodoo's, which an ingest removes: ``voodoo
        run`` does not hold the pack lock, so one may be in use."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({SYSTEM_SCOPE: values}, indent=2, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".datastore.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def _check_scope(scope: str) -> None:
    if scope != SYSTEM_SCOPE:
        raise ValueError(f"Scope {scope} is unsupported.")


def use_st2common(stub_path: str) -> None:
    """Import st2's real Action when installed, else put voodoo's stand-in on sys.path."""
    try:
        importlib.import_module("st2common.runners.base_action")
    except ImportError:
        for name in [m for m in sys.modules if m == "st2common" or m.startswith("st2common.")]:
            del sys.modules[name]
        sys.path.insert(0, stub_path)


def load_module(file_path: str) -> ModuleType:
    name = Path(file_path).stem
    spec = importlib.util.spec_from_file_location(name, file_path)
    if spec is None or spec.loader is None:
        raise ImportError(f'File "{file_path}" cannot be loaded as a Python module')
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def action_class(module: ModuleType, file_path: str) -> type:
    """The alphabetically first class defined in ``module`` that implements ``run``."""
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ == module.__name__ and callable(getattr(cls, "run", None)):
            return cls
    raise Exception(f'File "{file_path}" has no action class or the file doesn\'t exist.')


def instantiate(cls: type, config: dict[str, Any], service: ActionService) -> Any:
    try:
        action = cls(config=config, action_service=service)
    except TypeError as e:
        if "action_service" not in str(e):
            raise
        action = cls(config=config)
    action.action_service = service
    return action


def interpret(output: Any) -> dict[str, Any]:
    """st2's reading of what ``run()`` returned; exits 220 on a non-bool status."""
    status, result = (
        (output[0], output[1]) if isinstance(output, tuple) and len(output) == 2 else (None, output)
    )
    if status is not None and not isinstance(status, bool):
        sys.stderr.write(
            "Status returned from the action run() method must either be True or False, "
            f"got: {status}\n"
        )
        sys.exit(INVALID_STATUS_EXIT_CODE)
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        result = str(result)
    return {"result": result, "status": status}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="voodoo python action wrapper")
    for option in ("--pack", "--file-path", "--datastore", "--stub-path", "--result-file"):
        parser.add_argument(option, required=True)
    parser.add_argument("--log-level", default="DEBUG")
    args = parser.parse_args(argv)
    payload = json.loads(sys.stdin.read() or "{}")

    name = args.log_level.upper()
    known = logging.getLevelName(name)  # the level's number for a known name (3.8+)
    level = _LEVELS.get(name) or (known if isinstance(known, int) else logging.DEBUG)
    logging.getLogger("actions.python").setLevel(level)
    use_st2common(args.stub_path)
    sys.path.append(str(Path(args.file_path).parent))
    module = load_module(args.file_path)
    cls = action_class(module, args.file_path)
    service = ActionService(Path(args.datastore), args.pack, cls.__name__)
    action = instantiate(cls, Config(payload.get("config") or {}), service)
    output = interpret(action.run(**(payload.get("parameters") or {})))
    result_file = args.result_file
    with contextlib.suppress(TypeError, ValueError), open(result_file, "w", encoding="utf-8") as f:
        json.dump(output, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
