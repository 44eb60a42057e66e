"""Limits that keep hostile input from exhausting time, memory or the C stack.

libcst's native parser recurses once per level of nesting and is superlinear in both time
and memory on large or deeply nested input: measured with libcst 1.x, 1,500 nested
parentheses overflow the C stack (a segmentation fault, which no ``except`` can catch),
3,000 chained ``+`` take 10 s, and a 6.5 MB file takes a minute and 3.7 GB. So before
libcst sees a file, its size is checked and its nesting is estimated by a cheap scan of the
text that never raises, whatever the bytes (Python 2, broken syntax or binary noise).
"""

from __future__ import annotations

import re

#: Default largest file analyzed, in bytes (``--max-size`` raises it). Ops scripts are far
#: smaller; libcst needs about 0.7 GB and 6 s per MB.
DEFAULT_MAX_SIZE = 1024 * 1024

#: CPython refuses more than 200 nested brackets ("too many nested parentheses"), so no
#: program that runs goes deeper.
MAX_BRACKET_DEPTH = 200

#: Largest estimated depth of one expression: open brackets plus the tokens between
#: separators at every open level (``1+1+...``, ``a.b.c...`` and ``lambda: lambda: ...``
#: nest one level per operator in the tree libcst builds; comparisons, commas and ``=``
#: do not). Real scripts stay well under 200.
MAX_EXPRESSION_DEPTH = 1000

_TOKEN = re.compile(
    r"""
    (?P<str>[rRbBuUfF]{0,2}(?:'''(?:\\.|[^\\])*?(?:'''|\Z)|\"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\Z)
        |'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?))
    |(?P<comment>\#[^\n]*)
    |(?P<cont>\\\r?\n)
    |(?P<newline>\n)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}])
    |(?P<sep>==|!=|<=|>=|->|[,;=])
    |(?P<other>:=|\w+|[^\s\w])
    """,
    re.VERBOSE | re.DOTALL,
)
#: The same inside an f-string's body, where quotes and ``#`` do not start anything that
#: hides brackets from this scan (a nested f-string's brackets count at its own level).
_FIELD_TOKEN = re.compile(
    r"""
    (?P<newline>\n)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}])
    |(?P<sep>==|!=|<=|>=|->|[,;=])
    |(?P<other>:=|\w+|[^\s\w])
    """,
    re.VERBOSE,
)


def size_problem(size: int, max_size: int) -> str | None:
    """The message for a file of ``size`` bytes over ``max_size``, else None."""
    if size <= max_size:
        return None
    return (
        f"too large to analyze ({size / 2**20:.1f} MB > {max_size / 2**20:.1f} MB); "
        "raise the limit with --max-size"
    )


#: Tokens per byte of ``--max-size`` a file may hold (``token_budget``). libcst spends
#: about 50 us and 2 KB per token, whatever the tokens: real scripts hold about one token
#: per 6 bytes, while 0.5 MB of ``1+1+...`` lines holds 440,000 (35 s and 1 GB).
BYTES_PER_TOKEN = 5


def token_budget(max_size: int) -> int:
    """The most tokens a file may hold to be analyzed under ``max_size``: about 10 s and
    0.5 GB at the default 1 MB, and a real script of ``max_size`` bytes stays under it."""
    return max(1, max_size // BYTES_PER_TOKEN)


#: How the message of ``complexity_problem`` starts.
TOO_COMPLEX = "too complex to analyze"


def complexity_problem(tokens: int, max_tokens: int) -> str:
    return (
        f"{TOO_COMPLEX} ({tokens:,} tokens or more; the limit is {max_tokens:,}, "
        f"one per {BYTES_PER_TOKEN} bytes of --max-size): split the file, or raise "
        "the limit with --max-size"
    )


def nesting_problem(text: str, max_tokens: int | None = None) -> tuple[int, str] | None:
    """(line, message) when ``text`` nests deeper than the limits, or holds more than
    ``max_tokens`` tokens, else None.

    An estimate over tokens (strings and comments skipped, but the replacement fields of
    f-strings scanned like code), not a parse: it accepts any text, and it over-counts
    rather than under-counts.
    """
    return _Scan(max_tokens).run(text, 0, 0, 1, _TOKEN)


class _Scan:
    def __init__(self, max_tokens: int | None) -> None:
        self.max_tokens = max_tokens
        self.tokens = 0

    def run(
        self, text: str, depth: int, brackets: int, line: int, tokens: re.Pattern[str]
    ) -> tuple[int, str] | None:
        """Scan ``text`` (a file, or an f-string's body) nested ``depth`` levels deep, in
        ``brackets`` open brackets."""
        stack: list[int] = []  # tokens of the enclosing levels' current segments
        outer = depth  # sum(stack), plus the levels around ``text``
        segment = 0
        for match in tokens.finditer(text):
            kind = match.lastgroup
            if kind == "newline" or kind == "cont":
                line += 1
                if kind == "newline" and not stack:
                    segment = 0
                continue
            if kind == "comment":
                continue
            self.tokens += 1
            if self.max_tokens is not None and self.tokens > self.max_tokens:
                return line, complexity_problem(self.tokens, self.max_tokens)
            if kind == "str":
                token = match.group()
                prefix = token[: len(token) - len(token.lstrip("rRbBuUfF"))]
                if "{" in token and "f" in prefix.lower():
                    # libcst parses an f-string's fields as code: nesting there counts
                    fields = _field_text(token)
                    if fields:
                        found = self.run(
                            fields,
                            outer + segment + 1,
                            brackets + len(stack) + 1,
                            line,
                            _FIELD_TOKEN,
                        )
                        if found is not None:
                            return found
                line += token.count("\n")
            if kind == "open":
                stack.append(segment + 1)
                outer += segment + 1
                segment = 0
                if len(stack) + brackets > MAX_BRACKET_DEPTH:
                    return line, (
                        f"brackets nested more than {MAX_BRACKET_DEPTH} deep "
                        "(Python itself refuses this); simplify the expression"
                    )
            elif kind == "close":
                segment = stack.pop() if stack else 0
                outer -= segment
            elif kind == "sep":
                segment = 0
            else:
                segment += 1
            if outer + segment > MAX_EXPRESSION_DEPTH:
                return line, (
                    f"an expression nests more than {MAX_EXPRESSION_DEPTH} levels "
                    "deep (too deep to analyze safely); split it up"
                )
        return None


def _field_text(token: str) -> str:
    """An f-string token's body with its ``{{``/``}}`` escapes blanked out; its
    replacement fields' brackets then scan as code (one level deeper than the string)."""
    body = token.lstrip("rRbBuUfF")
    quote = body[:3] if body[:3] in ("'''", '"""') else body[:1]
    body = body[len(quote) :]
    if body.endswith(quote):
        body = body[: -len(quote)]
    return body.replace("{{", "  ").replace("}}", "  ")
