"""The "Done when" scenario of issue #12: the pack always says what the scripts do, or
``check`` says loudly that it does not.

One repository goes through renames, name collisions, conflicts, a crash, a script that
disappears and comes back, and merges, driven through ``ingest``, ``check``, ``sync`` (the
pre-commit hook's command) and ``watch``'s way of syncing (``ingest`` told which paths
changed). After every step, ``_holds`` asserts the invariant: either ``check`` says in
sync and the pack equals what a fresh ingest of the same scripts writes, except for the
hand edits voodoo has recorded (a file whose manifest entry is the fresh version, or an
action that is no longer voodoo's and is disabled), or ``check`` exits 1 naming each file
that differs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.test_hostile import Killed, _steps
from tests.test_hostile_crashes import _cli
from voodoo.check import check
from voodoo.dormant import DORMANT_PATH
from voodoo.ingest import ChangeKind, ingest
from voodoo.manifest import load as load_manifest
from voodoo.manifest import sha256
from voodoo.session import Session

SCRIPT = """\
import argparse

p = argparse.ArgumentParser(description="{what}")
p.add_argument("--{option}", default="{default}")
args = p.parse_args()
print(vars(args))
"""


def _script(what: str, option: str = "target", default: str = "x") -> str:
    return SCRIPT.format(what=what, option=option, default=default)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".voodoo" not in p.relative_to(root).parts}


class Repo:
    """A source tree, its pack, and a counter for fresh packs to compare with."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.src = tmp_path / "repo/scripts"
        self.src.mkdir(parents=True)
        self.pack = tmp_path / "repo/ops"
        (tmp_path / "repo/pyproject.toml").write_text(
            '[tool.voodoo]\nsources = ["scripts"]\npack = "ops"\n')
        self.fresh_count = 0

    def write(self, rel: str, text: str) -> None:
        path = self.src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def action(self, name: str) -> dict[str, object]:
        data: dict[str, object] = yaml.safe_load(
            (self.pack / f"actions/{name}.yaml").read_text())
        return data

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.pack / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))

    def fresh(self) -> dict[str, bytes]:
        """What a fresh ingest of the same scripts writes (a pack folder of the same name),
        given the person's files: those voodoo no longer owns, and the record of the
        actions disabled while their script is gone (their names stay theirs)."""
        self.fresh_count += 1
        src = self.tmp / f"fresh{self.fresh_count}/scripts"
        shutil.copytree(self.src, src)
        pack = src.parent / "ops"
        owned = load_manifest(self.pack).files
        for rel, data in _files(self.pack).items():
            if rel not in owned and rel != "pack.yaml":
                (pack / rel).parent.mkdir(parents=True, exist_ok=True)
                (pack / rel).write_bytes(data)
        if (self.pack / DORMANT_PATH).exists():
            (pack / DORMANT_PATH).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.pack / DORMANT_PATH, pack / DORMANT_PATH)
        ingest([src], pack)
        return _files(pack)

    def holds(self) -> bool:
        """The invariant; returns whether ``check`` says in sync."""
        fresh = self.fresh()
        now = _files(self.pack)
        manifest = load_manifest(self.pack)
        differs = []
        for rel, data in fresh.items():
            entry = manifest.get(rel)
            if now.get(rel) == data:
                continue
            recorded = (rel in now and entry is not None and entry.hash == sha256(data)
                        and sha256(now[rel]) != entry.hash)
            if rel == "pack.yaml" and rel in now:
                recorded = True  # created once, the person's from then on
            if not recorded:
                differs.append(rel)
        for rel in sorted(set(now) - set(fresh)):
            # no longer voodoo's: a disabled action (its script is gone), or the person's
            disabled = rel.endswith(".yaml") and yaml.safe_load(now[rel]).get("enabled") is False
            if manifest.get(rel) is not None or not (disabled or not rel.endswith(".yaml")):
                differs.append(rel)
        result = check([self.src], self.pack)
        proc = _cli("check", str(self.src), "--pack", str(self.pack))
        assert proc.returncode == result.exit_code, proc.stdout + proc.stderr
        if result.in_sync:
            assert not differs, f"check says in sync, but these differ: {differs}"
            return True
        assert proc.returncode == 1
        shown = proc.stdout + proc.stderr
        for rel in differs:
            name = Path(rel).stem
            assert rel in shown or name in shown or rel.startswith("actions/scripts/"), (
                rel, shown)
        return False

    def ingest(self, *args: str, code: int = 0) -> str:
        proc = _cli("ingest", str(self.src), "--pack", str(self.pack), *args)
        assert proc.returncode == code, proc.stdout + proc.stderr
        return proc.stdout + proc.stderr

    def sync(self, *args: str) -> int:
        return _cli("sync", *args, cwd=self.pack.parent).returncode


