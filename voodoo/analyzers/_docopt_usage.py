"""Read a docopt usage text with docopt-ng's own parser, without parsing any argv.

docopt's usage language has enough corners (``[options]``, ``-abc`` stacks, ``FILE``
arguments, ``...`` on groups, prefixes of long options) that reading it with the library
that scripts run is the only way to agree with them. docopt-ng exposes these functions
without promising them (its ``__all__`` is just ``docopt``), so this module is the one
place that touches them: it mirrors the first half of ``docopt.docopt`` (sections, options,
pattern, ``[options]`` expansion, ``fix``) and hands back plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import docopt as _docopt

__all__ = ["Leaf", "Usage", "UsageError", "read_usage"]

#: not parameters: docopt handles them itself (``help=True``, ``version=``)
HELP_OPTIONS = frozenset({"-h", "--help", "--version"})


class UsageError(ValueError):
    """The text is not a usage docopt accepts (docopt itself would refuse it).

    Not a VoodooError: it never leaves analysis (docopt_.py makes it the script's
    diagnostic)."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One key of the dict docopt returns."""

    key: str  #: ``--dry-run``, ``-v``, ``<path>``, ``FILE``, ``rotate``
    kind: str  #: "option", "argument" or "command"
    short: str | None = None  #: options: ``-n``
    long: str | None = None  #: options: ``--number``
    takes_value: bool = False  #: options with an argument
    default: str | None = None  #: ``[default: x]`` (options with an argument)
    repeated: bool = False  #: list (values) or count (switches, commands)
    help: str | None = None  #: options: the text in the Options section


@dataclass(frozen=True, slots=True)
class Usage:
    leaves: tuple[Leaf, ...]  #: in order of first appearance in the usage patterns
    #: per usage pattern, the keys in the order they appear
    patterns: tuple[tuple[str, ...], ...]
    #: per usage pattern, the keys that must be given (outside ``[]`` and alternatives)
    required: tuple[frozenset[str], ...]
    #: per usage pattern, the keys it repeats (``<path>...``)
    repeated: tuple[frozenset[str], ...] = ()


def read_usage(text: str) -> Usage:
    """The parameters ``docopt(text)`` would return, and where they are required."""
    try:
        sections = _docopt.parse_docstring_sections(text)
        _docopt.lint_docstring(sections)
        options = [
            *_docopt.parse_options(sections.before_usage),
            *_docopt.parse_options(sections.after_usage),
        ]
        pattern = _docopt.parse_pattern(_docopt.formal_usage(sections.usage_body), options)
        in_pattern = set(pattern.flat(_docopt.Option))
        for shortcut in pattern.flat(_docopt.OptionsShortcut):
            shortcut.children = [opt for opt in options if opt not in in_pattern]
        pattern.fix()
    except _docopt.DocoptLanguageError as err:
        raise UsageError(str(err)) from None
    except (ValueError, IndexError, AssertionError) as err:  # malformed beyond its checks
        raise UsageError(f"{type(err).__name__}: {err}") from None
    helps = _option_helps(sections.before_usage + "\n" + sections.after_usage)
    leaves: dict[str, Leaf] = {}
    for leaf in pattern.flat():
        if leaf.name is None or leaf.name in leaves:
            continue
        leaves[leaf.name] = _leaf(leaf, helps)
    top = pattern.children[0] if len(pattern.children) == 1 else pattern
    alternatives = top.children if isinstance(top, _docopt.Either) else [top]
    return Usage(
        tuple(leaves.values()),
        tuple(_ordered(alt) for alt in alternatives),
        tuple(frozenset(_required(alt)) for alt in alternatives),
        tuple(frozenset(_repeated(alt)) for alt in alternatives),
    )


def _leaf(leaf: _docopt.LeafPattern, helps: dict[str, str]) -> Leaf:
    name = str(leaf.name)
    if isinstance(leaf, _docopt.Option):
        help_text = helps.get(leaf.longer or "") or helps.get(leaf.short or "")
        default = leaf.value if isinstance(leaf.value, str) else None
        if isinstance(leaf.value, list):
            default = " ".join(leaf.value) or None
        return Leaf(
            name,
            "option",
            short=leaf.short,
            long=leaf.longer,
            takes_value=bool(leaf.argcount),
            default=default,
            repeated=isinstance(leaf.value, list | int) and not isinstance(leaf.value, bool),
            help=help_text,
        )
    kind = "command" if isinstance(leaf, _docopt.Command) else "argument"
    repeated = isinstance(leaf.value, list | int) and not isinstance(leaf.value, bool)
    return Leaf(name, kind, repeated=repeated)


def _ordered(node: _docopt.Pattern) -> tuple[str, ...]:
    if not isinstance(node, _docopt.BranchPattern | _docopt.LeafPattern):
        return ()
    return tuple(dict.fromkeys(str(leaf.name) for leaf in node.flat() if leaf.name))


def _required(node: _docopt.Pattern) -> set[str]:
    """Keys present in every match of ``node``: outside ``[]``, in every alternative."""
    if isinstance(node, _docopt.NotRequired):  # includes [options]
        return set()
    if isinstance(node, _docopt.Either):
        branches = [_required(child) for child in node.children]
        return set.intersection(*branches) if branches else set()
    if isinstance(node, _docopt.BranchPattern):
        found: set[str] = set()
        for child in node.children:
            found |= _required(child)
        return found
    return {str(node.name)} if node.name else set()


def _repeated(node: _docopt.Pattern) -> set[str]:
    if isinstance(node, _docopt.OneOrMore):
        return {str(leaf.name) for leaf in node.flat() if leaf.name}
    if isinstance(node, _docopt.BranchPattern):
        found: set[str] = set()
        for child in node.children:
            found |= _repeated(child)
        return found
    return set()


# docopt-ng's own split of an option description ("-n N, --num N  Text [default: 1]")
_OPTION_START = re.compile(r"^(?:.*options:)?[ \t]*(-\S)", re.M | re.I)
_TWO_SPACES = re.compile(r"(?:  )|$", re.M)


def _option_helps(text: str) -> dict[str, str]:
    """Option string -> its description text, as docopt-ng splits the Options section."""
    parts = _OPTION_START.split(text)[1:]
    helps: dict[str, str] = {}
    for start, rest in zip(parts[0::2], parts[1::2], strict=False):
        names, description = ([*_TWO_SPACES.split((start + rest).strip(), maxsplit=1), ""])[:2]
        words = " ".join(description.split())
        for token in names.replace(",", " ").replace("=", " ").split():
            if token.startswith("-") and words:
                helps.setdefault(token, words)
    return helps
