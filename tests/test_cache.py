"""The cache's ``scripts.json``: one entry a line; a save writes unchanged entries' lines
as they were, and every other entry anew."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from tests.fidelity import EXAMPLES
from voodoo import cache
from voodoo.ingest import ingest
from voodoo.manifest import load as load_manifest


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("cache") / "ops"
    ingest([EXAMPLES], pack)
    return pack


@pytest.fixture
def pack(ingested: Path, tmp_path: Path) -> Path:
    # each test gets its own copy of the pack; the same name keeps the cache's fingerprint
    copy = tmp_path / "ops"
    shutil.copytree(ingested, copy)
    return copy


def _load(pack: Path) -> cache.Cache:
    return cache.load(pack)  # (from the file: no memo)


def _save(pack: Path, c: cache.Cache) -> None:
    cache.save(pack, c, load_manifest(pack).files)


def _text(pack: Path) -> str:
    return (pack / cache.SCRIPTS_PATH).read_text()


def test_each_entry_is_on_its_own_line(pack: Path) -> None:
    lines = _text(pack).splitlines()
    entries = json.loads(_text(pack))["scripts"]
    assert len(lines) == len(entries) + 2
    assert [json.loads(f"{{{line.removesuffix(',')}}}") for line in lines[1:-1]] == [
        {rel: e} for rel, e in entries.items()]


def test_an_unchanged_cache_is_saved_byte_for_byte(pack: Path) -> None:
    before = _text(pack)
    loaded = _load(pack)
    assert loaded.lines and loaded.lines.keys() == loaded.scripts.keys()
    _save(pack, loaded)
    assert _text(pack) == before


def test_a_changed_entry_is_written_anew_and_only_its_line_changes(pack: Path) -> None:
    before = _text(pack).splitlines()
    loaded = _load(pack)
    rel = "deploy_component.py"
    changed = dataclasses.replace(loaded.scripts[rel], actions={"": "renamed_action"})
    _save(pack, dataclasses.replace(loaded, scripts={**loaded.scripts, rel: changed}))
    after = _text(pack).splitlines()
    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(differ) == 1 and after[differ[0]].startswith(f'"{rel}":')
    again = _load(pack)
    assert again.scripts[rel].actions == {"": "renamed_action"}
    assert {r: e for r, e in again.scripts.items() if r != rel} == {
        r: e for r, e in loaded.scripts.items() if r != rel}


def test_a_cache_laid_out_otherwise_is_read_and_saved_one_entry_a_line(pack: Path) -> None:
    expected = _load(pack).scripts
    data = json.loads(_text(pack))
    (pack / cache.SCRIPTS_PATH).write_text(json.dumps(data, indent=2))
    loaded = _load(pack)
    assert loaded.scripts == expected and not loaded.lines
    _save(pack, loaded)
    assert len(_text(pack).splitlines()) == len(expected) + 2
    assert _load(pack).scripts == expected


def test_an_entry_dropped_as_untrusted_keeps_no_line(pack: Path) -> None:
    lines = _text(pack).split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith('"deploy_component.py":'))
    entry = json.loads(f"{{{lines[i].removesuffix(',')}}}")["deploy_component.py"]
    entry["local"] = {"../outside.py": [1, 0, "0" * 64]}
    lines[i] = f'"deploy_component.py":{json.dumps(entry)}' + ("," if lines[i][-1] == "," else "")
    (pack / cache.SCRIPTS_PATH).write_text("\n".join(lines))
    loaded = _load(pack)
    assert "deploy_component.py" not in loaded.scripts
    assert "deploy_component.py" not in loaded.lines and loaded.lines


def test_an_ingest_after_one_edit_serializes_only_that_entry(
        pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    ingest([src], pack)  # (another source root: every entry anew)
    _load(pack)
    text = (src / "run_puppet.py").read_text()
    (src / "run_puppet.py").write_text(text.replace("puppet agent pass", "puppet run"))
    serialized: list[object] = []
    render_data = cache._render_data
    monkeypatch.setattr(cache, "_render_data", lambda r: serialized.append(r) or render_data(r))
    ingest([src], pack)
    assert len(serialized) == 1
