"""The neutral model: what a script's command line is, independent of its framework.

Analyzers produce these objects; the StackStorm renderer and the runtime consume them.
Neither side knows the other. Everything here is frozen, slotted and made of tuples so a
``Script`` can be hashed, compared and shared between processes.

JSON values (defaults, enum members, consts) are stored as plain Python values, with
arrays as tuples and objects as tuples of ``(key, value)`` pairs (see ``freeze``/``thaw``).
``None`` always means "absent": a parameter whose default is ``None`` has no default.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TypeAlias

#: A frozen JSON value: str, int, float, bool, None, tuple of values, or a tuple of pairs
#: tagged by ``FrozenObject``.
Json: TypeAlias = "str | int | float | bool | tuple[Json, ...] | FrozenObject | None"


class FrozenObject(tuple):  # type: ignore[type-arg]
    """A JSON object kept as a tuple of ``(key, value)`` pairs, so it stays hashable."""

    __slots__ = ()


def freeze(value: object) -> Json:
    """Turn a plain JSON-like Python value (lists, dicts) into its frozen form."""
    if isinstance(value, dict):
        return FrozenObject((str(k), freeze(v)) for k, v in value.items())
    if isinstance(value, list | tuple) and not isinstance(value, FrozenObject):
        return tuple(freeze(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool | FrozenObject):
        return value
    raise TypeError(f"not a JSON value: {value!r}")


def thaw(value: Json) -> object:
    """Turn a frozen JSON value back into lists and dicts (for YAML/JSON output)."""
    if isinstance(value, FrozenObject):
        return {k: thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


#: ``Script.extra`` key of a script without a command line that runs anyway: "main" (a
#: ``__main__`` block) or "toplevel" (work done at the top level of the module)
ENTRY_KEY = "entry"
#: ``Script.extra`` key, once per sibling module whose commands the script mounts as its
#: own sub-commands (typer ``app.add_typer(users.app)``): its path, named like the script's
MOUNTED_KEY = "mounts"


class Severity(enum.StrEnum):
    """How much a diagnostic matters."""

    ERROR = "error"  # the file could not be ingested
    WARNING = "warning"  # something was left out or could not be known statically
    INFO = "info"  # a note: a rename, a skipped file, a choice that was made


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something a user should know about one place in one file."""

    path: str  #: the file, as given to the analyzer
    line: int  #: 1-based line; 0 when the diagnostic is about the whole file
    severity: Severity
    code: str  #: a stable short identifier, e.g. "unknown-default"
    message: str  #: what happened and, where there is one, what to do about it

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity.value}: {self.message} [{self.code}]"


