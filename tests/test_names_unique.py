"""No action is ever lost to a name (issue #12, item 1): one action file per command."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_hostile_crashes import GOOD
from voodoo.ingest import FileStatus, ingest
from voodoo.model import Command
from voodoo.naming import normalize
from voodoo.validate import validate_pack

SUBCOMMANDS = """\
import argparse
p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd")
for word in {words!r}:
    pass
a = sub.add_parser({first!r})
a.add_argument("--one")
b = sub.add_parser({second!r})
b.add_argument("--two")
p.parse_args()
"""


def _actions(pack: Path) -> list[str]:
    return sorted(p.stem for p in (pack / "actions").glob("*.yaml"))


def _write(src: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text)


def test_a_renamed_action_never_overwrites_another(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, {"a/check.py": GOOD, "b/check.py": GOOD, "a_check.py": GOOD})
    pack = tmp_path / "ops"
    result = ingest([src], pack)
    names = [n for f in result.files for n in f.actions]
    assert len(names) == 3 == len(set(names)) == len(_actions(pack)), names
    assert sorted(names) == _actions(pack)
    assert dict((f.relpath, f.actions) for f in result.files)["a_check.py"] == ("a_check",)
    # valid: nothing but the note that pack.yaml has the placeholder email (no git here)
    assert [(p.field, p.severity.value) for p in validate_pack(pack)] == [("email", "warning")]


def test_two_sub_commands_with_one_action_name_get_two_actions(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, {"svc.py": SUBCOMMANDS.format(words=(), first="restart-all",
                                               second="restart_all"),
                 "odd.py": SUBCOMMANDS.format(words=(), first="", second="..")})
    pack = tmp_path / "ops"
    result = ingest([src], pack)
    by_file = {f.relpath: f for f in result.files}
    assert by_file["svc.py"].status is FileStatus.INGESTED
    assert len(by_file["svc.py"].actions) == 2 and len(by_file["odd.py"].actions) == 2
    assert len(_actions(pack)) == 4
    params = {(pack / f"actions/{n}.yaml").read_text().count("one:") for n in
              by_file["svc.py"].actions}
    assert params == {0, 1}  # each action is its own command's


def test_many_scripts_of_one_name_are_reported_once_each_and_briefly(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, {f"d{i:02d}/snippet.py": GOOD for i in range(30)})
    result = ingest([src], tmp_path / "ops")
    notes = [d for f in result.files for d in f.diagnostics if d.code == "action-renamed"]
    assert len(notes) == 30 and len({d.path for d in notes}) == 30
    assert max(len(d.message) for d in notes) < 200, notes[0].message
    assert len(_actions(tmp_path / "ops")) == 30


_word = st.sampled_from(["a", "b", "a-b", "a_b", "check", "x", "", "..", "A", "run"])
_paths = st.lists(st.tuples(st.lists(_word, max_size=3), _word), min_size=1, max_size=12)


def _items(tree: list[tuple[list[str], str]], subs: list[list[str]]
           ) -> list[tuple[str, Command]]:
    items = []
    seen = set()
    for (folders, stem), words in zip(tree, subs, strict=False):
        rel = "/".join([*(f or "_" for f in folders), f"{stem or 'x'}.py"])
        if rel in seen:  # (one file per path)
            continue
        seen.add(rel)
        names = [normalize(stem) or "script"] if not words else [
            "_".join([normalize(stem) or "script", *(w for w in map(normalize, [word]) if w)])
            for word in words]
        items.extend((rel, Command(n, path=(str(i),))) for i, n in enumerate(names))
    return sorted(items, key=lambda item: item[0])


@settings(max_examples=300, deadline=None)
@given(_paths, st.lists(st.lists(_word, max_size=3), min_size=12, max_size=12))
def test_names_are_unique_deterministic_and_reported_once_per_script(
        tree: list[tuple[list[str], str]], subs: list[list[str]]) -> None:
    from voodoo.naming import unique_names

    items = _items(tree, subs)
    names, notes = unique_names(items)
    assert len(names) == len(items) == len(set(names))
    assert (names, notes) == unique_names(items)
    renamed = {rel for (rel, c), n in zip(items, names, strict=True) if n != c.name}
    assert sorted(d.path for d in notes) == sorted(renamed)
    # an unrelated script added changes no other name
    more = sorted([*items, ("zzz/unrelated_tool.py", Command("unrelated_tool"))],
                  key=lambda item: item[0])
    again, _ = unique_names(more)
    after = {(rel, c.path): n for (rel, c), n in zip(more, again, strict=True)}
    assert all(after[(rel, c.path)] == n for (rel, c), n in zip(items, names, strict=True))


def test_hand_edits_move_with_an_action_a_new_clash_renames(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, {"a/deploy.py": GOOD})
    pack = tmp_path / "ops"
    assert ingest([src], pack).exit_code == 0
    action = pack / "actions/deploy.yaml"
    action.write_text(action.read_text().replace("enabled: true",
                                                 "enabled: true\ndescription: edited by hand"))
    _write(src, {"b/deploy.py": GOOD})  # deploy -> a_deploy, and b_deploy
    result = ingest([src], pack)
    assert result.exit_code == 0
    assert _actions(pack) == ["a_deploy", "b_deploy"]
    assert "description: edited by hand" in (pack / "actions/a_deploy.yaml").read_text()
    assert "edited by hand" not in (pack / "actions/b_deploy.yaml").read_text()
    assert [(c.kind, c.action, c.old_action) for c in result.changes
            if c.action == "a_deploy"] == [
        ("renamed", "a_deploy", "deploy")]


HAND_WRITTEN = (
    "name: tool\nrunner_type: local-shell-cmd\nparameters:\n  cmd:\n    default: uptime\n"
)


def test_an_action_a_person_wrote_keeps_its_name(tmp_path: Path) -> None:
    """A script never takes the name of an action voodoo did not write: it is renamed (one
    note), the person's file is left as it is, and both actions exist."""
    src, pack = tmp_path / "src", tmp_path / "ops"
    _write(src, {"other.py": GOOD})
    assert ingest([src], pack).exit_code == 0
    (pack / "actions/tool.yaml").write_text(HAND_WRITTEN)
    _write(src, {"tool.py": GOOD})
    result = ingest([src], pack)
    assert result.exit_code == 0, result.plan.conflicts
    assert _actions(pack) == ["other", "tool", "tool_2"]
    assert (pack / "actions/tool.yaml").read_text() == HAND_WRITTEN
    by_file = {f.relpath: f for f in result.files}
    assert by_file["tool.py"].actions == ("tool_2",)
    renamed = [d for d in by_file["tool.py"].diagnostics if d.code == "action-renamed"]
    assert len(renamed) == 1 and "tool" in renamed[0].message, by_file["tool.py"].diagnostics
    assert ingest([src], pack).exit_code == 0  # stable: the next run changes nothing
    assert _actions(pack) == ["other", "tool", "tool_2"]


def test_without_a_manifest_nothing_is_taken_for_a_persons_action(tmp_path: Path) -> None:
    """Left alone: a pack whose manifest is gone (every file would look hand-written) does
    not rename every action; files that hold what voodoo would write are taken back."""
    src, pack = tmp_path / "src", tmp_path / "ops"
    _write(src, {"tool.py": GOOD})
    assert ingest([src], pack).exit_code == 0
    (pack / ".voodoo/manifest.json").unlink()
    result = ingest([src], pack)
    assert _actions(pack) == ["tool"]
    assert result.exit_code == 0 and result.files[0].actions == ("tool",)
