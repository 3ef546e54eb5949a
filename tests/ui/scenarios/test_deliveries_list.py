"""The Deliveries list follows the store without touching the filter, keeps the selected
delivery selected with its detail, and shows replays as replays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    choose,
    click_text,
    go_to,
    pump,
    reads_done,
)
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.sender import Dispatcher
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui.main_window import MainWindow
from webhook_studio.ui.sections.deliveries import DeliveriesSection

pytestmark = OFFSCREEN_POPUPS
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
async def elsewhere(ctx: AppContext) -> AsyncIterator[Dispatcher]:
    """A second dispatcher on the same store, not wired to the window: what the CLI's
    ``send`` or the API in another process does. Its deliveries are due in an hour, so
    the window's own dispatcher leaves them alone and tells the window nothing."""
    other = Dispatcher(ctx.store)
    yield other
    await other.stop()


async def click_row(qtbot: QtBot, section: DeliveriesSection, row: int) -> None:
    """Click a row; wait until the detail pane has read the delivery."""
    from PySide6.QtCore import Qt

    rect = section.view.visualRect(section.model.index(row, 2))
    qtbot.mouseClick(section.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    await reads_done(section)


def selected_id(section: DeliveriesSection) -> str | None:
    rows = section.view.selectionModel().selectedRows()
    if not rows:
        return None
    row = section.model.row_object(rows[0].row())
    assert row is not None
    return str(row.id)


async def test_new_and_changed_deliveries_appear_and_the_selection_stays(
        window: MainWindow, ctx: AppContext, qtbot: QtBot,
        elsewhere: Dispatcher) -> None:
    later = parse_policy("1h").to_dict()
    sub = create_subscription(ctx.store, secret=SECRET, url="http://localhost:9/none",
                              events=["*"], retry_policy=later)
    await go_to(qtbot, window, "Deliveries")
    section = window.deliveries
    first = [elsewhere.emit(f"order.{n}", {"n": n}, subscription_id=sub)[0] for n in range(3)]
    await pump(lambda: section.model.rowCount() == 3, 20.0, "new deliveries did not appear")
    assert section.state.currentText() == "All"
    await click_row(qtbot, section, 1)
    picked_row = section.model.row_object(1)
    assert picked_row is not None
    picked = picked_row.id
    assert picked in first and section.delivery_id == picked
    title = section.title.text()
    more = [elsewhere.emit(f"user.{n}", {"n": n}, subscription_id=sub)[0] for n in range(4)]
    await pump(lambda: section.model.rowCount() == 7, 20.0, "the list stayed at 3 of 7")
    # the same delivery is selected (it moved down: selected again once the rows it is
    # among are read, as each page arrives) and the detail still shows it
    await pump(lambda: selected_id(section) == picked, 20.0, "the selection was not kept")
    assert section.delivery_id == picked
    assert section.title.text() == title
    elsewhere.cancel(more[0])
    cancelled_row = section.row_of(more[0])
    assert cancelled_row is not None
    def state_of_cancelled() -> str | None:
        row = section.model.row_object(section.row_of(more[0]) or 0)
        return None if row is None else str(row.state)

    await pump(lambda: state_of_cancelled() == "cancelled", 20.0,
               "the cancelled state did not appear")
    assert selected_id(section) == picked

    # Filtered to pending, the selected one is cancelled elsewhere: it leaves the list and
    # the detail does not keep showing it.
    await choose(qtbot, section.state, "pending")
    assert selected_id(section) == picked == section.delivery_id
    elsewhere.cancel(picked)
    await pump(lambda: section.model.rowCount() == 5 and section.delivery_id is None, 20.0,
               "the filter did not follow")
    await reads_done(section)
    assert selected_id(section) is None and section.delivery_id is None
    assert section.title.text() == "Select a delivery"
    assert section.attempts.rowCount() == 0


async def test_a_replay_is_listed_as_a_replay_without_dead_letter_actions(
        window: MainWindow, ctx: AppContext, qtbot: QtBot,
        httpserver: HTTPServer) -> None:
    from webhook_studio.relay.replay import replay_capture

    httpserver.expect_request("/again").respond_with_data("down", status=500)
    async with aiohttp.ClientSession() as session, session.post(
            f"{window.base_url}/hooks/x", data=b"{}") as resp:
        capture_id = (await resp.json())["capture"]
    await go_to(qtbot, window, "Deliveries")
    section = window.deliveries
    await replay_capture(ctx.store, capture_id, httpserver.url_for("/again"))
    # the count and the page are read apart: the row shows "…" until its page is in
    await pump(lambda: section.model.rowCount() == 1 and section.model.data(
        section.model.index(0, 1)) == f"replay of capture #{capture_id}", 20.0,
        "the replay did not appear")
    await click_row(qtbot, section, 0)
    assert section.summary.text().startswith("Replay msg_")
    assert section.title.text().startswith(f"replay of capture #{capture_id} → ")
    assert not section.dead_button.isVisible()
    assert not section.cancel_button.isEnabled()
    # Retrying a replay sends the capture again as a new record, which is then selected.
    assert "new record" in section.retry_button.toolTip()
    first = section.delivery_id
    await click_text(qtbot, section, "Replay again")
    await pump(lambda: section.model.rowCount() == 2 and section.delivery_id != first, 20.0,
               "the second replay did not show")
    assert len(httpserver.log) == 2
    assert selected_id(section) == section.delivery_id
    await pump(lambda: section.model.data(section.model.index(0, 1))
               == f"replay of capture #{capture_id}", 20.0, "the new replay's row stayed empty")
    assert section.message.text().startswith("Replayed again (HTTP 500)")
