"""Test helpers: parse an argv with a script's OWN parser, and generate valid parameters.

Only tests do this: voodoo itself never imports or runs what it reads. Here the script is
run with ``runpy`` in the test process with ``ArgumentParser.parse_args`` intercepted, so
the script stops right after parsing and none of its work runs.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import getopt
import importlib.util
import io
import optparse
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import strategies as st

from voodoo import py2
from voodoo.model import ArgKind, Command, Param, ParamType, thaw

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "legacy_scripts"
SHARED = ROOT.parent / "shared" / "stackstorm"

#: "ci" (the default) or "long": VOODOO_HYPOTHESIS_PROFILE=long for a long run of the
#: property tests (tests/conftest.py)
HYPOTHESIS_PROFILE = os.environ.get("VOODOO_HYPOTHESIS_PROFILE", "ci")
if HYPOTHESIS_PROFILE not in ("ci", "long"):
    raise ValueError(f"VOODOO_HYPOTHESIS_PROFILE={HYPOTHESIS_PROFILE!r}: use ci or long")
LONG_FACTOR = 20


def example_count(ci: int) -> int:
    """A property test's example count: ``ci`` in the suite, ``LONG_FACTOR`` times that in
    a long run."""
    return ci * LONG_FACTOR if HYPOTHESIS_PROFILE == "long" else ci


def st2_reference(name: str) -> Path:
    """``name`` in StackStorm's reference files, ``../shared/stackstorm`` beside the checkout
    (schemas and the runner table taken from StackStorm/st2; not part of this repository).

    The one place tests reach them: without the folder (a plain clone) the calling test is
    skipped with the reason; ``.ci/run`` refuses to start without it, so CI runs them all.
    """
    if not SHARED.is_dir():
        pytest.skip("needs StackStorm's reference files in ../shared/stackstorm beside the "
                    "checkout (optional; see README, Development)")
    return SHARED / name


def python38() -> str:
    """A Python 3.8 interpreter, StackStorm 3.x's, to run generated packs under: the
    ``VOODOO_PYTHON38`` environment variable (``.ci/run`` sets it when pyenv has one), else
    ``python3.8`` on PATH if it runs. The calling test is skipped when there is none."""
    candidates = [os.environ.get("VOODOO_PYTHON38"), shutil.which("python3.8")]
    for candidate in filter(None, candidates):
        try:
            probe = [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 8)"]
            ok = subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
        except OSError:
            ok = False
        if ok:
            return candidate
    pytest.skip("no Python 3.8 (StackStorm 3.x's) here: set VOODOO_PYTHON38 to one")


ST2STUB = ROOT / "voodoo" / "local" / "st2stub"


def wrapper_spec(wrapper: Path) -> dict[str, Any]:
    """The runtime spec a generated wrapper hands to ``run_script`` (its ``SPEC`` literal)."""
    for node in ast.parse(wrapper.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "SPEC":
            spec: dict[str, Any] = ast.literal_eval(node.value)
            return spec
    raise AssertionError(f"{wrapper}: no SPEC")


def wrapper_class(pack: Path, name: str) -> Any:
    """The Action class of the generated wrapper ``actions/<name>.py``, loaded as
    StackStorm's python runner loads it (the st2common stand-in and ``actions/lib`` on the
    path), to call ``run(**params)`` in this process."""
    for extra in (str(ST2STUB), str(pack / "actions/lib")):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    spec = importlib.util.spec_from_file_location(f"_wrapper_{name}",
                                                  pack / "actions" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (cls,) = [v for v in vars(module).values()
              if isinstance(v, type) and v.__module__ == module.__name__ and hasattr(v, "run")]
    return cls


def load_runtime() -> ModuleType:
    """The runtime module exactly as it is copied into packs (it is not a voodoo import)."""
    path = ROOT / "voodoo" / "runtime" / "voodoo_runtime.py"
    spec = importlib.util.spec_from_file_location("voodoo_runtime", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Parsed(Exception):
    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace


class ParserRejected(Exception):
    """The script's parser exited (usage error): the message is what argparse printed."""


#: what argparse itself says when it refuses; any other message is a type function's
_ARGPARSE_OWN = ("expected", "invalid choice", "invalid int value", "invalid float value",
                 "required", "unrecognized arguments", "ignored explicit argument",
                 "invalid", "not allowed")


