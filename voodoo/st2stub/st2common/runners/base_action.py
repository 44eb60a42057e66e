"""Stand-in for ``st2common.runners.base_action``: the base class of python-script actions.

Same constructor and attributes as StackStorm's: ``config`` (the pack config),
``action_service`` (datastore access; voodoo's wrapper passes one backed by a local file),
and ``logger`` named ``actions.python.<Class>`` writing to stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["Action"]

_FORMAT = "%(asctime)s %(levelname)s [-] %(message)s"


class Action:
    """Base class for python-script actions; subclasses implement ``run(**parameters)``."""

    description: str | None = None

    def __init__(self, config: dict[str, Any] | None = None, action_service: Any = None) -> None:
        self.config = config
        self.action_service = action_service
        self.logger = logging.getLogger("actions.python." + type(self).__name__)
        if not self.logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter(_FORMAT))
            self.logger.addHandler(handler)

    def run(self, **kwargs: Any) -> Any:
        raise NotImplementedError("run() is not implemented")
