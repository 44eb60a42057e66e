"""Temporary disappearance is not deletion (issue #12, item 6).

A branch switch under ``watch`` or the pre-commit hook removes a script and brings it back.
While it is gone, its hand-edited action is disabled (never deleted); once it is back, the
action is enabled again with the person's edits merged with what the script now gives.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.test_hostile_crashes import GOOD, _cli
from voodoo.check import check
from voodoo.ingest import ChangeKind, ingest


def _action(pack: Path, name: str = "tool") -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((pack / f"actions/{name}.yaml").read_text())
    return data


def _edited(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "tool.py").write_text(GOOD)
    (src / "other.py").write_text(GOOD)
    pack = tmp_path / "ops"
    assert ingest([src], pack).exit_code == 0
    path = pack / "actions/tool.yaml"
    path.write_text(path.read_text().replace("runner_type:", "description: mine\nrunner_type:"))
    return src, pack


def test_a_script_that_comes_back_gets_its_action_and_edits_back(tmp_path: Path) -> None:
    src, pack = _edited(tmp_path)
    script = (src / "tool.py").read_text()
    (src / "tool.py").unlink()  # a branch without it
    gone = ingest([src], pack)
    assert [ch.kind for ch in gone.changes if ch.action == "tool"] == [ChangeKind.DISABLED]
    assert _action(pack)["enabled"] is False and _action(pack)["description"] == "mine"
    (src / "tool.py").write_text(script.replace('default="x"', 'default="y"'))  # back
    back = ingest([src], pack)
    assert back.exit_code == 0, [str(c) for c in back.plan.conflicts]
    assert [ch.kind for ch in back.changes if ch.action == "tool"] == [ChangeKind.RESTORED]
    action = _action(pack)
    assert action["enabled"] is True and action["description"] == "mine"  # edits back
    assert action["parameters"] == {"name": {"type": "string", "default": "y"}}  # and news
    assert check([src], pack).in_sync
    proc = _cli("check", str(src), "--pack", str(pack))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # from now on an ordinary hand-edited action: the next script change merges again
    (src / "tool.py").write_text(script.replace('default="x"', 'default="z"'))
    again = ingest([src], pack)
    assert again.exit_code == 0 and _action(pack)["description"] == "mine"
    assert _action(pack)["parameters"] == {"name": {"type": "string", "default": "z"}}


def test_an_action_disabled_by_hand_stays_disabled_when_its_script_comes_back(
        tmp_path: Path) -> None:
    src, pack = _edited(tmp_path)
    path = pack / "actions/tool.yaml"
    path.write_text(path.read_text().replace("enabled: true", "enabled: false"))
    script = (src / "tool.py").read_text()
    (src / "tool.py").unlink()
    ingest([src], pack)
    (src / "tool.py").write_text(script)
    assert ingest([src], pack).exit_code == 0
    assert _action(pack)["enabled"] is False and _action(pack)["description"] == "mine"


def test_a_check_while_it_is_back_but_not_yet_ingested_names_it(tmp_path: Path) -> None:
    src, pack = _edited(tmp_path)
    script = (src / "tool.py").read_text()
    (src / "tool.py").unlink()
    ingest([src], pack)
    (src / "tool.py").write_text(script)
    proc = _cli("check", str(src), "--pack", str(pack))
    assert proc.returncode == 1 and "tool" in proc.stdout, proc.stdout + proc.stderr
    assert _action(pack)["enabled"] is False  # check writes nothing


def test_a_foreign_action_file_is_not_taken_for_a_dormant_one(tmp_path: Path) -> None:
    """Left alone: a file voodoo never disabled is not taken for a dormant action (nor
    overwritten: the script that would have its name gets another one)."""
    src = tmp_path / "src"
    src.mkdir()
    pack = tmp_path / "ops"
    (src / "other.py").write_text(GOOD)
    assert ingest([src], pack).exit_code == 0
    (pack / "actions/tool.yaml").write_text("name: tool\nrunner_type: python-script\n"
                                            "enabled: false\n")
    (src / "tool.py").write_text(GOOD)
    result = ingest([src], pack)
    assert result.exit_code == 0 and result.plan.conflicts == ()
    assert [f.actions for f in result.files if f.relpath == "tool.py"] == [("tool_2",)]
    assert _action(pack)["enabled"] is False
    assert (pack / "actions/tool.yaml").read_text().startswith("name: tool\n")


def test_a_script_gone_for_good_keeps_its_action_disabled(tmp_path: Path) -> None:
    src, pack = _edited(tmp_path)
    (src / "tool.py").unlink()
    for _ in range(2):
        assert ingest([src], pack).exit_code == 0
        assert _action(pack)["enabled"] is False and _action(pack)["description"] == "mine"
    assert check([src], pack).in_sync


def test_a_clashing_script_never_takes_over_the_edits_of_one_that_is_gone(
        tmp_path: Path) -> None:
    """``deploy.py`` and ``b/deploy.py``: the first keeps ``deploy``, edited by hand. When
    it goes, ``b/deploy.py`` must not take the name ``deploy`` (and with it the person's
    edits of the other script's action); when it is back, it gets its action back."""
    src = tmp_path / "src"
    (src / "b").mkdir(parents=True)
    (src / "deploy.py").write_text(GOOD)
    (src / "b/deploy.py").write_text(GOOD.replace('default="x"', 'default="b"'))
    pack = tmp_path / "ops"
    assert ingest([src], pack).exit_code == 0
    names = sorted(p.stem for p in (pack / "actions").glob("*.yaml"))
    assert names == ["b_deploy", "deploy"]
    path = pack / "actions/deploy.yaml"
    path.write_text(path.read_text().replace("runner_type:", "description: mine\nrunner_type:"))
    script = (src / "deploy.py").read_text()
    (src / "deploy.py").unlink()
    gone = ingest([src], pack)
    assert gone.exit_code == 0
    assert _action(pack, "deploy")["enabled"] is False
    assert _action(pack, "deploy")["description"] == "mine"
    b = _action(pack, "b_deploy")
    assert b["enabled"] is True and "description" not in b
    assert b["parameters"] == {"name": {"type": "string", "default": "b"}}
    assert check([src], pack).in_sync
    (src / "deploy.py").write_text(script)
    back = ingest([src], pack)
    assert back.exit_code == 0, [str(c) for c in back.plan.conflicts]
    assert _action(pack, "deploy")["enabled"] is True
    assert _action(pack, "deploy")["description"] == "mine"
    assert "description" not in _action(pack, "b_deploy")
