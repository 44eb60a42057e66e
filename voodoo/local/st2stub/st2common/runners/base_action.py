"""Stand-in for ``st2common.runners.base_action``: the base class of python-script actions.

Mirrors StackStorm's constructor contract: ``cls(config=..., action_service=...)``,
``self.config`` a dict, ``self.logger`` named ``actions.python.<Class>`` writing to stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["Action"]


class Action:
    """Base class for python-script actions; subclasses implement ``run(**parameters)``."""

    description: str | None = None

    def __init__(self, config: dict[str, Any] | None = None, action_service: Any = None) -> None:
        self.config = config or {}
        self.action_service = action_service
        self.logger = _logger(type(self).__name__)

    def run(self, **kwargs: Any) -> Any:
        raise NotImplementedError


def _logger(class_name: str) -> logging.Logger:
    logger = logging.getLogger(f"actions.python.{class_name}")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    return logger
