"""Suite-wide test settings.

The property tests are sized for CI (the whole suite in a few minutes on 2 cores). For a
long run, ``VOODOO_HYPOTHESIS_PROFILE=long python -m pytest -n auto``: the property tests
sized with ``tests.fidelity.example_count`` draw ``LONG_FACTOR`` times as many examples, and
those without their own count draw 1,000.
"""

from __future__ import annotations

from hypothesis import settings

from tests.fidelity import HYPOTHESIS_PROFILE

settings.register_profile("long", max_examples=1000)
if HYPOTHESIS_PROFILE == "long":  # (otherwise hypothesis's own choice: "ci" under CI=true)
    settings.load_profile("long")
