"""Suite-wide test settings.

The tests do not depend on the git configuration of the machine (pack.yaml's email falls
back to git's ``user.email``).

The property tests are sized for CI (the whole suite in a few minutes on 2 cores). For a
long run, ``VOODOO_HYPOTHESIS_PROFILE=long python -m pytest -n auto``: the property tests
sized with ``tests.fidelity.example_count`` draw ``LONG_FACTOR`` times as many examples, and
those without their own count draw 1,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.fidelity import HYPOTHESIS_PROFILE

settings.register_profile("long", max_examples=1000)
if HYPOTHESIS_PROFILE == "long":  # (otherwise hypothesis's own choice: "ci" under CI=true)
    settings.load_profile("long")


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
