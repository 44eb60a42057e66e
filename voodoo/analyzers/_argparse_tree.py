"""What an argparse program builds, recorded by reading it: parsers, groups, actions.

The objects mirror argparse's own (``ArgumentParser``, ``_ArgumentGroup``,
``_SubParsersAction``, ``Action``) but hold *static values* (``Known``/``Unknown``) and the
nodes they came from, so a later step can explain what it could not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from voodoo.analyzers._values import Value

SUPPRESS = "==SUPPRESS=="
REMAINDER = "..."
PARSER = "A..."

#: argparse module attributes that are plain constants
CONSTANTS: dict[str, Any] = {
    "argparse.SUPPRESS": SUPPRESS,
    "argparse.REMAINDER": REMAINDER,
    "argparse.PARSER": PARSER,
    "argparse.OPTIONAL": "?",
    "argparse.ZERO_OR_MORE": "*",
    "argparse.ONE_OR_MORE": "+",
}
#: argparse action classes -> the action string they implement
ACTION_CLASSES: dict[str, str] = {
    "argparse.BooleanOptionalAction": "boolean_optional",
    "argparse._StoreAction": "store",
    "argparse._StoreConstAction": "store_const",
    "argparse._StoreTrueAction": "store_true",
    "argparse._StoreFalseAction": "store_false",
    "argparse._AppendAction": "append",
    "argparse._AppendConstAction": "append_const",
    "argparse._CountAction": "count",
    "argparse._ExtendAction": "extend",
    "argparse._HelpAction": "help",
    "argparse._VersionAction": "version",
}
ACTION_STRINGS = frozenset(
    {
        "store",
        "store_const",
        "store_true",
        "store_false",
        "append",
        "append_const",
        "count",
        "extend",
        "help",
        "version",
    }
)


@dataclass(eq=False)
class TypeInfo:
    """The ``type=`` of an argument: a builtin it maps from, and how ``%(type)s`` shows it."""

    kind: str  #: "str", "int", "float", "bool" or "other"
    display: str  #: what argparse's ``%(type)s`` would print (the callable's ``__name__``)


@dataclass(eq=False)
class Action:
    """One ``add_argument`` call."""

    node: cst.Call
    option_strings: list[str]
    dest: str
    kind: str  #: an argparse action string, "boolean_optional", or "custom"
    nargs: Any = None  #: None, "?", "*", "+", "...", "A...", or an int
    const: Value | None = None
    default: Value | None = None  #: None: argparse's own default (None, or False/True)
    default_node: cst.CSTNode | None = None
    type: TypeInfo | None = None
    choices: Value | None = None
    required: bool = False
    help: Value | None = None
    metavar: Value | None = None
    group: Group | None = None
    custom_name: str = ""  #: for kind == "custom": the class name

    @property
    def positional(self) -> bool:
        return not self.option_strings


@dataclass(eq=False)
class Group:
    """An argument group or a mutually exclusive group."""

    parser: Parser
    mutex: bool = False
    required: bool = False
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Parser:
    """One ``ArgumentParser`` (or sub-parser)."""

    node: cst.CSTNode
    prog: str
    description: Value | None = None
    prefix_chars: str = "-"
    argument_default: Value | None = None
    level: int = 0
    words: tuple[str, ...] = ()
    help: Value | None = None  #: the sub-parser's ``help=``
    actions: list[Action] = field(default_factory=list)
    defaults: dict[str, tuple[Value, cst.CSTNode]] = field(default_factory=dict)
    subparsers: Subparsers | None = None
    parsed: bool = False  #: parse_args / parse_intermixed_args called on it
    known: bool = False  #: parse_known_args called on it
    returned: bool = False  #: returned from a function
    used_as_parent: bool = False
    is_sub: bool = False


@dataclass(eq=False)
class Subparsers:
    """The object ``add_subparsers()`` returns."""

    parser: Parser
    prog_prefix: str
    choices: list[tuple[str, Parser]] = field(default_factory=list)
    node: cst.CSTNode | None = None
