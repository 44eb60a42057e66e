"""Run a legacy script as a StackStorm python-script action.

Copied by voodoo into every generated pack as ``actions/lib/voodoo_runtime.py`` (StackStorm
puts ``actions/lib`` on a python action's path). Each generated wrapper holds a ``SPEC``
describing its script's command line and calls ``run_script(__file__, SPEC, parameters)``.

Self-contained on purpose: standard library only, Python 3.8+ (StackStorm 3.x), no voodoo
import. The spec format (all keys are written by voodoo; missing optional keys take the
defaults shown)::

    {
        "script": "scripts/deploy.py",   # relative to the wrapper's folder
        "interpreter": None,             # None: the pack's Python (sys.executable)
        "invocation": "argv",            # or "call": import the script, call "function"
        "function": None,
        "double_dash": True,             # "--" may end options before positionals
        "prefix_chars": "-+",            # optional: option prefixes other than "-"
        "words": ["node", "drain"],      # sub-command words; word i starts level i + 1
        "params": [                      # one per action parameter, in model order
            {"name": "port", "dest": "port", "kind": "option", "option": "--port",
             "joiner": "equals", "default": 8080},
        ],
        "config_env": {"vault_addr": "VAULT_ADDR"},  # optional: pack config key -> variable
        "cwd": "..",                     # optional: the script's working directory, absolute
                                         # or relative to the script's folder (default ".")
    }

Optional parameter keys and their values when absent: ``off_option`` "", ``joiner``
"separate", ``consts`` [] (``[[value, option], ...]``), ``true_token`` "true",
``false_token`` "false", ``level`` 0, ``position`` 0, ``default`` None.

``kind`` is one of voodoo's ``ArgKind`` values and ``joiner`` one of its ``Joiner`` values.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

__all__ = ["ArgvError", "build_argv", "build_env", "run_script", "working_directory"]

_SEPARATE = "separate"
_EQUALS = "equals"
_ATTACHED = "attached"
_POSITIONAL_KINDS = ("positional", "command")
_KILL_GRACE_SECONDS = 2.0


class ArgvError(ValueError):
    """A parameter value cannot be expressed on the script's command line."""


# --- values -----------------------------------------------------------------------------


