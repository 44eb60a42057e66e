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
    lines = text.splitlines()

    def title(index: int) -> bool:
        return (
            0 <= index < len(lines)
            and bool(lines[index].strip())
            and not _UNDERLINE.match(lines[index])
        )

    kept = [
        _SPACES.sub(" ", line).rstrip()
        for i, line in enumerate(lines)
        if not (_UNDERLINE.match(line) and (title(i - 1) or title(i + 1)))
    ]
    return "\n".join(kept).strip() or None


def argparse_text(text: str, raw: bool) -> str:
    """What argparse's default formatter prints for a help or description: every run of
    whitespace one space (``raw``: a Raw*HelpFormatter keeps the text as it is)."""
    if raw:
        return text.strip()
    return " ".join(text.split())
