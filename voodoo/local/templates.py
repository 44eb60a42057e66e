"""The small part of StackStorm's Jinja parameter rendering that voodoo reproduces.

Supported: ``{{ name }}`` (another parameter), ``{{ config_context.key }}`` (the pack config)
and ``{% raw %}...{% endraw %}`` (copied literally). Anything else (filters, ``st2kv``,
statements, comments) raises ``UnsupportedTemplate`` instead of being rendered wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_EXPR = re.compile(r"\{\{-?\s*([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*-?\}\}")
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_OPEN = re.compile(r"\{[{%#]")

#: Resolves ``(name, attribute)``: ``("p", None)`` for ``{{ p }}``, ``("config_context", "k")``.
Lookup = Callable[[str, str | None], object]


class UnsupportedTemplate(ValueError):
    """The template uses Jinja that voodoo does not render.

    Not a VoodooError: params.py turns it into one of a ParameterError's problems."""


def is_template(text: str) -> bool:
    """StackStorm renders a string when it contains ``{{`` or ``{%``."""
    return "{{" in text or "{%" in text


def render(text: str, lookup: Lookup) -> str:
    """Render ``text``; values are turned into text as Jinja does (``str()``)."""
    out: list[str] = []
    pos = 0
    while (start := _OPEN.search(text, pos)) is not None:
        out.append(text[pos : start.start()])
        raw = _RAW.match(text, start.start())
        expr = _EXPR.match(text, start.start())
        if raw is not None:
            out.append(raw.group(1))
            pos = raw.end()
        elif expr is not None:
            out.append(_text(lookup(expr.group(1), expr.group(2))))
            pos = expr.end()
        else:
            snippet = text[start.start() : start.start() + 40]
            raise UnsupportedTemplate(f"unsupported Jinja: {snippet!r}")
    out.append(text[pos:])
    rendered = "".join(out)
    # Jinja's default keep_trailing_newline=False drops one trailing newline.
    return rendered[:-1] if rendered.endswith("\n") else rendered


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)