def _same(left, right):
    """JSON equality: ``True`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right


def _text(value, param):
    """One value as one argv token."""
    if isinstance(value, bool):
        return param.get("true_token", "true") if value else param.get("false_token", "false")
    if isinstance(value, float):
        return repr(value)  # shortest form that float() parses back exactly
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    raise ArgvError(
        f"parameter {param['name']!r}: a {type(value).__name__} cannot be passed as one value"
        f" to {param.get('option') or 'the script'}"
    )


def _items(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _with_value(param, value):
    """An option and its value, joined as the script expects."""
    option = param["option"]
    token = _text(value, param)
    joiner = param.get("joiner", _SEPARATE)
    if joiner == _EQUALS:
        return [option + "=" + token]
    if joiner == _ATTACHED:
        # "-p" + "" would be a bare "-p" that swallows the next token.
        return [option + token] if token else [option, token]
    if token.startswith("-") and option.startswith("--"):
        # "--opt -x" makes parsers read "-x" as an option; "--opt=-x" is unambiguous.
        return [option + "=" + token]
    if token.startswith("-") and len(option) == 2 and option[0] == "-":
        return [option + token]
    return [option, token]


def _not_accepted(param, value):
    accepted = ", ".join(repr(const) for const, _ in param.get("consts", ()))
    return ArgvError(
        f"parameter {param['name']!r}: {value!r} is not one of the values the script"
        f" accepts ({accepted})"
    )


def _const_option(param, value):
    for const, option in param.get("consts", ()):
        if _same(const, value):
            return option
    return None


# --- argv -------------------------------------------------------------------------------


def _option_tokens(param, value):
    """Tokens for one non-positional parameter (value is not None)."""
    kind = param["kind"]
    option = param.get("option", "")
    if kind == "option":
        if isinstance(value, (list, tuple)):
            raise ArgvError(f"parameter {param['name']!r}: {option} takes one value, not a list")
        return _with_value(param, value)
    if kind == "option_list":
        return [option] + [_text(item, param) for item in _items(value)]
    if kind == "append":
        tokens = []
        for item in _items(value):
            if isinstance(item, (list, tuple)):
                tokens += [option] + [_text(inner, param) for inner in item]
            else:
                tokens += _with_value(param, item)
        return tokens
    if kind == "flag":
        return [option] if value else []
    if kind == "flag_false":
        return [] if value else [option]
    if kind == "flag_pair":
        return [option] if value else [param.get("off_option", "")]
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ArgvError(f"parameter {param['name']!r}: a count must be a whole number >= 0")
        return [option] * value
    if kind == "const":
        chosen = _const_option(param, value)
        if chosen is not None:
            return [chosen]
        if _same(value, param.get("default")):
            return []  # the script's own default: nothing to type
        raise _not_accepted(param, value)
    if kind == "append_const":
        tokens = []
        for item in _items(value):
            chosen = _const_option(param, item)
            if chosen is None:
                raise _not_accepted(param, item)
            tokens.append(chosen)
        return tokens
    if kind == "env":
        return []
    raise ArgvError(f"parameter {param['name']!r}: unknown kind {kind!r}")


def _positional_tokens(param, value):
    if param["kind"] == "command":
        return [param["option"]] if value else []
    tokens = []
    for item in _items(value):
        tokens += [_text(inner, param) for inner in _items(item)]
    return tokens


def build_argv(spec, params):
    """The script's command line (without the interpreter and script path) for ``params``.

    Level by level: that level's options in spec order, then its positionals by
    ``position``, then the next sub-command word. ``None`` or a missing value is left out.
    On the last level, ``--`` goes before the positionals (when the spec allows it) if one
    of them starts with "-" or an option taking several values precedes them.
    """
    words = list(spec.get("words", ()))
    prefixes = spec.get("prefix_chars", "-")
    last = len(words)
    argv = []
    for level in range(last + 1):
        if level:
            argv.append(words[level - 1])
        here = [p for p in spec.get("params", ()) if p.get("level", 0) == level]
        variadic = False  # an option taking several values would swallow positionals
        for param in here:
            value = params.get(param["name"])
            # The script's own default needs no typing; and for append-style options
            # typing it would ADD to it (argparse appends to a list default).
            if _same(value, param.get("default")):
                continue
            if value is not None and param["kind"] not in _POSITIONAL_KINDS:
                argv += _option_tokens(param, value)
                variadic = (
                    variadic
                    or param["kind"] == "option_list"
                    or (
                        param["kind"] == "append"
                        and any(isinstance(v, (list, tuple)) for v in _items(value))
                    )
                )
        positionals = []
        for param in sorted(
            (p for p in here if p["kind"] in _POSITIONAL_KINDS), key=lambda p: p.get("position", 0)
        ):
            value = params.get(param["name"])
            if value is not None:
                positionals += _positional_tokens(param, value)
        if (
            level == last
            and spec.get("double_dash", True)
            and positionals
            and (variadic or any(token[:1] and token[0] in prefixes for token in positionals))
        ):
            argv.append("--")
        argv += positionals
    return argv


def _config_value(config, key):
    if config is None:
        return None
    try:
        return config.get(key)
    except (AttributeError, KeyError, ValueError):
        return None


def build_env(spec, params, config=None):
    """Environment variables to export: ENV parameters, and each ``config_env`` key of the
    pack config (StackStorm's ``self.config``). ``None`` (or a missing key) leaves a
    variable as the environment has it; a value set in the pack config wins over the
    environment, as it is what StackStorm operators configure for the pack."""
    env = {}
    for key, variable in sorted(spec.get("config_env", {}).items()):
        value = _config_value(config, key)
        if value is not None:
            env[variable] = value if isinstance(value, str) else json.dumps(value)
    for param in spec.get("params", ()):
        value = params.get(param["name"])
        if param["kind"] == "env" and value is not None:
            if isinstance(value, (list, tuple)):
                env[param["option"]] = json.dumps(list(value), separators=(",", ":"))
            else:
                env[param["option"]] = _text(value, param)
    return env


# --- running ----------------------------------------------------------------------------

_CALL_BOOTSTRAP = """\
import json, runpy, sys
path, function, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.argv = [path]
result = runpy.run_path(path, run_name="__voodoo_call__")[function](**kwargs)
if result is not None:
    print(json.dumps(result, default=str))
"""


def _command(wrapper_file, spec, params):
    folder = os.path.dirname(os.path.abspath(wrapper_file))
    script = os.path.normpath(os.path.join(folder, spec["script"]))
    interpreter = spec.get("interpreter") or sys.executable
    if spec.get("invocation", "argv") == "call":
        kwargs = {}
        for param in spec.get("params", ()):
            value = params.get(param["name"])
            if value is not None and param["kind"] != "env":
                kwargs[param.get("dest") or param["name"]] = value
        return [interpreter, "-c", _CALL_BOOTSTRAP, script, spec["function"], json.dumps(kwargs)]
    return [interpreter, script, *build_argv(spec, params)]


_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """A ``preexec_fn`` that makes Linux send SIGTERM to the script if this process dies.

    StackStorm may stop a timed-out action with SIGKILL, which no handler sees; without
    this the script would keep running. Best effort: elsewhere it does nothing.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec():
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the wrapper died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _kill_group(process):
    """Stop the script and everything it started (it leads its own process group)."""
    for sig, wait in ((signal.SIGTERM, _KILL_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        if wait is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(wait)


def _strip_newline(text):
    # Like StackStorm's strip_shell_chars: one trailing "\n", then one "\r".
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    return text


def _reject_constant(name):
    raise ValueError(name)


def _parse_stdout(text):
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def working_directory(wrapper_file, spec):
    """Where the script runs: ``spec["cwd"]`` (absolute, or relative to the script's own
    folder), by default the script's own folder in the pack. StackStorm's python runner
    sets no directory (the action runner's would be used): one documented place instead,
    the same under StackStorm and ``voodoo run``, so a script that reads files next to
    itself by relative path finds them."""
    folder = os.path.dirname(os.path.abspath(wrapper_file))
    script_folder = os.path.dirname(os.path.normpath(os.path.join(folder, spec["script"])))
    return os.path.normpath(os.path.join(script_folder, spec.get("cwd") or "."))


def _refused(error):
    """A value the script cannot take (StackStorm let it through): a failed run whose result
    says why, instead of a traceback. The script is not started (``exit_code`` None)."""
    message = "voodoo: " + str(error)
    sys.stderr.write(message + "\n")
    return False, {"exit_code": None, "stdout": "", "stderr": message, "error": message}


def run_script(wrapper_file, spec, params, config=None):
    """Run the script for ``params``; return ``(succeeded, result)`` for StackStorm.

    ``config``: the pack config, for the environment variables ``spec["config_env"]`` maps.

    No shell, stdin closed, ``spec["script"]`` resolved against the wrapper's folder, run
    in ``working_directory`` (by default the script's own folder).
    ``result`` is ``{"exit_code", "stdout", "stderr"}``, stdout parsed as JSON when it is
    JSON. A value the script's command line cannot express (``ArgvError``: e.g. a value no
    store_const option gives) fails the run without starting the script: ``exit_code``
    None and ``error`` saying why.

    If this process is terminated (SIGTERM, SIGINT, SIGHUP), the script's whole process
    group is killed first; if it is killed outright (SIGKILL), Linux sends the script
    SIGTERM (processes the script started are then not reached).
    """
    try:
        command = _command(wrapper_file, spec, params)
    except ArgvError as error:
        return _refused(error)
    cwd = working_directory(wrapper_file, spec)
    if not os.path.isdir(cwd):
        return _refused(f"the working directory {cwd} does not exist")
    env = dict(os.environ)
    env.update(build_env(spec, params, config))
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_die_with_parent(),
    )

    def terminate(signum, frame):
        _kill_group(process)
        sys.exit(128 + signum)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, terminate)
        except ValueError:  # not the main thread: leave signals alone
            break
    try:
        out, err = process.communicate()
    finally:
        if process.poll() is None:
            _kill_group(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stdout = _strip_newline(out.decode("utf-8", "replace"))
    stderr = _strip_newline(err.decode("utf-8", "replace"))
    result = {"exit_code": process.returncode, "stdout": _parse_stdout(stdout), "stderr": stderr}
    return process.returncode == 0, result
