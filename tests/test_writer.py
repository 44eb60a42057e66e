"""One writer (issue #14, item 3): every file voodoo writes in a pack goes through
``voodoo._writer``, and for each kind of file (rendered files through ``pack.apply``, the
manifest, the cache, ``dormant.json``, the run log, the lock) that means:

- atomic: a write that fails between writing and replacing leaves the old file whole,
  and no temporary file;
- a run killed in the middle leaves a temporary file, which the next run removes;
- a file, or a folder on its way, that is a symlink leading outside the pack is refused,
  and nothing is written outside.

Plus: no other module of the package writes files or emits YAML by itself.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_hostile_escapes import _untouched, _victim
from voodoo import _writer, cache, dormant
from voodoo._yamlsafe import dump_yaml
from voodoo.errors import ActionError, ConflictError, PackError
from voodoo.ingest import ingest
from voodoo.local.execute import LOG_NAME, Execution, append_log, history
from voodoo.manifest import MANIFEST_PATH, PENDING_PATH
from voodoo.manifest import load as load_manifest
from voodoo.pack import LOCK_PATH, apply, pack_lock, plan

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """\
import argparse
p = argparse.ArgumentParser(description="Back up a folder.")
p.add_argument("--retries", type=int, default=3)
p.parse_args()
"""


def _target_of(temp: str) -> str:
    """The file a temporary file (a pack-relative path) was written for."""
    folder, _, name = temp.rpartition("/")
    target = name[1:].rsplit(".", 2)[0]  # .<name>.<random>.voodoo-tmp
    return f"{folder}/{target}" if folder else target


def _temps(pack: Path) -> list[str]:
    return sorted(p.relative_to(pack).as_posix() for p in pack.rglob(f"*{_writer.TEMP_SUFFIX}"))


def _ingested(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "backup.py").write_text(SCRIPT)
    pack = tmp_path / "ops"
    assert ingest([src], pack).exit_code == 0
    return src, pack


def _full_cache(pack: Path) -> cache.Cache:
    """The pack's cache with every entry whole again, so that saving writes each
    analysis."""
    loaded = cache.load(pack)
    full = {}
    for rel, entry in loaded.scripts.items():
        script = cache.analysis(pack, rel, entry)
        assert script is not None
        full[rel] = dataclasses.replace(entry, script=script, full=True, encoded=None)
    return dataclasses.replace(loaded, scripts=full, lines={})


def _state(pack: Path) -> dict[str, bytes]:
    """The files of the pack (the lock aside), by path."""
    return {
        p.relative_to(pack).as_posix(): p.read_bytes()
        for p in sorted(pack.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != "lock"
    }


def _fail_replace(monkeypatch: pytest.MonkeyPatch, suffix: str = "") -> list[str]:
    """From now on ``os.replace`` of a path ending with ``suffix`` fails (a full disk, say),
    once the data is written and fsynced; the targets it failed for."""
    targets: list[str] = []
    real = os.replace

    def replace(src: str, dst: str) -> None:
        if os.fspath(dst).endswith(suffix):
            targets.append(os.fspath(dst))
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return targets


# --- atomic: a failed write leaves the old file whole, and no temporary file --------------


def test_a_failed_apply_leaves_the_rendered_files_and_the_manifest_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pack = _ingested(tmp_path)
    before = _state(pack)
    rendered = {"actions/backup.yaml": b"changed\n", "actions/new.yaml": b"new\n"}
    the_plan = plan(pack, rendered, load_manifest(pack))
    _fail_replace(monkeypatch, "backup.yaml")
    with pytest.raises(PackError, match="No space left"):
        apply(the_plan, pack)
    assert _state(pack) == before and _temps(pack) == []
    # the manifest, written last, just the same
    monkeypatch.undo()
    _fail_replace(monkeypatch, MANIFEST_PATH)
    with pytest.raises(PackError, match="No space left"):
        apply(the_plan, pack)
    assert (pack / "actions/new.yaml").read_bytes() == b"new\n"  # (the next run adopts it)
    assert (pack / MANIFEST_PATH).read_bytes() == before[MANIFEST_PATH]
    assert _temps(pack) == []


def test_a_failed_cache_save_leaves_the_cache_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pack = _ingested(tmp_path)
    full = _full_cache(pack)
    before = _state(pack)
    failing_replace = _fail_replace(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        cache.save(pack, full, [])
    assert failing_replace and "/analyses/" in failing_replace[0]
    assert _state(pack) == before and _temps(pack) == []


def test_a_failed_dormant_save_leaves_the_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "ops"
    (pack / ".voodoo").mkdir(parents=True)
    (pack / dormant.DORMANT_PATH).write_text("before\n")
    record = {"actions/a.yaml": dormant.Dormant("base", True, "a.py")}
    failing_replace = _fail_replace(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        dormant.save(pack, record, was={})
    assert failing_replace == [str((pack / dormant.DORMANT_PATH).resolve())]
    assert (pack / dormant.DORMANT_PATH).read_text() == "before\n" and _temps(pack) == []


def _batch(n: int) -> list[tuple[str, bytes]]:
    return [(f"d{i % 3}/f{i}", f"file {i}\n".encode()) for i in range(n)]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_a_batch_whose_write_ahead_fails_stops_there_with_no_temporary_file_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # f12's temporary file fails in a thread while later ones are being written ahead
    real = _writer._temporary

    def temporary(target: Path, data: bytes) -> str:
        if target.name == "f12":
            raise OSError(28, "No space left on device")
        return real(target, data)

    monkeypatch.setattr(_writer, "_temporary", temporary)
    done: list[str] = []
    with pytest.raises(OSError, match="No space left"):
        _writer.replace_all(tmp_path, _batch(40), folders=_writer.Folders(), done=done)
    replaced = [path for path, _ in _batch(12)]
    assert done == replaced  # in order, up to the failure and not beyond
    assert _files(tmp_path) == sorted(replaced)  # no temporary file, nothing after f11
    assert all((tmp_path / p).read_bytes() == data for p, data in _batch(12))


def test_a_batch_stopped_by_its_check_leaves_no_temporary_file(tmp_path: Path) -> None:
    def check(target: Path, relpath: str) -> None:
        assert target == tmp_path / relpath
        if relpath == "d2/f5":
            raise ConflictError("changed on disk", path=relpath)

    done: list[str] = []
    with pytest.raises(ConflictError):
        _writer.replace_all(
            tmp_path, _batch(30), folders=_writer.Folders(), check=check, done=done
        )
    assert done == [path for path, _ in _batch(5)]
    assert _files(tmp_path) == sorted(done)


def test_a_batch_replaces_every_file_in_order_each_after_its_check(tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []
    done: list[str] = []

    def check(target: Path, relpath: str) -> None:
        seen.append(("check", relpath))
        assert not target.exists()  # (checked before it is replaced)

    def before(relpath: str) -> Callable[[], None]:
        return lambda: seen.append(("replace", relpath))

    batch = _batch(50)
    folders = _writer.Folders()
    _writer.replace_all(tmp_path, batch, folders=folders, check=check, before=before, done=done)
    folders.sync()
    assert done == [path for path, _ in batch]
    assert seen == [(step, path) for path, _ in batch for step in ("check", "replace")]
    assert {p: (tmp_path / p).read_bytes() for p, _ in batch} == dict(batch)
    assert _files(tmp_path) == sorted(done)


# --- a killed run leaves a temporary file; the next run removes it ------------------------

#: Runs ``{code}`` in a new process that kills itself (SIGKILL: no cleanup runs) at its
#: ``{at}``-th ``os.replace``, after the temporary file is written and fsynced.
_KILLED = """\
import os, signal, sys
from pathlib import Path
calls = 0
real = os.replace
def replace(src, dst):
    global calls
    calls += 1
    if calls == {at}:
        print(dst, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
os.replace = replace
{code}
"""


def _killed_at(at: int, code: str) -> str:
    """The path the process was replacing when it was killed."""
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED.format(at=at, code=code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return proc.stdout.strip()


def _replaced(pack: Path, run: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets ``run`` replaces, in order."""
    targets: list[str] = []
    real = os.replace

    def replace(src: str, dst: str) -> None:
        targets.append(Path(dst).relative_to(pack.resolve()).as_posix())
        real(src, dst)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", replace)
        run()
    return targets


def test_an_ingest_killed_at_any_write_leaves_temporary_files_the_next_run_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, pack = _ingested(tmp_path)
    (src / "backup.py").write_text(SCRIPT.replace("default=3", "default=4"))
    (src / "restore.py").write_text(SCRIPT.replace("Back up", "Restore"))
    original = tmp_path / "original"
    shutil.copytree(pack, original)
    targets = _replaced(pack, lambda: ingest([src], pack), monkeypatch)
    # rendered files, the manifest and every layer of the cache are among them
    assert "actions/restore.yaml" in targets and MANIFEST_PATH in targets
    assert {cache.SCRIPTS_PATH, cache.INDEX_PATH} <= set(targets)
    assert any(t.startswith(cache.ANALYSES_DIR) for t in targets)
    clean = _state(pack)
    code = "from voodoo.ingest import ingest\n" f"ingest([Path({str(src)!r})], Path({str(pack)!r}))"
    for at, target in enumerate(targets, start=1):
        shutil.rmtree(pack)
        shutil.copytree(original, pack)
        killed = _killed_at(at, code)
        assert Path(killed).relative_to(pack.resolve()).as_posix() == target
        # the file being replaced left its temporary file, and so did the few written
        # ahead of it (``_writer.AHEAD``): files not replaced yet, none replaced before it
        left = [_target_of(t) for t in _temps(pack)]
        assert target in left and set(left) <= set(targets[at - 1 :]), (target, left)
        assert len(left) <= 1 + _writer.AHEAD
        ingest([src], pack)
        assert _temps(pack) == [], target
        assert _state(pack) == clean, target


def test_a_killed_cache_save_leaves_temporary_files_the_next_save_removes(tmp_path: Path) -> None:
    _, pack = _ingested(tmp_path)
    code = (
        "import dataclasses\nfrom voodoo import cache\n"
        f"pack = Path({str(pack)!r})\n"
        "loaded = cache.load(pack)\n"
        "rel, entry = next(iter(loaded.scripts.items()))\n"
        "full = dataclasses.replace(entry, script=cache.analysis(pack, rel, entry), full=True,"
        " encoded=None)\n"
        "cache.save(pack, dataclasses.replace(loaded, scripts={rel: full}, lines={}), [])\n"
    )
    for at, layer in enumerate(("analyses/", "scripts.json", "index.json"), start=1):
        killed = Path(_killed_at(at, code))
        assert layer in killed.as_posix()
        # each run leaves the one it was writing; the one the run before left is gone
        left = _temps(pack)
        assert len(left) == 1 and Path(left[0]).name.startswith(f".{killed.name}.")
    cache.save(pack, _full_cache(pack), [])
    assert _temps(pack) == []


def test_a_killed_dormant_save_leaves_a_temporary_file_the_next_save_removes(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "ops"
    code = (
        "from voodoo import dormant\n"
        f"dormant.save(Path({str(pack)!r}), "
        "{'actions/a.yaml': dormant.Dormant('base', True, 'a.py')}, was={})\n"
    )
    _killed_at(1, code)
    assert [Path(t).parent.name for t in _temps(pack)] == [".voodoo"]
    assert not (pack / dormant.DORMANT_PATH).exists()
    record = {"actions/b.yaml": dormant.Dormant("base", False, "b.py")}
    dormant.save(pack, record, was={})
    assert _temps(pack) == [] and dormant.load(pack) == record


def test_the_temporary_files_older_versions_left_in_the_state_folder_are_removed(
    tmp_path: Path,
) -> None:
    _, pack = _ingested(tmp_path)
    old = [  # the cache and dormant.json wrote ".<name>.<8 random>.tmp" and left them
        pack / ".voodoo/cache/.index.json.k2x_9abc.tmp",
        pack / ".voodoo/cache/analyses/.0123abcd.json.zzzz1234.tmp",
        pack / ".voodoo/.dormant.json.a1b2c3d4.tmp",
    ]
    kept = [  # not voodoo's: another name, or a folder of the pack a person owns
        pack / ".voodoo/cache/notes.tmp",
        pack / "actions/.backup.yaml.k2x_9abc.tmp",
    ]
    for path in old + kept:
        path.write_text("half")
    cache.save(pack, _full_cache(pack), [])
    dormant.save(pack, {"actions/a.yaml": dormant.Dormant("b", True, "a.py")}, was={})
    assert [p for p in old if p.exists()] == []
    assert all(p.read_text() == "half" for p in kept)


# --- durable: cache.save fsyncs what it writes, like every other writer ------------------


def _fsyncs_and_replaces(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """From now on, each fsync (the path of its descriptor) and each os.replace ("src\\0dst"),
    in the order they happen (fsyncs come from the writer's threads too: list.append is
    atomic)."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", f"{src}\0{dst}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_cache_save_fsyncs_each_file_before_replacing_it_and_its_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pack = _ingested(tmp_path)
    full = _full_cache(pack)
    events = _fsyncs_and_replaces(monkeypatch)
    cache.save(pack, full, [])
    replaces = [(i, *e[1].split("\0")) for i, e in enumerate(events) if e[0] == "replace"]
    assert len(replaces) == 3  # the analysis, scripts.json, index.json
    for i, src, dst in replaces:
        assert ("fsync", src) in events[:i], dst
        assert ("fsync", str(Path(dst).parent)) in events[i:], dst


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_apply_fsyncs_each_file_written_ahead_before_replacing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pack = _ingested(tmp_path)
    rendered = {f"actions/extra{i}.yaml": f"n: {i}\n".encode() for i in range(40)}
    the_plan = plan(pack, rendered, load_manifest(pack))
    events = _fsyncs_and_replaces(monkeypatch)
    apply(the_plan, pack)
    replaces = [(i, *e[1].split("\0")) for i, e in enumerate(events) if e[0] == "replace"]
    targets = [Path(dst).relative_to(pack.resolve()).as_posix() for _, _, dst in replaces]
    # the pending entries first, then the files in the plan's order, the manifest last
    assert targets == [PENDING_PATH, *sorted(rendered), MANIFEST_PATH]
    for i, src, dst in replaces:
        assert ("fsync", src) in events[:i], dst
    # each folder written is fsynced after its last file, before the manifest is replaced
    last = replaces[-1][0]
    assert ("fsync", str(pack.resolve() / "actions")) in events[replaces[-2][0] : last]


# --- nothing outside the pack ----------------------------------------------------------------


def test_a_rendered_file_or_folder_symlinked_outside_is_refused(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    _, pack = _ingested(tmp_path)
    target = pack / "actions/backup.yaml"
    the_plan = plan(pack, {"actions/backup.yaml": b"changed\n"}, load_manifest(pack))
    target.unlink()
    target.symlink_to(victim / "keep.txt")
    with pytest.raises(PackError, match="leads outside"):
        apply(the_plan, pack)
    target.unlink()
    (pack / "actions").rename(pack / "moved")
    (pack / "actions").symlink_to(victim)
    with pytest.raises(PackError, match="leads outside"):
        apply(the_plan, pack)
    with pytest.raises(PackError, match="leads outside"):
        _writer.replace(pack.resolve(), "actions/new.yaml", b"x")
    _untouched(victim)


@pytest.mark.parametrize("link", [MANIFEST_PATH, ".voodoo"])
def test_a_manifest_or_state_folder_symlinked_outside_is_refused(
    tmp_path: Path, link: str
) -> None:
    victim = _victim(tmp_path)
    _, pack = _ingested(tmp_path)
    the_plan = plan(pack, {"actions/backup.yaml": b"changed\n"}, load_manifest(pack))
    if link == ".voodoo":
        shutil.rmtree(pack / link)
    else:
        (pack / link).unlink()
    (pack / link).symlink_to(victim / ("keep.txt" if link == MANIFEST_PATH else ""))
    with pytest.raises(PackError, match="leads outside"):
        apply(the_plan, pack)
    _untouched(victim)


@pytest.mark.parametrize(
    "link", [cache.INDEX_PATH, cache.SCRIPTS_PATH, cache.ANALYSES_DIR, cache.CACHE_DIR]
)
def test_a_cache_file_or_folder_symlinked_outside_is_refused(tmp_path: Path, link: str) -> None:
    victim = _victim(tmp_path)
    _, pack = _ingested(tmp_path)
    full = _full_cache(pack)
    path = pack / link
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    path.symlink_to(victim / "created-by-voodoo")  # (dangling: a write would create it)
    with pytest.raises(PackError, match="leads outside"):
        cache.save(pack, full, [])
    _untouched(victim)


@pytest.mark.parametrize("link", [cache.INDEX_PATH, cache.ANALYSES_DIR])
def test_a_cache_file_or_folder_symlinked_within_the_pack_is_refused_too(
    tmp_path: Path, link: str
) -> None:
    _, pack = _ingested(tmp_path)
    full = _full_cache(pack)
    path = pack / link
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    # the cache removes the files it does not know from analyses/: here, every action
    path.symlink_to(pack / ("actions" if link == cache.ANALYSES_DIR else "pack.yaml"))
    before = _state(pack)
    with pytest.raises(PackError, match="is a symlink"):
        cache.save(pack, full, [])
    assert _state(pack) == before


def test_a_batch_checks_each_file_of_a_folder_it_checked_before(tmp_path: Path) -> None:
    # a folder is checked and listed once per batch; a later file of it that is a symlink
    # is still checked whole, and refused when it leads outside
    victim = _victim(tmp_path)
    pack = tmp_path / "ops"
    (pack / "actions").mkdir(parents=True)
    (pack / "pack.yaml").write_text("kept\n")
    (pack / "actions/b.yaml").symlink_to(pack / "pack.yaml")
    (pack / "actions/z.yaml").symlink_to(victim / "keep.txt")
    done: list[str] = []
    with pytest.raises(PackError, match="leads outside"):
        _writer.replace_all(
            pack.resolve(),
            [(f"actions/{n}.yaml", f"{n}\n".encode()) for n in ("a", "b", "c", "z")],
            folders=_writer.Folders(),
            done=done,
        )
    # (refused as it was entered, while the first files were written ahead: none replaced)
    assert done == []
    assert (pack / "actions/b.yaml").is_symlink()  # inside the pack: allowed, never followed
    assert (pack / "pack.yaml").read_text() == "kept\n"
    assert (pack / "actions/z.yaml").is_symlink()
    _untouched(victim)
    assert not [p for p in (pack / "actions").iterdir() if p.name.endswith(_writer.TEMP_SUFFIX)]


def test_a_later_analysis_file_symlinked_in_a_checked_folder_is_refused(tmp_path: Path) -> None:
    # the first analysis written checks its folder; the later ones, in the same folder,
    # still each check that the file itself is not a symlink
    src, pack = _ingested(tmp_path)
    (src / "restore.py").write_text(SCRIPT.replace("backup", "restore"))
    assert ingest([src], pack).exit_code == 0
    full = _full_cache(pack)
    assert sorted(full.scripts) == ["backup.py", "restore.py"]
    later = pack / cache._analysis_path("restore.py")
    later.unlink()
    later.symlink_to(pack / "pack.yaml")
    before = _state(pack)
    with pytest.raises(PackError, match="is a symlink"):
        cache.save(pack, full, [])
    assert _state(pack) == before  # pack.yaml not written through it
    assert (pack / cache._analysis_path("backup.py")).is_file()  # (the first one was)


@pytest.mark.parametrize("link", [dormant.DORMANT_PATH, ".voodoo"])
def test_a_dormant_file_or_state_folder_symlinked_outside_is_refused(
    tmp_path: Path, link: str
) -> None:
    victim = _victim(tmp_path)
    pack = tmp_path / "ops"
    pack.mkdir()
    if link != ".voodoo":
        (pack / ".voodoo").mkdir()
    (pack / link).symlink_to(victim / ("keep.txt" if link != ".voodoo" else ""))
    record = {"actions/a.yaml": dormant.Dormant("base", True, "a.py")}
    with pytest.raises(PackError, match="leads outside"):
        dormant.save(pack, record, was={})
    with pytest.raises(PackError, match="leads outside"):  # nor deleted through it
        dormant.save(pack, {}, was=record)
    _untouched(victim)


# --- the run log --------------------------------------------------------------------------


def _execution(i: int = 0, size: int = 10) -> Execution:
    return Execution(
        action="ops.backup",
        runner_type="local-shell-cmd",
        status="succeeded",
        parameters={"retries": i},
        result={"stdout": "x" * size},
        exit_code=0,
        started="2024-01-01T00:00:00+00:00",
        duration=0.1,
    )


@pytest.mark.parametrize("how", ["symlink", "hard link", "state folder"])
def test_a_run_log_leading_outside_is_refused(tmp_path: Path, how: str) -> None:
    victim = _victim(tmp_path)
    pack = tmp_path / "ops"
    (pack / ".voodoo").mkdir(parents=True)
    log = pack / ".voodoo" / LOG_NAME
    if how == "symlink":
        log.symlink_to(victim / "keep.txt")
    elif how == "hard link":  # appending to it would write to the file outside
        os.link(victim / "keep.txt", log)
    else:
        shutil.rmtree(pack / ".voodoo")
        (pack / ".voodoo").symlink_to(victim)
    with pytest.raises(ActionError, match=r"execution log|outside the pack"):
        append_log(pack, _execution())
    _untouched(victim)


def test_the_run_log_rotates_and_a_torn_line_loses_no_entry(tmp_path: Path) -> None:
    pack = tmp_path / "ops"
    pack.mkdir()
    log = pack / ".voodoo" / LOG_NAME
    for i in range(6):
        append_log(pack, _execution(i), max_size=600)
    old = log.with_name(f"{LOG_NAME}.1")
    assert old.is_file() and log.stat().st_size <= 600
    assert (pack / ".voodoo/.gitignore").is_file()
    # a run killed while writing its line leaves it torn: the next line starts afresh
    with log.open("a") as f:
        f.write('{"time": "2024')
    append_log(pack, _execution(7))
    assert history(pack)[0].parameters == {"retries": 7}
    # an empty log is not rotated over the one before, whatever the line's size
    log.write_text("")
    kept = old.read_bytes()
    append_log(pack, _execution(8, size=1000), max_size=600)
    assert old.read_bytes() == kept


# --- the lock -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["symlink", "hard link", "state folder"])
def test_a_lock_leading_outside_is_refused(tmp_path: Path, how: str) -> None:
    victim = _victim(tmp_path)
    pack = tmp_path / "ops"
    (pack / ".voodoo").mkdir(parents=True)
    if how == "symlink":
        (pack / LOCK_PATH).symlink_to(victim / "created-by-voodoo")
    elif how == "hard link":
        os.link(victim / "keep.txt", pack / LOCK_PATH)
    else:
        shutil.rmtree(pack / ".voodoo")
        (pack / ".voodoo").symlink_to(victim)
    with pytest.raises(PackError, match=r"symlink|hard link|leads outside"), pack_lock(pack):
        pass
    _untouched(victim)


def test_the_state_gitignore_is_never_written_through_a_symlink(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    pack = tmp_path / "ops"
    (pack / ".voodoo").mkdir(parents=True)
    (pack / ".voodoo/.gitignore").symlink_to(victim / "created-by-voodoo")
    _writer.ensure_state_gitignore(pack.resolve())
    _untouched(victim)


# --- one writer, one YAML emitter -----------------------------------------------------------

#: What writes a file, or emits YAML, by itself.
_WRITES = re.compile(
    r"os\.replace\(|O_CREAT|\.write_bytes\(|\.write_text\(|mkstemp\(|fsync\(|O_APPEND"
    r"""|\bopen\([^)]*["'][wax]b?\+?["']"""
)
_EMITS_YAML = re.compile(r"yaml\.(safe_)?dump(_all)?\(|\bsafe_dump\(")
#: Where that is allowed, and why.
_ALLOWED = {
    "_writer.py": _WRITES,  # the one writer
    "_yamlsafe.py": _EMITS_YAML,  # the one YAML emitter
    "init.py": _WRITES,  # the project's own pyproject.toml and pre-commit config, not the pack
    "local/python_child.py": _WRITES,  # runs in the action's interpreter: cannot import voodoo
}
#: One line outside the pack: ``voodoo run --result-file FILE`` writes where it is told.
_ALLOWED_LINES = {("local/commands.py", 'with open(path, "w", encoding="utf-8") as f:')}


def test_nothing_but_the_writer_writes_files_and_nothing_but_one_emitter_emits_yaml() -> None:
    package = ROOT / "voodoo"
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith("runtime/"):  # runs on StackStorm, inside the action
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern in (_WRITES, _EMITS_YAML):
                if not pattern.search(line) or _ALLOWED.get(rel) is pattern:
                    continue
                if (rel, line.strip()) not in _ALLOWED_LINES:
                    found.append(f"voodoo/{rel}:{number}: {line.strip()}")
    assert found == []
    # (and the scan does see a write: the writer's own)
    assert _WRITES.search((package / "_writer.py").read_text())


def test_the_one_emitter_writes_multi_line_strings_as_blocks_only_when_asked() -> None:
    data = {"stdout": "line 1\nline 2\n", "when": "0o17", "list": ["yes", "a" * 100]}
    pack_style, shown = dump_yaml(data), dump_yaml(data, blocks=True)
    assert pack_style.startswith('stdout: "line 1\\nline 2\\n"\n')
    assert shown.startswith("stdout: |\n  line 1\n  line 2\n")
    rest = "when: '0o17'\nlist:\n  - 'yes'\n  - " + "a" * 100 + "\n"
    for text in (pack_style, shown):  # the rest alike: quoted for YAML 1.1 and 1.2, unwrapped
        assert text.endswith(rest) and yaml.safe_load(text) == data


def test_a_folder_another_run_makes_at_the_same_moment_is_used_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two first runs (or threads) on one new pack: both see .voodoo missing, one makes it
    pack = tmp_path / "ops"
    pack.mkdir()
    real = Path.mkdir

    def raced(self: Path, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)  # the other run made it first...
        raise FileExistsError(17, "File exists", str(self))  # ...so this one is refused

    monkeypatch.setattr(Path, "mkdir", raced)
    created: list[Path] = []
    made = _writer.folder(pack.resolve(), ".voodoo/cache", created)
    assert made.is_dir() and created == []  # not this run's to remove on failure


def test_a_symlink_planted_where_a_folder_was_being_made_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = _victim(tmp_path)
    pack = tmp_path / "ops"
    pack.mkdir()

    def planted(self: Path, *args: Any, **kwargs: Any) -> None:
        self.symlink_to(victim)
        raise FileExistsError(17, "File exists", str(self))

    monkeypatch.setattr(Path, "mkdir", planted)
    with pytest.raises(FileExistsError):
        _writer.folder(pack.resolve(), "actions")
    _untouched(victim)
