from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voodoo.errors import ConflictError, LockError, PackError
from voodoo.manifest import MANIFEST_PATH, load, sha256
from voodoo.pack import (
    ConflictKind,
    Plan,
    Reason,
    SourceInfo,
    apply,
    pack_lock,
    plan,
)


def sync(pack_dir: Path, rendered: dict[str, bytes], *, wait: bool = True) -> Plan:
    """What ingest does around the pack: lock it, plan against its manifest, apply."""
    with pack_lock(pack_dir, wait):
        result = plan(pack_dir, rendered, load(pack_dir))
        apply(result, pack_dir)
        return result


V1: dict[str, bytes] = {
    "pack.yaml": b"name: ops\n",
    "README.md": b"# ops\n",
    "requirements.txt": b"requests\n",
    "actions/backup.yaml": b"name: backup\n",
    "actions/backup.py": b"# wrapper\n",
    "actions/scripts/tools/backup.py": b"print('backup')\n",
    "actions/old.yaml": b"name: old\n",
}
#: V1 -> V2: two updates, one add in a new folder, one delete that empties nothing else
V2: dict[str, bytes] = {
    **{k: v for k, v in V1.items() if k != "actions/old.yaml"},
    "README.md": b"# ops v2\n",
    "actions/backup.yaml": b"name: backup\ndescription: v2\n",
    "actions/lib/voodoo_runtime.py": b"# runtime\n",
}


def run(pack: Path, rendered: Mapping[str, bytes], **kwargs: object) -> Plan:
    result = plan(pack, rendered, load(pack), **kwargs)  # type: ignore[arg-type]
    apply(result, pack)
    return result


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (the lock file aside), by relative path."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def generated(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(root).items() if not k.startswith(".voodoo/")}


