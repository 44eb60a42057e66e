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


def size_problem(size: int, max_size: int) -> str | None:
    """The message for a file of ``size`` bytes over ``max_size``, else None."""
    if size <= max_size:
        return None
    return (f"too large to analyze ({size / 2**20:.1f} MB > {max_size / 2**20:.1f} MB); "
            "raise the limit with --max-size")


def nesting_problem(text: str) -> tuple[int, str] | None:
    """(line, message) when ``text`` nests deeper than the limits, else None.

    An estimate over tokens (strings and comments skipped), not a parse: it accepts any
    text, and it over-counts rather than under-counts.
    """
    stack: list[int] = []  # tokens of the enclosing levels' current segments
    outer = 0  # sum(stack)
    segment = 0
    line = 1
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "newline" or kind == "cont":
            line += 1
            if kind == "newline" and not stack:
                segment = 0
            continue
        if kind == "comment":
            continue
        if kind == "str":
            line += match.group().count("\n")
        if kind == "open":
            stack.append(segment + 1)
            outer += segment + 1
            segment = 0
            if len(stack) > MAX_BRACKET_DEPTH:
                return line, (f"brackets nested more than {MAX_BRACKET_DEPTH} deep "
                              "(Python itself refuses this); simplify the expression")
        elif kind == "close":
            segment = stack.pop() if stack else 0
            outer -= segment
        elif kind == "sep":
            segment = 0
        else:
            segment += 1
        if outer + segment > MAX_EXPRESSION_DEPTH:
            return line, (f"an expression nests more than {MAX_EXPRESSION_DEPTH} levels deep "
                          "(too deep to analyze safely); split it up")
    return None
