"""StackStorm's python-script runner, reproduced from the shared spec for the end-to-end tests.

``st2_run(pack, action, params)`` does what st2's python runner does with a pack on disk
(shared spec, "python-script: how actions are invoked"), without StackStorm:

- parameters: every declared action parameter except those named like python-script
  runner parameters, the given value or else the default (a ``{% raw %}`` block is
  rendered; other Jinja is refused), ``None`` when unset;
- process: ``<python> -u python_action_wrapper.py --pack=P --file-path=<pack>/actions/
  <entry_point> --user=stanley --parent-args=[] --parameters=<JSON> --config=<JSON>
  --log-level=debug``, the parameters on stdin instead from 131057 characters;
- environment: the runner's own, a ``PYTHONPATH`` built by the runner (any inherited one is
  ignored): the interpreter's ``lib/pythonX.Y`` and site-packages, ``<pack>/actions/lib``,
  then st2's own paths (here the st2common stand-in); ``ST2_ACTION_*`` variables;
- no working directory is set: the action runner's own (``cwd`` here) is inherited;
- the result is read from stdout between the wrapper's delimiters, the rest is stdout.

The wrapper itself is ``st2_contract/python_action_wrapper.py``, alone in its folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from voodoo.local.launch import st2stub_path

WRAPPER = Path(__file__).parent / "st2_contract" / "python_action_wrapper.py"
DELIMITER = "%%%%%%%%%%"
#: python-script runner parameters: never passed to run()
RUNNER_PARAMETERS = frozenset({"debug", "content_version", "env", "timeout", "log_level"})
#: from this many characters, st2 passes the parameters on stdin
MAX_PARAM_LENGTH = 131057
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)


@dataclass(frozen=True)
class St2Execution:
    status: str  #: succeeded or failed
    result: Any  #: {"result", "stdout", "stderr", "exit_code"}
    argv: list[str]  #: the wrapper process's command line
    env: dict[str, str]


def parameters(metadata: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """What run() receives: every declared non-runner parameter, given or default or None."""
    out: dict[str, Any] = {}
    for name, spec in (metadata.get("parameters") or {}).items():
        if name in RUNNER_PARAMETERS:
            continue
        value = given[name] if name in given else (spec or {}).get("default")
        out[name] = _render(value)
    return out


def _render(value: Any) -> Any:
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        rendered = _RAW.sub(lambda m: m.group(1), value)
        if "{{" in _RAW.sub("", value) or "{%" in _RAW.sub("", value):
            raise AssertionError(f"the fixture renders raw blocks only: {value!r}")
        return rendered
    if isinstance(value, list):
        return [_render(v) for v in value]
    return value


def st2_run(pack: Path, action: str, given: dict[str, Any], *, cwd: Path,
            config: dict[str, Any] | None = None, python: str = sys.executable,
            timeout: float = 600) -> St2Execution:
    metadata = yaml.safe_load((pack / "actions" / f"{action}.yaml").read_text())
    assert metadata["runner_type"] == "python-script"
    params = json.dumps(parameters(metadata, given))
    pack_ref = pack.name
    argv = [python, "-u", str(WRAPPER), f"--pack={pack_ref}",
            f"--file-path={pack / 'actions' / metadata['entry_point']}",
            "--user=stanley", "--parent-args=[]"]
    stdin = None
    if len(params) < MAX_PARAM_LENGTH:
        argv.append(f"--parameters={params}")
    else:
        stdin = params
    argv += [f"--config={json.dumps(config or {})}", "--log-level=debug"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = [os.path.join(sys.prefix, "lib", version),
             sysconfig.get_path("purelib"),
             str(pack / "actions" / "lib"),
             str(st2stub_path())]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=os.pathsep.join(paths), ST2_ACTION_PACK_NAME=pack_ref,
               ST2_ACTION_EXECUTION_ID="0123456789abcdef01234567",
               ST2_ACTION_API_URL="http://127.0.0.1:9101/v1", ST2_ACTION_DEBUG="false",
               ST2_ACTION_AUTH_TOKEN="not-a-token")
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout, check=False)
    stdout, result, status = proc.stdout, "None", None
    if DELIMITER in stdout:
        before, payload, after = stdout.split(DELIMITER, 2)
        stdout = before + after
        output = json.loads(payload)
        result, status = output["result"], output["status"]
    execution = {"result": result, "stdout": stdout, "stderr": proc.stderr,
                 "exit_code": proc.returncode}
    # a bool status decides (with a clean exit); otherwise the exit code does
    ok = proc.returncode == 0 and (status is not False)
    return St2Execution("succeeded" if ok else "failed", execution, argv, env)