def test_first_write_creates_every_file_and_the_manifest(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    result = run(pack, V1)
    assert [(w.path, w.reason) for w in result.writes] == [(p, Reason.ADD) for p in sorted(V1)]
    assert generated(pack) == V1
    manifest = load(pack)
    assert set(manifest.files) == set(V1)
    assert manifest.files["actions/backup.yaml"].content == "name: backup\n"
    assert manifest.files["actions/backup.py"].content is None
    assert not list(pack.rglob("*.voodoo-tmp"))


@pytest.mark.parametrize("edit", ["longer", "shorter", "same length"])
def test_a_manifest_file_that_is_not_its_text_is_written_again(tmp_path: Path, edit: str) -> None:
    run(tmp_path, V1)
    path = tmp_path / MANIFEST_PATH
    text = path.read_text()
    edited = {
        "longer": text + "\n",
        "shorter": text.rstrip("\n"),
        "same length": text.replace("{\n  ", "{\n\t ", 1),
    }[edit]
    assert edited != text and json.loads(edited) == json.loads(text)
    assert (len(edited) == len(text)) is (edit == "same length")
    path.write_text(edited)
    run(tmp_path, V1)
    assert path.read_text() == text


def test_same_input_again_changes_nothing(tmp_path: Path) -> None:
    run(tmp_path, V1)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    again = run(tmp_path, V1)
    assert (again.writes, again.deletes, again.conflicts, again.kept) == ((), (), (), ())
    assert again.unchanged == tuple(sorted(V1))
    assert not again.changes
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


def test_untouched_files_are_updated_added_and_deleted(tmp_path: Path) -> None:
    run(tmp_path, V1)
    result = run(tmp_path, V2)
    assert {(w.path, w.reason) for w in result.writes} == {
        ("README.md", Reason.UPDATE),
        ("actions/backup.yaml", Reason.UPDATE),
        ("actions/lib/voodoo_runtime.py", Reason.ADD),
    }
    assert [d.path for d in result.deletes] == ["actions/old.yaml"]
    assert generated(tmp_path) == V2
    assert set(load(tmp_path).files) == set(V2)


def test_deleting_the_last_file_of_a_folder_removes_the_folder(tmp_path: Path) -> None:
    run(tmp_path, {**V1, "actions/extra/x.yaml": b"x\n"})
    run(tmp_path, V1)
    assert not (tmp_path / "actions/extra").exists()
    assert (tmp_path / "actions").is_dir()


def test_hand_edited_file_with_a_new_version_is_a_conflict(tmp_path: Path) -> None:
    run(tmp_path, V1)
    edited = b"name: backup\ndescription: mine\n"
    (tmp_path / "actions/backup.yaml").write_bytes(edited)
    result = run(tmp_path, V2)
    [conflict] = result.conflicts
    assert conflict.path == "actions/backup.yaml"
    assert conflict.kind is ConflictKind.EDITED
    assert (conflict.base, conflict.ours, conflict.theirs) == (
        V1["actions/backup.yaml"],
        edited,
        V2["actions/backup.yaml"],
    )
    assert "changed by hand" in str(conflict)
    assert (tmp_path / "actions/backup.yaml").read_bytes() == edited
    # the manifest still describes what voodoo wrote, so the conflict is stable
    assert load(tmp_path).files["actions/backup.yaml"].hash == sha256(V1["actions/backup.yaml"])
    assert [c.path for c in run(tmp_path, V2).conflicts] == ["actions/backup.yaml"]
    # everything else went ahead
    assert (tmp_path / "README.md").read_bytes() == V2["README.md"]


def test_hand_edited_file_without_a_new_version_is_kept_quietly(tmp_path: Path) -> None:
    run(tmp_path, V1)
    (tmp_path / "README.md").write_bytes(b"# my notes\n")
    result = run(tmp_path, V1)
    assert result.kept == ("README.md",)
    assert (result.writes, result.conflicts) == ((), ())
    assert (tmp_path / "README.md").read_bytes() == b"# my notes\n"


def test_a_python_file_edited_by_hand_is_a_conflict_without_a_base(tmp_path: Path) -> None:
    run(tmp_path, V1)
    (tmp_path / "actions/backup.py").write_bytes(b"# mine\n")
    [conflict] = run(tmp_path, {**V1, "actions/backup.py": b"# wrapper v2\n"}).conflicts
    assert (conflict.kind, conflict.base) == (ConflictKind.EDITED, None)
    assert (tmp_path / "actions/backup.py").read_bytes() == b"# mine\n"


def test_foreign_file_where_voodoo_writes_is_a_conflict(tmp_path: Path) -> None:
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions/backup.yaml").write_bytes(b"name: theirs\n")
    result = run(tmp_path, V1)
    [conflict] = result.conflicts
    assert (conflict.kind, conflict.base, conflict.ours) == (
        ConflictKind.FOREIGN,
        None,
        b"name: theirs\n",
    )
    assert (tmp_path / "actions/backup.yaml").read_bytes() == b"name: theirs\n"
    assert "actions/backup.yaml" not in load(tmp_path).files


def test_foreign_file_identical_to_the_rendering_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes(V1["README.md"])
    result = run(tmp_path, V1)
    assert "README.md" in result.unchanged
    assert "README.md" in load(tmp_path).files


def test_pack_yaml_is_created_once_and_never_overwritten(tmp_path: Path) -> None:
    run(tmp_path, V1)
    run(tmp_path, {**V1, "pack.yaml": b"name: ops\nversion: 2.0.0\n"})
    assert (tmp_path / "pack.yaml").read_bytes() == V1["pack.yaml"]
    (tmp_path / "pack.yaml").write_bytes(b"name: ops\nauthor: me\n")
    result = run(tmp_path, {**V1, "pack.yaml": b"name: ops\nversion: 3.0.0\n"})
    assert result.kept == ("pack.yaml",)
    assert result.conflicts == ()
    assert (tmp_path / "pack.yaml").read_bytes() == b"name: ops\nauthor: me\n"
    (tmp_path / "pack.yaml").unlink()
    run(tmp_path, V1)
    assert (tmp_path / "pack.yaml").read_bytes() == V1["pack.yaml"]


def test_pack_yaml_no_longer_rendered_is_not_deleted(tmp_path: Path) -> None:
    run(tmp_path, V1)
    result = run(tmp_path, {k: v for k, v in V1.items() if k != "pack.yaml"})
    assert result.deletes == ()
    assert (tmp_path / "pack.yaml").read_bytes() == V1["pack.yaml"]
    assert "pack.yaml" not in load(tmp_path).files


def test_existing_user_pack_yaml_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_bytes(b"name: theirs\n")
    result = run(tmp_path, V1)
    assert result.kept == ("pack.yaml",)
    assert result.conflicts == ()
    assert (tmp_path / "pack.yaml").read_bytes() == b"name: theirs\n"


def test_file_no_longer_rendered_but_edited_is_left_and_released(tmp_path: Path) -> None:
    run(tmp_path, V1)
    (tmp_path / "actions/old.yaml").write_bytes(b"name: old\n# mine\n")
    result = run(tmp_path, V2)
    [conflict] = result.conflicts
    assert (conflict.path, conflict.kind, conflict.theirs) == (
        "actions/old.yaml",
        ConflictKind.ORPHANED,
        None,
    )
    assert result.deletes == ()
    assert (tmp_path / "actions/old.yaml").read_bytes() == b"name: old\n# mine\n"
    assert "actions/old.yaml" not in load(tmp_path).files
    assert run(tmp_path, V2).conflicts == ()  # reported once: the file is the user's now


def test_generated_file_deleted_by_hand_is_written_again(tmp_path: Path) -> None:
    run(tmp_path, V1)
    (tmp_path / "actions/backup.py").unlink()
    result = run(tmp_path, V1)
    assert [(w.path, w.reason) for w in result.writes] == [("actions/backup.py", Reason.ADD)]
    assert generated(tmp_path) == V1


def test_sources_are_recorded(tmp_path: Path) -> None:
    info = SourceInfo("tools/backup.py", sha256(b"print('backup')\n"))
    run(tmp_path, V1, sources={"actions/scripts/tools/backup.py": info})
    entry = load(tmp_path).files["actions/scripts/tools/backup.py"]
    assert (entry.source, entry.source_hash, entry.content) == (info.source, info.hash, None)


def test_files_of_a_source_that_cannot_be_analyzed_now_are_kept(tmp_path: Path) -> None:
    backup = SourceInfo("tools/backup.py", "0" * 64)
    paths = ("actions/backup.yaml", "actions/backup.py", "actions/scripts/tools/backup.py")
    run(tmp_path, V1, sources=dict.fromkeys(paths, backup))
    without = {k: v for k, v in V1.items() if k not in paths}
    result = run(tmp_path, without, keep_sources={"tools/backup.py"})
    assert sorted(result.kept) == sorted(paths)
    assert [d.path for d in result.deletes] == []
    assert generated(tmp_path) == V1
    assert set(paths) <= set(load(tmp_path).files)
    # Once the script is gone for good (not kept), its files go too.
    result = run(tmp_path, without)
    assert sorted(d.path for d in result.deletes) == sorted(paths)


def test_a_resolved_conflict_is_merged_and_its_base_is_what_voodoo_generated(
    tmp_path: Path,
) -> None:
    run(tmp_path, V1)
    (tmp_path / "actions/backup.yaml").write_bytes(b"name: backup\ntags: [mine]\n")
    planned = plan(tmp_path, V2, load(tmp_path))
    merged = b"name: backup\ndescription: v2\ntags: [mine]\n"
    resolved = planned.resolve("actions/backup.yaml", merged)
    assert resolved.conflicts == ()
    assert resolved.writes[-1].reason is Reason.MERGE
    apply(resolved, tmp_path)
    assert (tmp_path / "actions/backup.yaml").read_bytes() == merged
    entry = load(tmp_path).files["actions/backup.yaml"]
    assert entry.base == V2["actions/backup.yaml"]
    again = run(tmp_path, V2)
    assert again.kept == ("actions/backup.yaml",)  # the merge is the user's, nothing new
    with pytest.raises(ValueError, match="no resolvable conflict"):
        planned.resolve("README.md", b"")


def test_a_file_changed_between_plan_and_apply_is_not_overwritten(tmp_path: Path) -> None:
    run(tmp_path, V1)
    planned = plan(tmp_path, V2, load(tmp_path))
    (tmp_path / "README.md").write_bytes(b"# typed meanwhile\n")
    with pytest.raises(ConflictError, match=r"README\.md: changed on disk"):
        apply(planned, tmp_path)
    assert (tmp_path / "README.md").read_bytes() == b"# typed meanwhile\n"


@pytest.mark.parametrize(
    "relpath",
    ["../x", "/etc/x", "a/../b", "./a", "a//b", "a\\b", "", ".voodoo/manifest.json"],
)
def test_paths_outside_the_pack_are_refused_before_anything_is_written(
    tmp_path: Path, relpath: str
) -> None:
    pack = tmp_path / "pack"
    with pytest.raises(PackError, match="path"):
        plan(pack, {**V1, relpath: b"x"}, load(pack))
    assert tree(tmp_path) == {}


def test_symlinked_folder_leading_out_of_the_pack_is_refused(tmp_path: Path) -> None:
    pack, outside = tmp_path / "pack", tmp_path / "outside"
    pack.mkdir()
    outside.mkdir()
    (pack / "actions").symlink_to(outside)
    with pytest.raises(PackError, match="symlink"):
        plan(pack, V1, load(pack))
    assert tree(outside) == {}
    assert tree(pack) == {}


def test_symlink_created_after_planning_is_still_refused(tmp_path: Path) -> None:
    pack, outside = tmp_path / "pack", tmp_path / "outside"
    outside.mkdir()
    planned = plan(pack, V1, load(pack))
    pack.mkdir()
    (pack / "actions").symlink_to(outside)
    with pytest.raises(PackError, match="symlink"):
        apply(planned, pack)
    assert tree(outside) == {}


def test_malicious_manifest_entries_delete_nothing_outside(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me\n")
    run(pack, V1)
    manifest = (pack / MANIFEST_PATH).read_text()
    victim_hash = sha256(victim.read_bytes())
    evil = f'"../victim.txt": {{"hash": "{victim_hash}", "source": null}},'
    (pack / MANIFEST_PATH).write_text(manifest.replace('"files": {', '"files": {' + evil, 1))
    with pytest.raises(PackError, match=re.escape("'../victim.txt'")):
        run(pack, {})
    assert victim.read_bytes() == b"keep me\n"
    assert generated(pack) == V1


def test_a_file_and_a_folder_of_the_same_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="both as a file and as a folder"):
        plan(tmp_path, {"actions": b"x", "actions/a.yaml": b"y"}, load(tmp_path))


def test_a_folder_where_a_file_goes_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").mkdir()
    with pytest.raises(PackError, match=r"README\.md: a folder stands"):
        plan(tmp_path, V1, load(tmp_path))


# --- crash safety ---------------------------------------------------------------------


class Killed(Exception):
    """Stands for the process dying at a checkpoint."""


def killer(at: int) -> tuple[list[str], object]:
    seen: list[str] = []

    def checkpoint(relpath: str) -> None:
        if len(seen) == at:
            raise Killed(relpath)
        seen.append(relpath)

    return seen, checkpoint


STEPS_V1_TO_V2 = 5  # three writes, one delete, the manifest


def test_the_v1_to_v2_run_has_the_expected_number_of_steps(tmp_path: Path) -> None:
    run(tmp_path, V1)
    seen, checkpoint = killer(at=-1)
    apply(plan(tmp_path, V2, load(tmp_path)), tmp_path, checkpoint=checkpoint)  # type: ignore[arg-type]
    assert len(seen) == STEPS_V1_TO_V2
    assert seen[-1] == MANIFEST_PATH


@pytest.mark.parametrize("k", range(STEPS_V1_TO_V2))
def test_a_run_killed_at_any_step_is_repaired_by_the_next(tmp_path: Path, k: int) -> None:
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    run(clean, V1)
    shutil.copytree(clean, crashed)
    run(clean, V2)

    _, checkpoint = killer(at=k)
    with pytest.raises(Killed):
        apply(plan(crashed, V2, load(crashed)), crashed, checkpoint=checkpoint)  # type: ignore[arg-type]
    assert not list(crashed.rglob("*.voodoo-tmp"))
    repair = run(crashed, V2)
    assert repair.conflicts == ()
    assert tree(crashed) == tree(clean)
    assert not run(crashed, V2).changes


@pytest.mark.parametrize("k", range(len(V1) + 1))
def test_a_first_run_killed_at_any_step_is_repaired_by_the_next(tmp_path: Path, k: int) -> None:
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    run(clean, V1)
    _, checkpoint = killer(at=k)
    with pytest.raises(Killed):
        apply(plan(crashed, V1, load(crashed)), crashed, checkpoint=checkpoint)  # type: ignore[arg-type]
    assert run(crashed, V1).conflicts == ()
    assert tree(crashed) == tree(clean)


def test_temporary_files_left_by_a_killed_process_are_removed(tmp_path: Path) -> None:
    run(tmp_path, V1)
    stale = tmp_path / "actions/.backup.yaml.abc123.voodoo-tmp"
    stale.write_bytes(b"half")
    other = tmp_path / "actions/.backup.yaml.keep"
    other.write_bytes(b"not ours")
    # the folder is swept once per run: a stale file of one not written now goes too
    unrelated = tmp_path / "actions/.gone.yaml.zz9.voodoo-tmp"
    unrelated.write_bytes(b"half")
    elsewhere = tmp_path / "untouched/.x.yaml.abc.voodoo-tmp"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"half")
    run(tmp_path, V2)
    assert not stale.exists() and not unrelated.exists()
    assert other.read_bytes() == b"not ours"
    assert elsewhere.exists()  # a folder voodoo does not write into is not listed


