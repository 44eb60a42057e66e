"""Descriptions as a person reads them in ``--help``: title underlines stripped, whitespace
collapsed the way argparse's help formatter shows it."""

from __future__ import annotations

import re

__all__ = ["argparse_text", "tidy"]

#: a reStructuredText/Markdown title under- or overline: one punctuation character repeated
_UNDERLINE = re.compile(r"^[ \t]*([=\-~^*#+`'\"])\1{2,}[ \t]*$")
_SPACES = re.compile(r"[ \t]{2,}")


def tidy(text: str | None) -> str | None:
    """Title underlines removed, runs of spaces (backslash continuations, implicit string
    concatenation) made one; line breaks kept. None for nothing left."""
    if text is None:
        return None
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.splitlines()
             if not _UNDERLINE.match(line)]
    return "\n".join(lines).strip() or None


def argparse_text(text: str, raw: bool) -> str:
    """What argparse's default formatter prints for a help or description: every run of
    whitespace one space (``raw``: a Raw*HelpFormatter keeps the text as it is)."""
    if raw:
        return text.strip()
    return " ".join(text.split())