def test_the_pack_is_never_silently_wrong(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    r = Repo(tmp_path)
    r.write("a/check.py", _script("Check a host"))
    r.write("deploy.py", _script("Deploy"))
    r.ingest()
    assert r.holds()

    # a hand edit with nothing new from the script: kept, and in sync
    r.edit("actions/deploy.yaml", "description: Deploy", "description: Deploy (mine)")
    assert r.holds()

    # collision: another deploy.py renames the live action; its edits move with it
    r.write("b/deploy.py", _script("Deploy b"))
    assert not r.holds()  # not ingested yet: check names it
    r.ingest()
    assert r.holds()
    names = sorted(p.stem for p in (r.pack / "actions").glob("*.yaml"))
    assert len(names) == 3 and "check" in names
    moved = [n for n in names if r.action(n).get("description") == "Deploy (mine)"]
    assert len(moved) == 1, names
    edited = moved[0]

    # merge: the script changes a field the person did not touch
    r.write("deploy.py", _script("Deploy", default="y"))
    assert not r.holds()
    r.ingest()
    assert r.holds()
    assert r.action(edited)["parameters"] == {"target": {"type": "string", "default": "y"}}
    assert r.action(edited)["description"] == "Deploy (mine)"

    # a field both changed: a conflict until settled, --ours remembered
    r.edit(f"actions/{edited}.yaml", "default: y", "default: mine")
    r.write("deploy.py", _script("Deploy", default="z"))
    r.ingest(code=1)
    assert not r.holds()
    r.ingest(code=1)  # still a conflict
    assert r.sync("--check") == 1
    r.ingest("--ours")
    assert r.holds()
    r.ingest()
    assert r.action(edited)["parameters"] == {"target": {"type": "string", "default": "mine"}}

    # a hand-edited wrapper and an option renamed in the script: loud until --theirs
    r.edit("actions/check.py", "# ", "# edited by hand\n# ")
    r.write("a/check.py", _script("Check a host", option="host"))
    r.ingest(code=1)
    assert not r.holds()
    r.ingest(code=1)
    assert not r.holds()
    r.ingest("--theirs")
    assert r.holds()
    assert "--host" in (r.pack / "actions/check.py").read_text()

    # a crash mid-apply after a script change, then another change: finished, not stale
    r.write("a/check.py", _script("Check a host", option="hosts"))
    with monkeypatch.context() as m:
        _steps(m, kill_at=2)
        with pytest.raises(Killed):
            ingest([r.src], r.pack)
    assert not r.holds()
    r.write("a/check.py", _script("Check a host", option="host"))  # back as it was
    r.holds()  # in sync or named, whichever it is
    r.ingest()
    assert r.holds()

    # disappearance (a branch switch under watch): disabled, then back with its edits
    script = (r.src / "deploy.py").read_text()
    (r.src / "deploy.py").unlink()
    session = Session()  # (as watch holds one)
    gone = ingest([r.src], r.pack, changed=[r.src / "deploy.py"], session=session)
    assert any(ch.kind is ChangeKind.DISABLED for ch in gone.changes), [
        str(c) for c in gone.changes if c.kind is not ChangeKind.UNCHANGED]
    assert r.holds()
    assert r.action(edited)["enabled"] is False
    (r.src / "deploy.py").write_text(script)
    back = ingest([r.src], r.pack, changed=[r.src / "deploy.py"], session=session)
    assert back.work.parsed == ("deploy.py",)  # (the others: as the session's last run saw)
    assert back.exit_code == 0 and any(ch.kind is ChangeKind.RESTORED for ch in back.changes)
    assert r.holds()
    assert r.action(edited)["enabled"] is True
    assert r.action(edited)["description"] == "Deploy (mine)"

    # a rename (same content, another path): the edits follow the new action name
    (r.src / "a").rename(r.src / "health")
    r.ingest()
    assert r.holds()

    # the pre-commit hook's command: nothing to do, in sync
    assert r.sync() == 0 and r.sync("--check") == 0
    assert r.holds()
