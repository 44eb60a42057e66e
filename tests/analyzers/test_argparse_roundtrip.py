"""Round trip: generated argparse programs, analyzed statically, agree with real argparse.

Only this test executes the generated source (to build the real parser); voodoo never does.
"""

import argparse
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from voodoo.analysis import analyze_source
from voodoo.model import ArgKind, ParamType

NAMES = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
TYPES = {"str": ParamType.STRING, "int": ParamType.INTEGER, "float": ParamType.NUMBER}


@st.composite
def arguments(draw: st.DrawFn) -> str:
    name = draw(NAMES)
    kind = draw(st.sampled_from(["positional", "option", "flag", "count", "append"]))
    if kind == "positional":
        nargs = draw(st.sampled_from([None, "?", "*", "+", 2]))
        extra = f", nargs={nargs!r}" if nargs is not None else ""
        return f"p.add_argument({name!r}{extra})"
    if kind == "flag":
        action = draw(st.sampled_from(["store_true", "store_false"]))
        return f"p.add_argument('--{name}', action={action!r})"
    if kind == "count":
        return f"p.add_argument('-{name[0]}', '--{name}', action='count', default=0)"
    type_name = draw(st.sampled_from(["str", "int", "float"]))
    default = draw(st.one_of(st.none(), st.integers(0, 99).map(str)))
    required = draw(st.booleans())
    action = ", action='append'" if kind == "append" else ""
    return (
        f"p.add_argument('--{name}', type={type_name}, default={default!r}, "
        f"required={required}{action})"
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(arguments(), min_size=1, max_size=6))
def test_matches_real_argparse(lines: list[str]) -> None:
    source = "import argparse\np = argparse.ArgumentParser()\n" + "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, "gen.py", "exec"), namespace)  # the test builds the real parser
    except argparse.ArgumentError:
        return  # conflicting option strings: not a valid program
    real: argparse.ArgumentParser = namespace["p"]
    script = analyze_source(source + "p.parse_args()\n", "gen.py")
    # by dest: a parameter may be renamed (a runner's setting, a Python keyword such as
    # ``in`` -> ``script_in``), its dest is the script's own
    found = {p.dest.replace("-", "_"): p for p in script.commands[0].params}
    actions = {}  # mapping.md: dests sharing a parameter name merge; the first one counts
    merged: dict[str, list[argparse.Action]] = {}
    for action in real._actions:
        if action.dest != "help":
            actions.setdefault(action.dest.replace("-", "_"), action)
            merged.setdefault(action.dest.replace("-", "_"), []).append(action)
    assert list(found) == list(actions)
    for dest, action in actions.items():
        param = found[dest]
        is_positional = not action.option_strings
        assert (param.emit.kind is ArgKind.POSITIONAL) == is_positional
        if action.option_strings:
            longs = [s for s in action.option_strings if s.startswith("--")]
            assert param.emit.option == (longs or action.option_strings)[0]
        default = action.default  # the first action with a dest gives the namespace default
        if isinstance(default, str) and action.type in (int, float):
            default = action.type(default)
        if param.type is ParamType.ARRAY:
            # a scalar default does not fit an array parameter: left out (and reported)
            default = tuple(default) if isinstance(default, list) else None
        assert param.default == default
        many = action.nargs in ("*", "+") or isinstance(action.nargs, int)
        if type(action).__name__ in ("_StoreTrueAction", "_StoreFalseAction"):
            assert param.type is ParamType.BOOLEAN
        elif type(action).__name__ == "_CountAction":
            assert param.type is ParamType.INTEGER
        elif type(action).__name__ == "_AppendAction" or many:
            assert param.type is ParamType.ARRAY
        else:
            expected = TYPES[action.type.__name__] if action.type else ParamType.STRING
            assert param.type is expected
        # mapping.md: a positional is required unless nargs is ?, * or REMAINDER (argparse
        # itself marks nargs="*" required, yet accepts zero values); merged: required if any
        assert param.required == any(_required(a) for a in merged[dest])


def _required(action: argparse.Action) -> bool:
    if not action.option_strings:
        return action.nargs not in ("?", "*", argparse.REMAINDER)
    return action.required
