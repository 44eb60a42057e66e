"""Suite-wide setup: the tests do not depend on the git configuration of the machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _no_user_git_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """pack.yaml's email falls back to git's ``user.email``: hide the user's and the
    system's git config, so generated packs (the golden one too) are the same everywhere."""
    empty: Path = tmp_path_factory.mktemp("git") / "gitconfig"
    empty.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(empty))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        yield
