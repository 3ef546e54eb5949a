"""The Inbox's pages are read off the GUI thread: a slow page read leaves the window
responsive and its rows show a placeholder until they arrive; Delete after Ctrl+A deletes
exactly the captures the filter lists, rows never scrolled to included."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.conftest import WindowFactory
from tests.ui.scenarios.helpers import (
    LEFT,
    OFFSCREEN_POPUPS,
    Heartbeat,
    pump,
    reading,
    reads_done,
    retype,
)
from webhook_studio.context import AppContext
from webhook_studio.store.pages import CaptureSource
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import CaptureFilter
from webhook_studio.ui import dialogs
from webhook_studio.ui.controllers.inbox import InboxController
from webhook_studio.ui.models.paged import PLACEHOLDER

pytestmark = OFFSCREEN_POPUPS
PATH_COLUMN = 3


def add_captures(ctx: AppContext, paths: Sequence[str]) -> None:
    with ctx.store.session() as session:
        session.add_all(Capture(received_at=float(i), method="POST", path=path, headers=[],
                                body=b"", body_size=0) for i, path in enumerate(paths))


class GatedSource(CaptureSource):
    """A capture query whose page reads wait for the test to open ``gate`` (a store busy
    with something slow); counts are not held."""

    def __init__(self, store: Any, flt: CaptureFilter | None, gate: threading.Event) -> None:
        super().__init__(store, flt)
        self.gate = gate

    def page(self, offset: int, limit: int, total: int) -> Sequence[Any]:
        if not self.gate.wait(40):
            raise TimeoutError("the test never opened the gate")
        return super().page(offset, limit, total)


async def test_a_slow_page_read_leaves_the_window_responsive(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot, db_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    add_captures(ctx, [f"/slow/{i}" for i in range(50)])
    gate = threading.Event()
    monkeypatch.setattr(InboxController, "source",
                        lambda self, flt=None: GatedSource(self.store, flt, gate))
    window = await make_window(start=False)
    inbox = window.inbox
    heartbeat = Heartbeat()
    try:
        window.show_section("inbox")
        await pump(lambda: inbox.model.rowCount() == 50, 30, "the count was held too")
        assert inbox.model.data(inbox.model.index(0, PATH_COLUMN)) == PLACEHOLDER
        assert reading(window), "the page is read in the background"
        # While the page waits, the window takes clicks and its timers keep ticking.
        sidebar = window.sidebar
        names = [sidebar.item(i).text() for i in range(sidebar.count())]
        item = sidebar.item(names.index("Subscriptions"))
        qtbot.mouseClick(sidebar.viewport(), LEFT, pos=sidebar.visualItemRect(item).center())
        assert window.current_section() == "subscriptions", "a click was handled"
        await heartbeat.beats(10, 30, "the GUI thread's timer stopped")
        assert inbox.model.row_object(0) is None and reading(window)
        window.show_section("inbox")
    finally:
        gate.set()
        heartbeat.stop()
    await reads_done(window, 40)
    await pump(lambda: inbox.model.data(inbox.model.index(0, PATH_COLUMN)) == "/slow/49")
    assert inbox.model.data(inbox.model.index(49, PATH_COLUMN)) == "/slow/0"


async def test_ctrl_a_delete_deletes_exactly_the_listed_captures(
        window: Any, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 captures, 600 listed by a filter: the view has read one or two pages of them
    when Ctrl+A selects all 600, and Delete deletes those 600 and no other."""
    add_captures(ctx, [f"/keep/{i}" if i % 5 < 2 else f"/drop/{i}" for i in range(1000)])
    inbox = window.inbox
    window.show_section("inbox")
    retype(qtbot, inbox.filter_field.line, "path:/drop*")
    await pump(lambda: inbox.model.rowCount() == 600, 30,
               f"the filter listed {inbox.model.rowCount()}")
    await reads_done(window)
    assert inbox.model.row_object(599) is None, "the last rows were never read"
    asked: list[str] = []

    def confirm(*args: Any) -> None:
        asked.append(args[3])
        args[-1]()

    monkeypatch.setattr(dialogs, "confirm", confirm)
    inbox.view.setFocus()
    qtbot.keyClick(inbox.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(inbox.view.selectionModel().selectedRows()) == 600
    qtbot.keyClick(inbox.view, Qt.Key.Key_Delete)
    await pump(lambda: asked == ["Delete 600 captures"], 30, f"asked {asked}")
    await pump(lambda: inbox.model.rowCount() == 0, 30)
    with ctx.store.session() as session:
        left = sorted(path for (path,) in session.query(Capture.path))
    assert len(left) == 400 and all(path.startswith("/keep/") for path in left)


async def test_ctrl_end_shows_the_oldest_capture_once_its_page_is_read(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    """The last row's page is not read when Ctrl+End selects it: the inspector shows that
    capture when the page arrives."""
    add_captures(ctx, [f"/many/{i}" for i in range(1000)])
    inbox = window.inbox
    window.show_section("inbox")
    inbox.apply_filter()  # the captures were stored behind the window's back
    await pump(lambda: inbox.model.rowCount() == 1000, 30)
    await reads_done(window)
    with ctx.store.session() as session:
        oldest = min(c for (c,) in session.query(Capture.id))
    inbox.view.setFocus()
    qtbot.keyClick(inbox.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(inbox.view, Qt.Key.Key_Space)  # select the row Ctrl+End moved to
    assert inbox.view.selectionModel().isRowSelected(999, inbox.view.rootIndex())
    await pump(lambda: inbox.inspector.capture_id == oldest, 30,
               f"the inspector shows {inbox.inspector.capture_id}")
    assert inbox.model.data(inbox.model.index(999, PATH_COLUMN)) == "/many/0"
