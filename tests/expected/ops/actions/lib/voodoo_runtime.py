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
        "parser": "argparse",            # the script's framework: how it reads a token
                                         # that looks like an option (absent: the
                                         # strictest rules, argparse's)
        "double_dash": True,             # "--" may end options before positionals
        "prefix_chars": "-+",            # optional: option prefixes other than "-"
        "words": ["node", "drain"],      # sub-command words; word i starts level i + 1
        "params": [                      # one per action parameter, in model order
            {"name": "port", "dest": "port", "kind": "option", "option": "--port",
             "joiner": "equals", "default": 8080},
        ],
        "config_env": {"vault_addr": "VAULT_ADDR"},  # optional: pack config key -> variable
        "one_of": [["list", "host"]],    # optional: exactly one of these must be given
        "cwd": "..",                     # optional: the script's working directory, absolute
                                         # or relative to the script's folder (default ".")
    }

Optional parameter keys and their values when absent: ``off_option`` "", ``joiner``
"separate", ``consts`` [] (``[[value, option], ...]``), ``true_token`` "true",
``false_token`` "false", ``level`` 0, ``position`` 0, ``default`` None, ``secret_env``
None (a secret the script itself reads from that environment variable when its option is
absent: it is exported instead of being typed, so it never shows on the command line).

A value is never allowed to become an option or a sub-command: values go in the one
spelling the script's parser cannot misread (``--opt=value``, ``-oVALUE``, ``--`` before
positionals), and a value no spelling can carry (a list item starting with "-" after an
argparse option taking several values, a positional starting with "-" before a
sub-command word, a NUL character) is refused with ``ArgvError`` before anything runs;
``run_script`` then returns exit code 2 and the message, as a parser's usage error would.

``kind`` is one of voodoo's ``ArgKind`` values and ``joiner`` one of its ``Joiner`` values.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys

__all__ = [
    "ArgvError",
    "build_argv",
    "build_env",
    "one_of_problem",
    "run_script",
    "scripts_search_path",
    "working_directory",
]

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
    """One value as one argv token (or environment value)."""
    return _passable(param, _token(value, param))


def _token(value, param):
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


def _with_value(spec, param, value):
    """An option and its value, joined as the script expects."""
    option = param["option"]
    token = _text(value, param)
    _refuse_lone_double_dash(spec, param, token)
    joiner = param.get("joiner", _SEPARATE)
    if joiner == _EQUALS:
        return [option + "=" + token]
    if joiner == _ATTACHED:
        return _attached(spec, param, token)
    if _looks_like_option(spec, token):
        # "-opt -x" makes parsers read "-x" as an option; "-opt=-x" / "-o-x" cannot be.
        return [option + "=" + token] if len(option) > 2 else _attached(spec, param, token)
    return [option, token]


# --- refusals: a value never becomes an option or a sub-command -------------------------

#: frameworks whose option taking several values takes the next tokens whatever they look
#: like (click's and optparse's nargs); argparse stops at a token that looks like an option
_VERBATIM_LISTS = ("click", "typer", "optparse")
#: argparse reads these as negative numbers, not options (unless the parser has an option
#: that looks like one); the narrowest form every Python 3 version agrees on
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")


def _parser(spec):
    return spec.get("parser") or "argparse"  # unknown: the strictest rules


def _prefixes(spec):
    return spec.get("prefix_chars", "-")


def _looks_like_option(spec, token):
    return token[:1] != "" and token[0] in _prefixes(spec)


def _passable(param, token):
    """Refuse what no command line (or environment) can carry as one element."""
    if "\x00" in token:
        raise ArgvError(
            f"parameter {param['name']!r}: a value containing a NUL character cannot be"
            " passed to a program"
        )
    try:
        os.fsencode(token)
    except UnicodeError:
        raise ArgvError(
            f"parameter {param['name']!r}: {token!r} cannot be encoded for the command line"
        ) from None
    return token


