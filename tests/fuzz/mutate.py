"""Random inputs for fuzzing the analysis: byte mutations of real scripts, and generated
argparse, click and optparse programs. Plain ``random`` (seeded), shared by the hypothesis
tests (tests/test_fuzz.py) and the long run (tests/fuzz/run.py)."""

from __future__ import annotations

import random
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "legacy_scripts"
SEEDS = tuple(sorted(p.read_bytes() for p in EXAMPLES.glob("*.py")))

#: snippets that stress the tokenizer, the parser and the analyzers when spliced in
TOKENS = (b"(", b")", b"[", b"]", b"{", b"}", b":", b",", b"\n", b"\t", b"    ", b"\\\n",
          b"'", b'"', b'"""', b"#", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r",
          b"lambda:", b"-", b"+", b"*", b"**", b"not ", b".", b"@", b"=", b"==", b":=",
          b"add_argument(", b"default=", b"type=int", b"nargs='*'", b"action='append'",
          b"sys.argv[1]", b"import argparse\n", b"@click.option('--x')\n", b"print 'x'\n",
          b"{{ x }}", b"{% raw %}", "\u202e".encode(), b"\xf0\x9f\x94\xa5")


def mutate(data: bytes, rng: random.Random, rounds: int = 0) -> bytes:
    """Apply 1-8 random byte-level edits (delete, insert, replace, duplicate, swap)."""
    buf = bytearray(data)
    for _ in range(rounds or rng.randint(1, 8)):
        at = rng.randint(0, len(buf))
        op = rng.randrange(6)
        if op == 0 and buf:  # delete a span
            del buf[at:at + rng.randint(1, 16)]
        elif op == 1:  # insert a token
            buf[at:at] = rng.choice(TOKENS)
        elif op == 2 and buf:  # replace one byte
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 3 and buf:  # duplicate a span
            start = rng.randrange(len(buf))
            buf[at:at] = buf[start:start + rng.randint(1, 200)]
        elif op == 4 and len(buf) > 2:  # swap two lines
            lines = bytes(buf).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            buf = bytearray(b"\n".join(lines))
        else:  # truncate
            del buf[at:]
    return bytes(buf)


def _word(rng: random.Random) -> str:
    return rng.choice(["name", "count", "dry_run", "host", "port", "level", "items", "x",
                       "class", "type", "timeout", "user", "from", "verbose"]) + str(
        rng.randrange(1000))


def _text(rng: random.Random) -> str:
    return rng.choice(["", "plain", "{{ x }}", "a: b", "# c", "---", "tab\tx", "line\nbreak",
                       "\U0001f525", "\u05e9\u05dc\u05d5\u05dd", "50%", "'q'", '"dq"'])


def _literal(kind: str, rng: random.Random) -> str:
    if kind == "int":
        return repr(rng.randint(-10**6, 10**6))
    if kind == "float":
        return repr(rng.choice([0.5, -1.25, 3.0, 1e-3]))
    return repr(_text(rng) or "v")


def argparse_program(rng: random.Random) -> str:
    """A random argparse script; everything before ``parser.parse_args()`` is plain data."""
    lines = ["import argparse", f"parser = argparse.ArgumentParser(description={_text(rng)!r})"]
    used: set[str] = set()
    for _ in range(rng.randint(0, 8)):
        name = _word(rng)
        if name in used:
            continue
        used.add(name)
        kind = rng.choice(["str", "int", "float"])
        if rng.random() < 0.25:
            args = [repr(name)]
            if kind != "str":
                args.append(f"type={kind}")
            if rng.random() < 0.3:
                args.append(f"choices=[{_literal(kind, rng)}, {_literal(kind, rng)}]")
        else:
            flag = "--" + name.replace("_", "-")
            args = [repr(flag)]
            action = rng.choice(["store", "store", "store_true", "store_false", "append",
                                 "count"])
            if action != "store":
                args.append(f"action={action!r}")
            if action in ("store", "append"):
                if kind != "str":
                    args.append(f"type={kind}")
                if rng.random() < 0.5:
                    args.append(f"default={_literal(kind, rng)}")
                if rng.random() < 0.3:
                    args.append(f"required={rng.random() < 0.5}")
                if action == "store" and rng.random() < 0.2:
                    args.append(f"choices=[{_literal(kind, rng)}, {_literal(kind, rng)}]")
        if rng.random() < 0.7:
            args.append(f"help={_text(rng)!r}")
        lines.append(f"parser.add_argument({', '.join(args)})")
    lines.append("args = parser.parse_args()")
    return "\n".join(lines) + "\n"


def click_program(rng: random.Random) -> str:
    lines = ["import click", "", "@click.command()"]
    names = []
    for _ in range(rng.randint(0, 6)):
        name = _word(rng)
        if name in names or name in ("class", "from", "type"):
            continue
        names.append(name)
        kind = rng.choice(["str", "int", "float"])
        extra = rng.choice(["", f", default={_literal(kind, rng)}", ", is_flag=True",
                            ", required=True", ", multiple=True"])
        typ = f", type={kind}" if kind != "str" and "is_flag" not in extra else ""
        lines.append(f"@click.option('--{name.replace('_', '-')}'{typ}{extra}, "
                     f"help={_text(rng)!r})")
    lines.append(f"def main({', '.join(names)}):")
    lines.append(f"    {_text(rng)!r}")
    lines += ["", "if __name__ == '__main__':", "    main()"]
    return "\n".join(lines) + "\n"


def optparse_program(rng: random.Random) -> str:
    lines = ["from optparse import OptionParser", "parser = OptionParser()"]
    used: set[str] = set()
    for _ in range(rng.randint(0, 6)):
        name = _word(rng)
        if name in used:
            continue
        used.add(name)
        kind = rng.choice(["string", "int", "float"])
        action = rng.choice(["store", "store_true", "append", "count"])
        args = [repr("--" + name.replace("_", "-")), f"dest={name!r}", f"action={action!r}"]
        if action in ("store", "append"):
            args.append(f"type={kind!r}")
        lines.append(f"parser.add_option({', '.join(args)}, help={_text(rng)!r})")
    lines.append("options, args = parser.parse_args()")
    return "\n".join(lines) + "\n"


def any_input(rng: random.Random) -> bytes:
    """One fuzz input: a mutated example (most of the time) or a generated program."""
    pick = rng.random()
    if pick < 0.1:
        return argparse_program(rng).encode()
    if pick < 0.15:
        return click_program(rng).encode()
    if pick < 0.2:
        return optparse_program(rng).encode()
    if pick < 0.3:
        return mutate(rng.choice([argparse_program, click_program, optparse_program])(
            rng).encode(), rng)
    return mutate(rng.choice(SEEDS), rng)
