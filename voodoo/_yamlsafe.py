"""voodoo's one YAML emitter (``dump_yaml``), and which strings a YAML writer must quote so
that YAML 1.1 (PyYAML, what StackStorm reads packs with) and YAML 1.2 (ruamel.yaml, most
editors) both read them back as strings.

A plain ``off``, ``yes`` or ``1:30`` is a string in YAML 1.2 but ``False``, ``True`` and
``90`` in YAML 1.1; a plain ``0o17`` or ``1_000`` is the other way round.

Everything voodoo writes as YAML goes through ``dump_yaml``: the pack's files, ``voodoo
inspect --format yaml``, what ``voodoo run`` and ``history`` show, ``voodoo init``'s
``voodoo.yaml``. (``merge`` edits a person's file in place with ruamel.yaml's round trip,
which keeps their layout: it emits nothing new, but quotes what it adds with the same
``needs_quotes``.)
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


class _Dumper(yaml.SafeDumper):
    """Safe dumper that indents block sequences under their key (like most hand-written YAML)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML quotes what YAML 1.1 would read otherwise; YAML 1.2 (0o17, 1_000) needs more.
    style = '"' if NEEDS_ESCAPES.search(value) else "'" if needs_quotes(value) else None
    return dumper.represent_scalar(_STR, value, style=style)


_Dumper.add_representer(str, _represent_str)


class _BlockDumper(_Dumper):
    """``_Dumper`` writing a multi-line string as a literal ``|`` block."""


def _represent_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # (PyYAML falls back to double quotes for what a block cannot hold: a key, a control)
    if "\n" in value:
        return dumper.represent_scalar(_STR, value, style="|")
    return _represent_str(dumper, value)


_BlockDumper.add_representer(str, _represent_block)


def dump_yaml(data: object, *, blocks: bool = False) -> str:
    """``data`` as YAML: safe, block style, keys in insertion order, sequences indented
    under their key, no line wrapping, strings quoted wherever YAML 1.1 or 1.2 would read
    them as anything else.

    Every string, including ones with Jinja/YAML syntax, tabs, newlines or any Unicode text,
    loads back unchanged with ``yaml.safe_load``.

    ``blocks``: a multi-line string is a literal ``|`` block, for people to read (``voodoo
    run`` and ``history`` show stdout and tracebacks so). Without it, the default, such a
    string is double-quoted with ``\\n`` escapes, as in every pack voodoo has generated:
    switching the pack's files to blocks would rewrite each one in every pack.
    """
    text = yaml.dump(
        data,
        Dumper=_BlockDumper if blocks else _Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=float("inf"),
        indent=2,
    )
    return str(text)