def _option_strings(spec):
    """Every option string the spec knows (the script's parser has at least these)."""
    found = set()
    for param in spec.get("params", ()):
        if param.get("kind") in ("positional", "command", "env"):
            continue
        found.update(o for o in (param.get("option"), param.get("off_option")) if o)
        found.update(option for _, option in param.get("consts", ()) if option)
    return found


def _attached(spec, param, token):
    """``-oVALUE``, unless the parser could read that differently: then ``-o VALUE`` when
    VALUE cannot look like an option, else a refusal."""
    option = param["option"]
    joined = option + token
    # another option string the joined token starts with (argparse reads "-xv=1" as -xv)
    # or abbreviates (argparse matches "-xv" against "-xverbose" as well as "-x" "v")
    collides = any(
        other != option
        and len(other) > len(option)
        and (joined.startswith(other) or other.startswith(joined))
        for other in _option_strings(spec)
    )
    if not _looks_like_option(spec, token) and (not token or token.startswith("=") or collides):
        # "-p" + "" would be a bare "-p" that swallows the next token; argparse reads
        # "-p=5" as "5"; "-x" + "v" may spell another option "-xv".
        return [option, token]
    if collides:
        raise ArgvError(
            f"parameter {param['name']!r}: {token!r} after {option} would spell another"
            " option of the script, and a value starting with"
            f" {token[0]!r} cannot be passed on its own"
        )
    return [joined]


def _refuse_lone_double_dash(spec, param, token):
    """argparse before Python 3.12 drops a value "--" wherever it appears."""
    if token == "--" and _parser(spec) == "argparse":
        raise ArgvError(
            f"parameter {param['name']!r}: the value '--' cannot be passed: argparse reads"
            " it as the end of options and drops it"
        )


def _list_item(spec, param, token):
    """One value after an option taking several values (``--files a b``)."""
    _refuse_lone_double_dash(spec, param, token)
    if _parser(spec) in _VERBATIM_LISTS or not _looks_like_option(spec, token):
        return token
    if len(token) == 1:
        return token  # a lone "-" is a value to every parser
    if _NEGATIVE_NUMBER.match(token) and not any(
        _NEGATIVE_NUMBER.match(option) for option in _option_strings(spec)
    ):
        return token
    raise ArgvError(
        f"parameter {param['name']!r}: the list item {token!r} starts with {token[0]!r}:"
        f" after {param.get('option')} the script's parser would read it as an option,"
        " and no spelling passes it safely"
    )


def _positional_value(spec, param, token, last_level):
    """One positional token: before a sub-command word, or where the parser has no "--",
    a value that looks like an option would be read as one."""
    _refuse_lone_double_dash(spec, param, token)
    if not _looks_like_option(spec, token) or _parser(spec) == "sysargv":
        return token
    if len(token) == 1:
        return token  # a lone "-" is a value to every parser
    if not last_level:
        raise ArgvError(
            f"parameter {param['name']!r}: {token!r} starts with {token[0]!r}; before the"
            " sub-command word the script's parser would read it as an option"
        )
    if not spec.get("double_dash", True):
        raise ArgvError(
            f"parameter {param['name']!r}: {token!r} starts with {token[0]!r}; the"
            " script's parser would read it as an option and has no '--' to prevent it"
        )
    return token


def _refuse_command_words(spec, params, positionals):
    """A positional value spelling a command word that is not given (docopt) would be
    read as that command."""
    absent = {
        p["option"]: p["name"]
        for p in spec.get("params", ())
        if p.get("kind") == "command" and not params.get(p["name"])
    }
    for name, token in positionals:
        if token in absent:
            raise ArgvError(
                f"parameter {name!r}: {token!r} is a command word of the script"
                f" (parameter {absent[token]!r}) and would be read as that command"
            )


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


def _option_tokens(spec, param, value):
    """Tokens for one non-positional parameter (value is not None)."""
    kind = param["kind"]
    option = param.get("option", "")
    if kind == "option":
        if isinstance(value, (list, tuple)):
            raise ArgvError(f"parameter {param['name']!r}: {option} takes one value, not a list")
        return _with_value(spec, param, value)
    if kind == "option_list":
        return [option] + [_list_item(spec, param, _text(item, param)) for item in _items(value)]
    if kind == "append":
        tokens = []
        for item in _items(value):
            if isinstance(item, (list, tuple)):
                tokens += [option] + [
                    _list_item(spec, param, _text(inner, param)) for inner in item
                ]
            else:
                tokens += _with_value(spec, param, item)
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


