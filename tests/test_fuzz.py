"""Property-based tests: analysis never raises, is deterministic, and for generated argparse
programs finds exactly the parameters the real parser defines.

The short run is part of the suite; the long one is ``python tests/fuzz/run.py --inputs
100000`` (see that file). Only this test builds a real parser from generated source, in
the test process; voodoo itself never runs what it reads.
"""

from __future__ import annotations

import argparse
import os
import random

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from tests.fidelity import example_count
from tests.fuzz.mutate import SEEDS, argparse_program, click_program, mutate, optparse_program
from voodoo.analysis import analyze_source
from voodoo.model import Script

#: VOODOO_FUZZ_EXAMPLES=5000 for a longer run of these properties (or the long profile,
#: tests/conftest.py)
FUZZ = settings(max_examples=int(os.environ.get("VOODOO_FUZZ_EXAMPLES", example_count(60))),
                deadline=None, suppress_health_check=[HealthCheck.too_slow])
_RNG = st.randoms(use_true_random=False)


def _analyze_twice(data: bytes) -> Script:
    first = analyze_source(data, "fuzz.py")  # raises nothing, whatever the bytes
    assert analyze_source(data, "fuzz.py") == first
    return first


@FUZZ
@given(seed=st.sampled_from(SEEDS), rng=_RNG)
def test_mutated_real_scripts_never_raise_and_are_deterministic(seed: bytes,
                                                                rng: random.Random) -> None:
    script = _analyze_twice(mutate(seed, rng))
    for d in script.diagnostics:
        assert d.path == "fuzz.py" and d.line >= 0 and d.message


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    _analyze_twice(data)


@FUZZ
@given(rng=_RNG)
def test_generated_click_and_optparse_programs_find_every_option(rng: random.Random) -> None:
    for make in (click_program, optparse_program):
        source = make(rng)
        script = _analyze_twice(source.encode())
        expected = source.count("@click.option(") + source.count("parser.add_option(")
        found = sum(len(c.params) for c in script.commands)
        assert found == expected, source


def _real_parser(source: str) -> argparse.ArgumentParser:
    """The program's own parser: the generated source up to parse_args() is plain data."""
    namespace: dict[str, object] = {}
    exec(source.replace("args = parser.parse_args()\n", ""), namespace)  # test only
    parser = namespace["parser"]
    assert isinstance(parser, argparse.ArgumentParser)
    return parser


@FUZZ
@given(rng=_RNG)
def test_generated_argparse_programs_give_the_real_parsers_parameters(
        rng: random.Random) -> None:
    source = argparse_program(rng)
    script = _analyze_twice(source.encode())
    real = [a for a in _real_parser(source)._actions
            if not isinstance(a, argparse._HelpAction)]
    params = {p.dest: p for c in script.commands for p in c.params}
    assert set(params) == {a.dest for a in real}, source
    for action in real:
        param = params[action.dest]
        assert param.required == bool(action.required), (source, action.dest)
        if action.choices is not None:
            # mapping.md: a default outside the choices is allowed too (argparse never
            # checks it), so the enum keeps it
            extra = [] if action.default in (None, *action.choices) else [action.default]
            expected = tuple(dict.fromkeys([*action.choices, *extra]))
            assert param.enum == expected, (source, action.dest)
        if isinstance(action, argparse._StoreAction) and action.default is not None:
            assert param.default == action.default, (source, action.dest)
        assert param.description == (action.help or None) or action.help, (source, action.dest)
