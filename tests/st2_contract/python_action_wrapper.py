"""A stand-in for StackStorm's ``python_action_wrapper.py``, for the end-to-end tests.

Written from the invocation contract in the shared StackStorm spec ("python-script: how
actions are invoked"), not from st2's code: it is what the tests hold voodoo's packs to.
Run as ``python -u python_action_wrapper.py --pack=P --file-path=F --user=U
--parent-args=[..] [--parameters=JSON] [--config=JSON] [--log-level=L]``; without
``--parameters`` the parameters come on stdin (st2 does that from 131057 characters).

- ``sys.path``: the interpreter's own, then ``PYTHONPATH`` as the runner set it (pack
  virtualenv, ``<pack>/actions/lib``, st2's own paths, where ``st2common`` is), then the
  action file's folder, appended here.
- The module is loaded from the file, named by its base name; the alphabetically first
  class defined in it that has ``run`` is the action, built with
  ``cls(config=..., action_service=...)`` (``cls(config=...)`` if it takes no service).
- ``run(**parameters)``; a 2-tuple whose first item is a bool is ``(status, result)``, a
  2-tuple with any other first item exits 220, anything else is the result; an exception
  is left uncaught (traceback on stderr, exit 1).
- The result goes to stdout between two ``RESULT_DELIMITER``s, as JSON (``str()`` of it
  when it is not serializable); anything the action prints is stdout around it; logs go to
  stderr.
"""

import argparse
import importlib.util
import inspect
import json
import os
import sys

#: separates the result from what the action printed on stdout (st2 uses its own marker)
RESULT_DELIMITER = "%%%%%%%%%%"
INVALID_STATUS_EXIT_CODE = 220


def main():
    parser = argparse.ArgumentParser()
    for option in ("--pack", "--file-path", "--user", "--parent-args"):
        parser.add_argument(option, required=True)
    parser.add_argument("--parameters")
    parser.add_argument("--config")
    parser.add_argument("--log-level", default="debug")
    args = parser.parse_args()
    text = args.parameters if args.parameters is not None else sys.stdin.read()
    parameters = json.loads(text)
    config = json.loads(args.config) if args.config else {}

    sys.path.append(os.path.dirname(args.file_path))
    name = os.path.splitext(os.path.basename(args.file_path))[0]
    spec = importlib.util.spec_from_file_location(name, args.file_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == name and callable(getattr(cls, "run", None))
    ]
    if not classes:
        raise Exception(f"File {args.file_path!r} has no action class")
    cls = classes[0]
    try:
        action = cls(config=config, action_service=None)
    except TypeError:
        action = cls(config=config)

    output = action.run(**parameters)
    status, result = None, output
    if isinstance(output, tuple) and len(output) == 2:
        status, result = output
        if not isinstance(status, bool):
            sys.stderr.write(f"Status returned from run() must be True or False, got {status}\n")
            sys.exit(INVALID_STATUS_EXIT_CODE)
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        result = str(result)
    payload = json.dumps({"result": result, "status": status})
    sys.stdout.write(RESULT_DELIMITER + payload + RESULT_DELIMITER)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