def _positional_tokens(spec, param, value, last_level):
    if param["kind"] == "command":
        return [param["option"]] if value else []
    tokens = []
    for item in _items(value):
        tokens += [
            _positional_value(spec, param, _text(inner, param), last_level)
            for inner in _items(item)
        ]
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
            if _passed_in_env(param, value):
                continue
            if value is not None and param["kind"] not in _POSITIONAL_KINDS:
                argv += _option_tokens(spec, param, value)
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
                tokens = _positional_tokens(spec, param, value, level == last)
                if param["kind"] != "command":
                    _refuse_command_words(spec, params, [(param["name"], t) for t in tokens])
                positionals += tokens
        if (
            level == last
            and spec.get("double_dash", True)
            and positionals
            and (variadic or any(token[:1] and token[0] in prefixes for token in positionals))
        ):
            argv.append("--")
        argv += positionals
    return argv


# --- secrets through the environment ---------------------------------------------------


def _passed_in_env(param, value):
    """Whether this secret goes to the script in its own environment variable rather than
    on the command line, where every local user can read it (``ps``). Only a single,
    non-empty value: click ignores an empty variable, and lists are split differently."""
    if not param.get("secret_env") or param["kind"] != "option":
        return False
    if value is None or isinstance(value, (bool, list, tuple, dict)):
        return False
    return _token(value, param) != ""


def _secret_env(spec, params):
    """``{variable: value}`` for the secrets ``_passed_in_env`` keeps off the command line."""
    return {
        param["secret_env"]: _text(params.get(param["name"]), param)
        for param in spec.get("params", ())
        if _passed_in_env(param, params.get(param["name"]))
    }


# --- exactly one of ----------------------------------------------------------------------


def _given(spec, param, value):
    """Whether ``value`` puts ``param`` on the command line (not absent, not the default)."""
    if value is None or _same(value, param.get("default")):
        return False
    try:
        if param["kind"] in _POSITIONAL_KINDS:
            return bool(_positional_tokens(spec, param, value, True))
        return bool(_option_tokens(spec, param, value))
    except ArgvError:
        return True  # build_argv reports it


def one_of_problem(spec, params):
    """Why the run is refused, or None: each ``spec["one_of"]`` group (an argparse
    required mutually exclusive group) needs exactly one of its parameters given."""
    by_name = {p["name"]: p for p in spec.get("params", ())}
    for group in spec.get("one_of", ()):
        members = [by_name[name] for name in group if name in by_name]
        labels = ", ".join(p.get("option") or p["name"] for p in members)
        given = [p for p in members if _given(spec, p, params.get(p["name"]))]
        if not given:
            names = ", ".join(p["name"] for p in members)
            return f"one of {labels} is required (parameters {names})"
        if len(given) > 1:
            both = " and ".join(p.get("option") or p["name"] for p in given)
            return f"only one of {labels} may be given, not {both}"
    return None


def scripts_search_path(wrapper_file, spec):
    """The folder the pack's copy of the source tree starts at (``scripts/...``), or None
    for a script given directly in the wrapper's folder. It goes on ``PYTHONPATH`` so a
    script in a subfolder imports a package at the repository's root, as it does where
    that package is installed."""
    parts = spec["script"].replace("\\", "/").split("/")
    if len(parts) < 2:
        return None
    return os.path.join(os.path.dirname(os.path.abspath(wrapper_file)), parts[0])


def _with_search_path(env, folder):
    if folder is None:
        return env
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = folder + (os.pathsep + old if old else "")
    return env


def _config_value(config, key):
    if config is None:
        return None
    try:
        return config.get(key)
    except (AttributeError, KeyError, ValueError):
        return None


