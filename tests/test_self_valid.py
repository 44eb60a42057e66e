"""Generated packs pass their own validation, always (issue #12, item 7).

A value the script gives that the action's own schema would refuse (an empty default for
``nargs="+"``, optparse's ``default=False`` on a string option) is left out with a warning
at its line, never written; ``--name`` gives a pack ``validate`` accepts in place.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.test_hostile_crashes import _cli

ARGPARSE = """\
import argparse

p = argparse.ArgumentParser()
p.add_argument("--hosts", nargs="+", default=[])
p.add_argument("--zones", nargs="+", default=["eu"])
p.add_argument("--level", default="x")
args = p.parse_args()
print("hosts", args.hosts, "zones", args.zones, "level", args.level)
"""

OPTPARSE = """\
from optparse import OptionParser

p = OptionParser()
p.add_option("--mode", dest="mode", default=False)
p.add_option("--tier", dest="tier", default="gold")
opts, args = p.parse_args()
print("mode", opts.mode, "tier", opts.tier)
"""


def _pack(tmp_path: Path, *args: str, pack: str = "ops") -> tuple[Path, str]:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "tool.py").write_text(ARGPARSE)
    (src / "old.py").write_text(OPTPARSE)
    proc = _cli("ingest", str(src), "--pack", str(tmp_path / pack), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp_path / pack, proc.stdout + proc.stderr


def _params(pack: Path, action: str) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((pack / "actions" / f"{action}.yaml").read_text())
    params: dict[str, dict[str, object]] = data["parameters"]
    return params


def test_a_default_the_schema_refuses_is_left_out_with_a_warning(tmp_path: Path) -> None:
    pack, out = _pack(tmp_path)
    hosts = _params(pack, "tool")["hosts"]
    assert "default" not in hosts and hosts["minItems"] == 1  # one value at least, if given
    mode = _params(pack, "old")["mode"]
    assert mode["type"] == "string" and "default" not in mode
    assert "tool.py:4" in out and "hosts" in out, out
    assert "old.py:4" in out and "mode" in out, out
    # what fits is left alone
    assert _params(pack, "tool")["zones"]["default"] == ["eu"]
    assert _params(pack, "tool")["level"]["default"] == "x"
    assert _params(pack, "old")["tier"]["default"] == "gold"
    assert "zones" not in out and "tier" not in out
    proc = _cli("validate", str(pack))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_actions_run_with_the_left_out_values_at_the_scripts_own_default(
        tmp_path: Path) -> None:
    pack, _ = _pack(tmp_path)
    ran = _cli("run", str(pack), "tool")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "hosts [] zones ['eu'] level x" in ran.stdout
    ran = _cli("run", str(pack), "tool", "hosts=a,b")
    assert ran.returncode == 0 and "hosts ['a', 'b']" in ran.stdout, ran.stdout + ran.stderr
    ran = _cli("run", str(pack), "old")
    assert ran.returncode == 0 and "mode False tier gold" in ran.stdout, ran.stdout + ran.stderr


def test_a_pack_named_unlike_its_folder_passes_validate(tmp_path: Path) -> None:
    pack, _ = _pack(tmp_path, "--name", "foo", pack="p2")
    proc = _cli("validate", str(pack))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "is 'foo' but the pack directory" not in proc.stdout + proc.stderr
    assert yaml.safe_load((pack / "pack.yaml").read_text())["ref"] == "foo"
    ran = _cli("run", str(pack), "tool")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    # installed (st2 pack install renames the folder to the ref): still valid
    installed = pack.rename(tmp_path / "foo")
    proc = _cli("validate", str(installed))
    assert proc.returncode == 0 and "differs" not in proc.stdout, proc.stdout + proc.stderr


def test_a_pack_named_like_its_folder_says_its_pack_in_each_action(tmp_path: Path) -> None:
    pack, _ = _pack(tmp_path, "--name", "foo", pack="foo")
    assert yaml.safe_load((pack / "actions/tool.yaml").read_text())["pack"] == "foo"
    assert _cli("validate", str(pack)).returncode == 0


def test_a_literal_raw_tag_in_a_default_is_kept_and_the_pack_validates(tmp_path: Path) -> None:
    """A script whose default holds ``{% raw %}`` itself: written escaped (each endraw split
    across two blocks), kept, and not taken for a default wrapped twice."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "tpl.py").write_text(
        "import argparse\np = argparse.ArgumentParser()\n"
        "p.add_argument('--text', default='{% raw %}x{% endraw %}')\n"
        "print(p.parse_args().text)\n")
    proc = _cli("ingest", str(src), "--pack", str(tmp_path / "ops"))
    assert proc.returncode == 0 and "invalid-metadata" not in proc.stdout, proc.stdout
    assert "default" in _params(tmp_path / "ops", "tpl")["text"]
    proc = _cli("validate", str(tmp_path / "ops"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ran = _cli("run", str(tmp_path / "ops"), "tpl")
    assert ran.returncode == 0 and "{% raw %}x{% endraw %}" in ran.stdout, ran.stdout + ran.stderr
