from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voodoo.errors import PackError
from voodoo.manifest import (
    MANIFEST_PATH,
    Entry,
    Manifest,
    Memo,
    dumps,
    entry_for,
    load,
    loads,
    pending_pieces,
    sha256,
)

HASH = sha256(b"x")


def _write(pack: Path, text: str) -> None:
    (pack / ".voodoo").mkdir(parents=True, exist_ok=True)
    (pack / MANIFEST_PATH).write_text(text)


def test_missing_manifest_is_empty(tmp_path: Path) -> None:
    assert load(tmp_path) == Manifest()
    assert load(tmp_path / "no-such-pack") == Manifest()


def test_round_trip_is_deterministic(tmp_path: Path) -> None:
    manifest = Manifest(
        {
            "z.md": entry_for("z.md", b"# z\n"),
            "actions/scripts/a.py": entry_for(
                "actions/scripts/a.py", b"print(1)\n", source="a.py", source_hash=HASH
            ),
        }
    )
    text = dumps(manifest)
    assert text.endswith("}\n")
    assert text == dumps(loads(text))
    assert loads(text) == manifest
    data = json.loads(text)
    assert data["version"] == 1
    assert list(data["files"]) == ["actions/scripts/a.py", "z.md"]
    _write(tmp_path, text)
    assert load(tmp_path) == manifest


@pytest.mark.parametrize(
    ("relpath", "source", "kept"),
    [
        ("actions/x.yaml", None, True),
        ("actions/x.yml", None, True),
        ("actions/x.yaml", "x.py", True),  # an action: the base of its three-way merge
        ("requirements.txt", None, True),
        ("README.md", None, True),
        ("actions/x.py", None, False),
        ("actions/lib/voodoo_runtime.py", None, False),
        ("actions/scripts/notes.txt", "notes.txt", False),  # a copied source file
        ("actions/scripts/conf.yaml", None, False),  # copied, even without a source given
    ],
)
def test_content_kept_only_for_text_voodoo_generates(
    relpath: str, source: str | None, kept: bool
) -> None:
    entry = entry_for(relpath, b"text\n", source=source)
    assert entry.hash == sha256(b"text\n")
    assert (entry.content == "text\n") is kept
    assert (entry.base == b"text\n") is kept
    assert ('"content"' in dumps(Manifest({relpath: entry}))) is kept


def test_entries_are_frozen() -> None:
    manifest = Manifest({"a.md": Entry(hash=HASH)})
    with pytest.raises(AttributeError):
        manifest.files["a.md"].hash = "0"  # type: ignore[misc]
    with pytest.raises(TypeError):
        manifest.files["b.md"] = Entry(hash=HASH)  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"files": {}}', "unsupported manifest version None"),
        ('{"version": 2, "files": {}}', "unsupported manifest version 2"),
        ('{"version": 1}', 'no "files" object'),
        ('{"version": 1, "files": {"a.md": "x"}}', "is not an object"),
        ('{"version": 1, "files": {"a.md": {"hash": "abc"}}}', 'no valid sha256 "hash"'),
        (
            f'{{"version": 1, "files": {{"a.md": {{"hash": "{HASH}", "source": 3}}}}}}',
            'invalid "source"',
        ),
        (
            f'{{"version": 1, "files": {{"a.md": {{"hash": "{HASH}", "content": []}}}}}}',
            'invalid "content"',
        ),
        (
            f'{{"version": 1, "files": {{"a.md": {{"hash": "{HASH}", "source_hash": "z"}}}}}}',
            'invalid "source_hash"',
        ),
    ],
    ids=[
        "json",
        "array",
        "no-version",
        "future-version",
        "no-files",
        "entry",
        "hash",
        "source",
        "content",
        "source-hash",
    ],
)
def test_untrustworthy_manifest_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(PackError, match=message) as info:
        load(tmp_path)
    assert str(info.value).startswith(f"{MANIFEST_PATH}: ")


@pytest.mark.parametrize(
    "relpath",
    ["../../x", "/etc/passwd", "a/../b", "./a", "a//b", "a/", "a\\b", "C:/x", "", ".voodoo/x"],
)
def test_entries_escaping_the_pack_are_rejected(tmp_path: Path, relpath: str) -> None:
    _write(tmp_path, json.dumps({"version": 1, "files": {relpath: {"hash": HASH}}}))
    with pytest.raises(PackError, match="path"):
        load(tmp_path)


def test_entry_behind_a_symlink_out_of_the_pack_is_rejected(tmp_path: Path) -> None:
    pack, outside = tmp_path / "pack", tmp_path / "outside"
    pack.mkdir()
    outside.mkdir()
    (pack / "actions").symlink_to(outside)
    _write(pack, json.dumps({"version": 1, "files": {"actions/x.yaml": {"hash": HASH}}}))
    with pytest.raises(PackError, match="symlink"):
        load(pack)


