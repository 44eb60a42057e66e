from __future__ import annotations

from pathlib import Path

import pytest

from voodoo.gitmeta import user_email


@pytest.fixture
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return empty


def test_repository_config_wins(tmp_path: Path, no_user_config: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(
        '[core]\n\tbare = false\n[user "x"]\n\temail = not@this\n'
        '[User]\n\tname = Ops\n\tEmail = "ops@example.com" ; the team\n'
    )
    (repo / "scripts" / "deep").mkdir(parents=True)
    no_user_config.write_text("[user]\n\temail = me@example.com\n")
    assert user_email(repo / "scripts" / "deep") == "ops@example.com"


def test_global_config_when_the_repository_has_none(tmp_path: Path, no_user_config: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert user_email(tmp_path / "repo") is None
    no_user_config.write_text("# mine\n[user]\n    email = me@example.com\n")
    assert user_email(tmp_path / "repo") == "me@example.com"
    assert user_email(tmp_path) == "me@example.com"  # outside any repository


def test_worktree_reads_the_common_config(tmp_path: Path, no_user_config: Path) -> None:
    main = tmp_path / "main" / ".git"
    (main / "worktrees" / "wt").mkdir(parents=True)
    (main / "config").write_text("[user]\nemail = shared@example.com\n")
    (main / "worktrees" / "wt" / "commondir").write_text("../..\n")
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {main / 'worktrees' / 'wt'}\n")
    assert user_email(wt) == "shared@example.com"


def test_nothing_configured(tmp_path: Path, no_user_config: Path) -> None:
    assert user_email(tmp_path) is None
