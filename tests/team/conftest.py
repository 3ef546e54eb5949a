"""The team tests: a throwaway PostgreSQL server (tests/conftest.py) and, for the window
tests, the real window from tests/ui/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.ui.conftest import (  # noqa: F401  (fixtures used by the window tests)
    WindowFactory,
    collect_qt_objects_on_the_gui_thread,
    make_window,
)


@pytest.fixture
async def team_window(make_window: WindowFactory  # noqa: F811  (the imported fixture)
                      ) -> AsyncIterator[WindowFactory]:
    """``make_window`` whose windows stop reading the store before their database is
    dropped: the status-bar counts poll every 2 s and the bridge flushes every 100 ms, and a
    window waiting to be deleted would otherwise read a database that no longer exists."""
    opened: list[Any] = []

    async def make(**kw: Any) -> Any:
        win = await make_window(**kw)
        opened.append(win)
        return win

    yield make
    for win in opened:
        win._counts.stop()
        win.bridge._timer.stop()  # a late batch would refresh (and count) from the store too