def test_symlink_inside_the_pack_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "actions").symlink_to(tmp_path / "real")
    _write(tmp_path, json.dumps({"version": 1, "files": {"actions/x.yaml": {"hash": HASH}}}))
    assert load(tmp_path).files["actions/x.yaml"] == Entry(hash=HASH)


def test_file_that_is_a_symlink_out_of_the_pack_is_rejected(tmp_path: Path) -> None:
    pack, outside = tmp_path / "pack", tmp_path / "outside"
    (pack / "actions").mkdir(parents=True)
    outside.mkdir()
    (pack / "actions/x.yaml").symlink_to(outside / "x.yaml")
    (pack / "actions/y.yaml").write_text("y")
    files = {"actions/x.yaml": {"hash": HASH}, "actions/y.yaml": {"hash": HASH}}
    _write(pack, json.dumps({"version": 1, "files": files}))
    with pytest.raises(PackError, match=r"actions/x\.yaml.*symlink"):
        load(pack)


def test_file_that_is_a_symlink_inside_the_pack_is_fine(tmp_path: Path) -> None:
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions/real.yaml").write_text("x")
    (tmp_path / "actions/x.yaml").symlink_to(tmp_path / "actions/real.yaml")
    _write(tmp_path, json.dumps({"version": 1, "files": {"actions/x.yaml": {"hash": HASH}}}))
    assert load(tmp_path).files["actions/x.yaml"] == Entry(hash=HASH)


def _reference_dumps(manifest: Manifest) -> str:
    files = {}
    for relpath, entry in manifest.files.items():
        record = {"hash": entry.hash, "source": entry.source, "source_hash": entry.source_hash}
        if entry.content is not None:
            record["content"] = entry.content
        files[relpath] = record
    return json.dumps({"version": 1, "files": files}, sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"


@given(st.dictionaries(
    st.text(min_size=1),
    st.builds(Entry, st.just(HASH), st.none() | st.text(), st.none() | st.just(HASH),
              st.none() | st.text()),
    max_size=5))
def test_dumps_is_json_dumps_with_indent(files: dict[str, Entry]) -> None:
    manifest = Manifest(files)
    assert dumps(manifest) == _reference_dumps(manifest)


def test_dumps_of_the_expected_pack_is_json_dumps_with_indent() -> None:
    text = (Path(__file__).parent / "expected/ops" / MANIFEST_PATH).read_text()
    assert dumps(loads(text)) == text == _reference_dumps(loads(text))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import voodoo.manifest as module

    formatted: list[str] = []
    real = module._entry_text
    monkeypatch.setattr(module, "_entry_text",
                        lambda relpath, entry: formatted.append(relpath) or real(relpath, entry))
    return formatted


def test_dumps_writes_entries_read_from_the_file_as_they_were(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (Path(__file__).parent / "expected/ops" / MANIFEST_PATH).read_text()
    _write(tmp_path, text)
    memo = Memo()
    manifest = load(tmp_path, memo)
    formatted = _counting(monkeypatch)
    assert dumps(manifest, memo) == text and formatted == []
    changed = Manifest({**manifest.files, "README.md": Entry(hash=HASH, content="new")})
    assert dumps(changed, memo) == _reference_dumps(changed) and formatted == ["README.md"]
    # without the memo, every entry is formatted again, to the same text
    formatted.clear()
    assert dumps(manifest) == text and len(formatted) == len(manifest.files)


def test_dumps_formats_every_entry_of_a_file_laid_out_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (Path(__file__).parent / "expected/ops" / MANIFEST_PATH).read_text()
    _write(tmp_path, json.dumps(json.loads(text)))  # one line
    memo = Memo()
    manifest = load(tmp_path, memo)
    formatted = _counting(monkeypatch)
    assert dumps(manifest, memo) == text and len(formatted) == len(manifest.files)


@given(
    st.dictionaries(
        st.text(min_size=1),
        st.builds(Entry, st.just(HASH), st.none() | st.text(), st.none() | st.just(HASH),
                  st.none() | st.text()),
        max_size=5),
    st.dictionaries(st.text(min_size=1), st.just(HASH), max_size=3))
def test_the_pending_entries_written_in_pieces_are_json_dumps(
        entries: dict[str, Entry], written: dict[str, str]) -> None:
    reference = json.dumps(
        {
            "version": 1,
            "written": written,
            "files": {p: {"content": e.content, "hash": e.hash, "source": e.source,
                          "source_hash": e.source_hash} for p, e in entries.items()},
        },
        sort_keys=True, ensure_ascii=False) + "\n"
    assert "".join(pending_pieces(entries, written)) == reference