def refused_by_the_scripts_own_rules(message: str) -> bool:
    """Refusals that no action metadata can express, so not voodoo's bug: options of a
    mutually exclusive group given together, a value the script's own ``type=`` function
    rejects (by name, ``invalid fromisoformat value``, or in its own words through
    ``ArgumentTypeError``: ``argument -b: must be positive``). int/float refusals, unknown
    options and missing values are argparse's own, and would be voodoo's bug."""
    if "not allowed with argument" in message:
        return True
    if re.search(r"invalid \w+ value", message):
        return not re.search(r"invalid (int|float) value", message)
    return not any(own in message for own in _ARGPARSE_OWN)


@contextlib.contextmanager
def _script_path(directory: Path) -> Iterator[None]:
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))


def parse_with_script(script: Path, argv: list[str]) -> dict[str, Any]:
    """Run ``script`` up to its parser call with ``argv``; return what the parser made.

    argparse: the namespace. optparse: the values plus ``arg1``... for ``args``. getopt:
    each option string given (``--port``) -> its value (``True`` for flags), plus
    ``arg1``... A raw ``sys.argv`` script: ``argv1``... as it would see them (the script
    does not run at all: the argv it gets is the argv given).
    """
    if not _uses_a_parser(script):
        return {f"argv{i}": item for i, item in enumerate(argv, 1)}
    original = argparse.ArgumentParser.parse_args
    original_opt = optparse.OptionParser.parse_args
    original_getopt, original_gnu = getopt.getopt, getopt.gnu_getopt

    def intercept(self: argparse.ArgumentParser, args: Any = None, namespace: Any = None) -> Any:
        raise _Parsed(vars(original(self, args, namespace)))

    def intercept_opt(self: optparse.OptionParser, args: Any = None, values: Any = None) -> Any:
        options, rest = original_opt(self, args, values)
        raise _Parsed({**vars(options), **_numbered(rest)})

    def getopt_with(function: Any) -> Any:
        def intercept_getopt(args: Any, shortopts: Any, longopts: Any = ()) -> Any:
            try:
                opts, rest = function(args, shortopts, longopts)
            except getopt.GetoptError as e:
                raise ParserRejected(str(e)) from None
            found: dict[str, Any] = {o: (a if a != "" or _takes_value(o, shortopts, longopts)
                                         else True) for o, a in opts}
            raise _Parsed({**found, **_numbered(rest)})

        return intercept_getopt

    err = io.StringIO()
    with (
        _runnable(script) as runnable,
        mock.patch.object(argparse.ArgumentParser, "parse_args", intercept),
        mock.patch.object(optparse.OptionParser, "parse_args", intercept_opt),
        mock.patch.object(getopt, "getopt", getopt_with(original_getopt)),
        mock.patch.object(getopt, "gnu_getopt", getopt_with(original_gnu)),
        mock.patch.object(sys, "argv", [str(script), *argv]),
        _script_path(script.parent),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        try:
            runpy.run_path(str(runnable), run_name="__main__")
        except _Parsed as parsed:
            return parsed.namespace
        except SystemExit as e:
            raise ParserRejected(f"exit {e.code}: {err.getvalue().strip()}") from None
    raise AssertionError(f"{script.name} finished without parsing its arguments")


@contextlib.contextmanager
def _runnable(script: Path) -> Iterator[Path]:
    """``script`` itself, or for a Python 2 script its Python 3 copy as the pack has it
    (in a temporary file: the script's folder stays first on ``sys.path``)."""
    source = script.read_bytes()
    if py2.is_python3(source):
        yield script
        return
    converted, _ = py2.convert_source(source, str(script))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / script.name
        copy.write_bytes(converted)
        yield copy


def _uses_a_parser(script: Path) -> bool:
    text = script.read_text(encoding="utf-8")
    return any(f"import {m}" in text or f"from {m} import" in text
               for m in ("argparse", "optparse", "getopt"))


def _numbered(rest: list[str]) -> dict[str, str]:
    return {f"arg{i}": item for i, item in enumerate(rest, 1)}


def _takes_value(option: str, shortopts: str, longopts: Any) -> bool:
    if option.startswith("--"):
        return f"{option[2:]}=" in list(longopts)
    return f"{option[1:]}:" in shortopts


class _DocoptParsed(Exception):
    def __init__(self, result: Mapping[str, Any]) -> None:
        self.result = dict(result)


def parse_with_docopt(script: Path, argv: list[str]) -> dict[str, Any]:
    """Run ``script`` up to its ``docopt(...)`` call with ``argv``; return docopt's dict."""
    import docopt

    original = docopt.docopt

    def intercept(docstring: str, argv: Any = None, *args: Any, **kwargs: Any) -> Any:
        raise _DocoptParsed(original(docstring, argv, *args, **kwargs))

    err = io.StringIO()
    with (
        mock.patch.object(docopt, "docopt", intercept),
        mock.patch.object(sys, "argv", [str(script), *argv]),
        _script_path(script.parent),
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        try:
            runpy.run_path(str(script), run_name="__main__")
        except _DocoptParsed as parsed:
            return parsed.result
        except SystemExit as e:
            raise ParserRejected(f"exit {e.code}: {err.getvalue().strip()}") from None
    raise AssertionError(f"{script.name} finished without calling docopt")


# -- strategies --------------------------------------------------------------------------

#: Text a person can put in one argv element; no NUL (the OS rejects it), no surrogates,
#: not "--" (argparse before Python 3.12 drops it: the runtime refuses it, see
#: tests/test_argv_safety.py for values that are refused).
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
).filter(lambda s: s != "--")
#: List items cannot start with "-" after a multi-value option: argparse itself refuses
#: ``--hosts -x`` whoever types it, so the wrapper cannot do better than a person.
_ITEM_TEXT = _TEXT.filter(lambda s: not s.startswith("-"))


def hostile_text(command: Command) -> st.SearchStrategy[str]:
    """Strings a hostile caller would try: the command's own option strings and sub-command
    words, "-" / "--" / "=" prefixes, spaces, newlines, NUL, lone surrogates."""
    own = sorted({o for p in command.params for o in (p.emit.option, p.emit.off_option) if o}
                 | {o for p in command.params for _, o in p.emit.consts if o}
                 | set(command.path) | {"-h", "--help", "-rf", "--", "-", "=", "-1", "--yes"})
    anything = st.text(st.characters(), max_size=8)
    return st.one_of(
        st.sampled_from(own),
        st.builds(str.__add__, st.sampled_from(["-", "--", "=", " ", "\n", "\x00", "-x ", ""]),
                  anything),
        st.builds(lambda option, rest: option + "=" + rest, st.sampled_from(own), anything),
        anything,
    )


def _scalar(ptype: ParamType | None, enum: tuple[Any, ...] | None,
            text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    if enum:
        return st.sampled_from([thaw(v) for v in enum])
    if ptype is ParamType.INTEGER:
        return st.integers(-10_000, 10_000)
    if ptype is ParamType.NUMBER:
        return st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    if ptype is ParamType.BOOLEAN:
        return st.booleans()
    return text


def value_strategy(p: Param, text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Valid values for one parameter, as StackStorm would accept them; ``text``: the
    strings to use everywhere (default: what a parser can read back wherever it goes)."""
    kind = p.emit.kind
    if kind is ArgKind.COUNT:
        return st.integers(0, 4)
    if kind in (ArgKind.CONST, ArgKind.APPEND_CONST) and p.type is not ParamType.ARRAY:
        consts = [thaw(c) for c, _ in p.emit.consts]
        if p.default is not None:
            consts.append(thaw(p.default))
        return st.sampled_from(consts)
    if p.type is ParamType.ARRAY:
        if kind is ArgKind.APPEND_CONST:
            item: st.SearchStrategy[Any] = st.sampled_from([thaw(c) for c, _ in p.emit.consts])
        elif p.items_type is ParamType.ARRAY:
            inner = _scalar(p.items_items_type, None, _ITEM_TEXT if text is None else text)
            item = st.lists(inner, min_size=1, max_size=3)
        else:
            default_text = _TEXT if kind is ArgKind.APPEND else _ITEM_TEXT
            item = _scalar(p.items_type, p.items_enum, default_text if text is None else text)
        size = p.min_items or (1 if p.required else 0)
        return st.lists(item, min_size=size, max_size=max(size, p.max_items or 3))
    if text is None:
        text = _TEXT if kind in (ArgKind.OPTION, ArgKind.POSITIONAL) else _ITEM_TEXT
    if p.type is ParamType.INTEGER and (p.minimum is not None or p.maximum is not None):
        low = int(p.minimum) if p.minimum is not None else -10_000
        return st.integers(low, int(p.maximum) if p.maximum is not None else low + 10_000)
    if p.type is ParamType.NUMBER and (p.minimum is not None or p.maximum is not None):
        return st.floats(p.minimum, p.maximum, allow_nan=False, allow_infinity=False)
    return _scalar(p.type, p.enum, text)


def positionals_in_order(command: Command, params: Mapping[str, Any]) -> bool:
    """Optional positionals given without a gap (a later one alone lands in the wrong
    place whoever types it: the script reads by position)."""
    given = [p.name in params and params[p.name] is not None
             for p in sorted((p for p in command.params if p.emit.kind is ArgKind.POSITIONAL),
                             key=lambda p: p.emit.position)]
    return all(given[:given.index(False)] + [not g for g in given[given.index(False):]]) \
        if False in given else True


def params_strategy(
    command: Command, text: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """A full parameter set: required ones always, optional ones sometimes."""
    fixed = {p.name: value_strategy(p, text) for p in command.params if p.required}
    optional = {p.name: value_strategy(p, text) for p in command.params if not p.required}
    return st.fixed_dictionaries(fixed, optional=optional)


def expected(p: Param, value: Any) -> Any:
    """What the script's parser should hold for ``value``, or ``...`` when unspecified."""
    kind = p.emit.kind
    if kind is ArgKind.COUNT and value == 0:
        return ...  # nothing typed: the script's own default applies
    if kind in (ArgKind.APPEND, ArgKind.APPEND_CONST) and value == []:
        return ...  # nothing to type: a person cannot say "empty" with a repeatable option
    if p.default is not None and value == thaw(p.default):
        return ...  # left out by the wrapper: the script's own default applies
    if kind in (ArgKind.APPEND, ArgKind.APPEND_CONST) and p.default is not None:
        return [*thaw(p.default), *value]  # type: ignore[misc]  # argparse appends to it
    if kind is ArgKind.FLAG and value is False and not p.default:
        return ...  # optparse/getopt: an absent flag is None/missing, never False
    return value


def same(parsed: Any, wanted: Any) -> bool:
    """Equal, allowing for what argparse legitimately does to a typed-in value."""
    if wanted is ...:
        return True
    if isinstance(parsed, list) and isinstance(wanted, list):
        return len(parsed) == len(wanted) and all(map(same, parsed, wanted))
    if isinstance(parsed, PurePath):
        return parsed == PurePath(str(wanted))
    if isinstance(parsed, str) and not isinstance(wanted, str):
        # An untyped option declared integer/number like its default: the script gets text.
        return parsed == str(wanted) or (isinstance(wanted, float) and parsed == repr(wanted))
    return bool(parsed == wanted)


def typed_anything(p: Param, value: Any) -> bool:
    """Whether the wrapper types anything for this value (else the dest may stay unset)."""
    if p.default is not None and value == thaw(p.default):
        return False
    kind = p.emit.kind
    if kind is ArgKind.FLAG:
        return bool(value)
    if kind is ArgKind.FLAG_FALSE:
        return not value
    if kind in (ArgKind.COUNT, ArgKind.APPEND, ArgKind.APPEND_CONST):
        return bool(value)
    return True


def mismatches(command: Command, params: Mapping[str, Any],
               namespace: Mapping[str, Any]) -> list[str]:
    out = []
    for p in command.params:
        if p.emit.kind is ArgKind.ENV or p.name not in params or params[p.name] is None:
            continue
        want = expected(p, params[p.name])
        got = namespace.get(p.dest, namespace.get(p.emit.option, "<missing>"))
        if got == "<missing>" and not typed_anything(p, params[p.name]):
            continue  # nothing typed and argument_default=SUPPRESS: argparse sets nothing
        if not same(got, want):
            out.append(f"{p.name} (dest {p.dest}): asked {params[p.name]!r}, script got {got!r}")
    return out