class ParamType(enum.StrEnum):
    """StackStorm parameter types (JSON Schema draft-04 primitive types)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ARRAY = "array"
    OBJECT = "object"


class ArgKind(enum.StrEnum):
    """How one parameter's value becomes argv tokens: the runtime's instruction set.

    The runtime (``voodoo/runtime/voodoo_runtime.py``) implements each kind; the
    analyzers choose one per parameter. Option strings are always the script's real ones.
    """

    POSITIONAL = "positional"  #: the value as one token; a list is spread, one token each
    OPTION = "option"  #: ``--opt=value`` / ``-oVALUE`` / ``-opt value`` (see ``Emit.joiner``)
    OPTION_LIST = "option_list"  #: ``--opt v1 v2 ...`` (nargs N, + or *): one option, many values
    #: the option once per item (``--tag a --tag b``); an item that is a list is spread after it
    APPEND = "append"
    FLAG = "flag"  #: the bare option when the value is true, nothing when false/None
    FLAG_FALSE = "flag_false"  #: the bare option when the value is false (store_false)
    FLAG_PAIR = "flag_pair"  #: ``option`` when true, ``off_option`` when false, nothing for None
    COUNT = "count"  #: the bare option repeated ``value`` times
    CONST = "const"  #: the option whose const equals the value (store_const, click flag_value)
    APPEND_CONST = "append_const"  #: for each item, the option whose const equals it
    COMMAND = "command"  #: a literal word (docopt command) emitted in place when true
    ENV = "env"  #: not on argv: exported as environment variable ``option``


class Joiner(enum.StrEnum):
    """How an option and its value are put on the command line."""

    EQUALS = "equals"  #: ``--opt=value`` (long options: safe for values starting with "-")
    ATTACHED = "attached"  #: ``-ovalue`` (two-character short options)
    SEPARATE = "separate"  #: ``-opt value`` as two tokens


@dataclass(frozen=True, slots=True)
class Emit:
    """Everything the runtime needs to put one parameter on the command line."""

    kind: ArgKind
    option: str = ""  #: the option string to emit (for ENV: the variable name)
    off_option: str = ""  #: FLAG_PAIR: the option meaning false (``--no-verify``)
    joiner: Joiner = Joiner.SEPARATE
    #: CONST/APPEND_CONST: ``(const value, option string)`` pairs, in definition order
    consts: tuple[tuple[Json, str], ...] = ()
    #: how booleans given to a value-taking option are written, e.g. ("1", "") for type=bool
    true_token: str = "true"
    false_token: str = "false"
    level: int = 0  #: 0 for the top-level parser, 1 for its sub-command, ...
    position: int = 0  #: POSITIONAL/COMMAND: order among this level's positionals


@dataclass(frozen=True, slots=True)
class Param:
    """One action parameter and how it reaches the script."""

    name: str  #: the action parameter name (``^[A-Za-z0-9_]+$``, runner names renamed)
    dest: str  #: the script's own name for it (argparse dest, click name, ...)
    emit: Emit
    type: ParamType | None = None  #: None: untyped (StackStorm accepts any type)
    description: str | None = None
    default: Json = None  #: None: no default
    required: bool = False
    secret: bool = False
    enum: tuple[Json, ...] | None = None
    items_type: ParamType | None = None  #: arrays: the type of each item
    items_enum: tuple[Json, ...] | None = None  #: arrays: allowed item values
    #: arrays of arrays (append with nargs): the inner items' type
    items_items_type: ParamType | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_items: int | None = None
    max_items: int | None = None
    metavar: str | None = None  #: for documentation only
    line: int = 0  #: where the parameter is defined (0: unknown)
    #: the environment variable the script itself reads as this option's value when the
    #: option is not typed (``default=os.environ.get("X", ...)``, click's ``envvar="X"``):
    #: a secret is passed there rather than on the command line
    env_fallback: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """One leaf command of a script: becomes exactly one StackStorm action."""

    name: str  #: the action name, ``^[a-z0-9_]+$``
    path: tuple[str, ...] = ()  #: sub-command words as typed, outermost first
    description: str | None = None
    params: tuple[Param, ...] = ()
    #: "argv": run the script with a command line; "call": import and call ``function``
    invocation: str = "argv"
    function: str | None = None  #: for invocation == "call"
    #: whether ``--`` may be used to end options before positionals (False for raw sys.argv)
    double_dash: bool = True
    #: characters that start an option (argparse ``prefix_chars``): a positional value
    #: starting with one of them needs ``--`` before it
    prefix_chars: str = "-"
    line: int = 0
    #: groups of parameter dests of which exactly one must be given (argparse's required
    #: mutually exclusive groups): StackStorm's schema cannot say it, the runtime checks it
    one_of: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Script:
    """What static analysis found in one file."""

    path: str  #: as given (relative to the source root when ingesting a folder)
    framework: str | None  #: "argparse", "click", ...; None when the file has no command line
    commands: tuple[Command, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    description: str | None = None  #: module docstring's first paragraph
    imports: tuple[str, ...] = ()  #: top-level module names the file imports (absolute)
    python2: bool = False  #: only parsed with the Python 2 grammar
    env_reads: tuple[str, ...] = ()  #: environment variables read outside parser defaults
    source_hash: str = ""  #: sha256 of the file's bytes
    extra: tuple[tuple[str, str], ...] = field(default=())  #: framework-specific notes

    @property
    def ok(self) -> bool:
        """True when nothing stopped the file from being ingested."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)
