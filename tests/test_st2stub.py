from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from voodoo.local.launch import st2stub_path


@pytest.fixture
def base_action(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(st2stub_path()))
    names = ("st2common", "st2common.runners", "st2common.runners.base_action")
    for name in names:
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield importlib.import_module("st2common.runners.base_action")
    for name in names:
        sys.modules.pop(name, None)


def test_action_constructor_contract(base_action: Any) -> None:
    class MyAction(base_action.Action):  # type: ignore[misc]
        def run(self, **kwargs: Any) -> Any:
            return (True, kwargs)

    service = object()
    action = MyAction(config={"a": 1}, action_service=service)
    assert action.config == {"a": 1}
    assert action.action_service is service
    assert action.logger.name == "actions.python.MyAction"
    assert isinstance(action.logger.handlers[0], logging.StreamHandler)
    assert MyAction().config == {}
    assert action.run(x=1) == (True, {"x": 1})


def test_base_run_is_abstract(base_action: Any) -> None:
    with pytest.raises(NotImplementedError):
        base_action.Action().run()