def build_env(spec, params, config=None):
    """Environment variables to export: ENV parameters, secrets the script reads from its
    own variable (``secret_env``), and each ``config_env`` key of the pack config
    (StackStorm's ``self.config``). ``None`` (or a missing key) leaves a variable as the
    environment has it; a value set in the pack config wins over the
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
    env.update(_secret_env(spec, params))
    return env


# --- running ----------------------------------------------------------------------------

#: the environment variable a "call" action's keyword arguments travel in: a command line
#: is readable by every local user, a process's environment only by its owner
_CALL_KWARGS = "VOODOO_CALL_KWARGS"
_CALL_BOOTSTRAP = """\
import json, os, runpy, sys
path, function = sys.argv[1], sys.argv[2]
kwargs = json.loads(os.environ.pop("VOODOO_CALL_KWARGS"))
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
        return [interpreter, "-c", _CALL_BOOTSTRAP, script, spec["function"]]
    return [interpreter, script, *build_argv(spec, params)]


def _call_env(spec, params):
    """A "call" action's keyword arguments, as JSON in ``_CALL_KWARGS`` (never on argv)."""
    if spec.get("invocation", "argv") != "call":
        return {}
    kwargs = {}
    for param in spec.get("params", ()):
        value = params.get(param["name"])
        if value is not None and param["kind"] != "env":
            kwargs[param.get("dest") or param["name"]] = value
    return {_CALL_KWARGS: _passable({"name": _CALL_KWARGS}, json.dumps(kwargs))}


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


def _refusal(error):
    """The result of a run refused before the script started: exit code 2 and the reason,
    as the script's own parser reports a usage error."""
    return {"exit_code": 2, "stdout": "", "stderr": f"voodoo: refused, nothing was run: {error}"}


def working_directory(wrapper_file, spec):
    """Where the script runs: ``spec["cwd"]`` (absolute, or relative to the script's own
    folder), by default the script's own folder in the pack. StackStorm's python runner
    sets no directory (the action runner's would be used): one documented place instead,
    the same under StackStorm and ``voodoo run``, so a script that reads files next to
    itself by relative path finds them."""
    folder = os.path.dirname(os.path.abspath(wrapper_file))
    script_folder = os.path.dirname(os.path.normpath(os.path.join(folder, spec["script"])))
    return os.path.normpath(os.path.join(script_folder, spec.get("cwd") or "."))


def run_script(wrapper_file, spec, params, config=None):
    """Run the script for ``params``; return ``(succeeded, result)`` for StackStorm.

    ``config``: the pack config, for the environment variables ``spec["config_env"]`` maps.

    No shell, stdin closed, ``spec["script"]`` resolved against the wrapper's folder, run
    in ``working_directory`` (by default the script's own folder).
    ``result`` is ``{"exit_code", "stdout", "stderr"}``, stdout parsed as JSON when it is
    JSON. Parameters no command line can carry safely (``ArgvError``: a value that would
    read as an option, a value no store_const option gives, ...), a required
    exactly-one-of group left empty or given twice, and a missing working directory are
    refused: the script is not started, and the result has exit code 2 and the reason in
    stderr.

    If this process is terminated (SIGTERM, SIGINT, SIGHUP), the script's whole process
    group is killed first; if it is killed outright (SIGKILL), Linux sends the script
    SIGTERM (processes the script started are then not reached).
    """
    problem = one_of_problem(spec, params)
    if problem is not None:  # refused before the script starts, as its parser would (2)
        return False, {"exit_code": 2, "stdout": "", "stderr": problem}
    try:
        command = _command(wrapper_file, spec, params)
        extra_env = build_env(spec, params, config)
        extra_env.update(_call_env(spec, params))
    except ArgvError as error:
        return False, _refusal(error)
    cwd = working_directory(wrapper_file, spec)
    if not os.path.isdir(cwd):
        return False, _refusal(f"the working directory {cwd} does not exist")
    env = dict(os.environ)
    env.update(extra_env)
    env = _with_search_path(env, scripts_search_path(wrapper_file, spec))
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
