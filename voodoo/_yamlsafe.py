"""Which strings a YAML writer must quote so that YAML 1.1 (PyYAML, what StackStorm reads
packs with) and YAML 1.2 (ruamel.yaml, most editors) both read them back as strings.

A plain ``off``, ``yes`` or ``1:30`` is a string in YAML 1.2 but ``False``, ``True`` and
``90`` in YAML 1.1; a plain ``0o17`` or ``1_000`` is the other way round.
"""

from __future__ import annotations

import re

import yaml

_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()

#: What a YAML 1.2 loader (the core schema, and ruamel.yaml's extensions: ``_`` in
#: numbers, ``0b``/``0o``/``0x``, sexagesimal) may take for anything but a string.
_NOT_STR_12 = re.compile(
    r"""(?x)
    ~ | null | Null | NULL
    | true | True | TRUE | false | False | FALSE
    | [-+]? [0-9][0-9_]* (:[0-5]?[0-9])* (\.[0-9_]*)? ([eE][-+]?[0-9]+)?
    | [-+]? \.[0-9_]+ ([eE][-+]?[0-9]+)?
    | [-+]? 0b[0-1_]+ | [-+]? 0o?[0-7_]+ | [-+]? 0x[0-9a-fA-F_]+
    | [-+]? \.(inf|Inf|INF) | \.(nan|NaN|NAN)
    | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \t].*)?
    """
)


#: Characters a YAML writer must escape (so write double-quoted): controls, NEL and other
#: line breaks YAML would fold, surrogates, the BOM.
NEEDS_ESCAPES = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\ufeff")


def needs_quotes(value: str) -> bool:
    """True when ``value`` written as a plain scalar would not load as this very string
    under YAML 1.1 or YAML 1.2."""
    if value == "" or _NOT_STR_12.fullmatch(value):
        return True
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag != _STR)