@settings(max_examples=40, deadline=None)
@given(
    renders=st.lists(
        st.dictionaries(
            st.sampled_from(["pack.yaml", "a.yaml", "actions/b.yaml", "actions/lib/c.py",
                             "actions/scripts/x/d.py", "README.md"]),
            st.binary(max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)  # fmt: skip
def test_any_sequence_of_renders_converges(renders: list[dict[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pack = Path(tmp) / "pack"
        created: dict[str, bytes] = {}  # pack.yaml: created once, then the user's
        for rendered in renders:
            result = run(pack, rendered)
            assert result.conflicts == ()
            if "pack.yaml" in rendered:
                created.setdefault("pack.yaml", rendered["pack.yaml"])
            assert generated(pack) == {**rendered, **created}
            assert not run(pack, rendered).changes


@pytest.mark.parametrize(
    ("code", "text"), [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "No space")]
)
def test_a_disk_refusing_writes_is_a_clear_error_and_the_pack_is_untouched(
    tmp_path: Path, code: int, text: str
) -> None:
    run(tmp_path, V1)
    before = tree(tmp_path)

    def refuse(relpath: str) -> None:
        raise OSError(code, os.strerror(code))

    with pytest.raises(PackError) as info:
        apply(plan(tmp_path, V2, load(tmp_path)), tmp_path, checkpoint=refuse)
    message = str(info.value)
    assert message.startswith("README.md: cannot change the pack: ")
    assert text in message
    assert errno.errorcode[code] in message
    assert tree(tmp_path) == before
    assert not (tmp_path / "actions/lib").exists()  # the folder it made for nothing is gone


def test_a_fresh_pack_that_cannot_be_written_leaves_no_folders(tmp_path: Path) -> None:
    def refuse(relpath: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(PackError, match="No space"):
        apply(
            plan(tmp_path / "pack", V1, load(tmp_path / "pack")),
            tmp_path / "pack",
            checkpoint=refuse,
        )
    assert not (tmp_path / "pack").exists()


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file modes"
)
def test_a_read_only_pack_is_a_clear_error_and_untouched(tmp_path: Path) -> None:
    run(tmp_path / "pack", V1)
    before = tree(tmp_path / "pack")
    folders = [tmp_path / "pack", *(p for p in (tmp_path / "pack").rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(0o555)
    try:
        with pytest.raises(PackError, match="Permission denied"):
            apply(plan(tmp_path / "pack", V2, load(tmp_path / "pack")), tmp_path / "pack")
        assert tree(tmp_path / "pack") == before
    finally:
        for folder in folders:
            folder.chmod(0o755)


# --- the lock -------------------------------------------------------------------------


def test_a_second_writer_without_waiting_gets_a_lock_error(tmp_path: Path) -> None:
    with pack_lock(tmp_path, wait=False):
        busy = "another voodoo process is writing this pack"
        with pytest.raises(LockError, match=busy), pack_lock(tmp_path, wait=False):
            pass  # pragma: no cover
        with pytest.raises(LockError):
            sync(tmp_path, V1, wait=False)
    assert generated(tmp_path) == {}
    with pack_lock(tmp_path, wait=False):  # released
        pass


def test_a_waiting_writer_runs_after_the_first_one(tmp_path: Path) -> None:
    order: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with pack_lock(tmp_path):
            holding.set()
            time.sleep(0.2)
            order.append("first")

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait()
    with pack_lock(tmp_path, wait=True):
        order.append("second")
    thread.join()
    assert order == ["first", "second"]


def test_two_threads_syncing_one_pack_converge(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def writer(rendered: dict[str, bytes]) -> None:
        try:
            sync(tmp_path, rendered)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(r,)) for r in (V1, V1, V1, V1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert generated(tmp_path) == V1


def test_the_lock_excludes_another_process(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from voodoo.pack import pack_lock\n"
        "with pack_lock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True); time.sleep(5)\n"
    )
    root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        stdout=subprocess.PIPE,
        cwd=root,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "locked\n"
        with pytest.raises(LockError), pack_lock(tmp_path, wait=False):
            pass  # pragma: no cover
    finally:
        child.kill()
        child.wait()
        assert child.stdout is not None
        child.stdout.close()
    with pack_lock(tmp_path, wait=False):  # the dead process's lock is gone
        pass
