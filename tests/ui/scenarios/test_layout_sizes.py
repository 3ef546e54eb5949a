"""Every section at the smallest supported size (1024×640) and at 1440×900, with long values
selected: the window keeps its size, no button's text is clipped, the search box and the path
and target columns keep a usable width, and selecting a row does not move a splitter."""

from __future__ import annotations

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QSplitter, QTableView, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    go_to,
    pick_list_row,
    pump,
    settle,
)
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui.main_window import SECTIONS, MainWindow

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LONG = "acme-industries-europe-west-billing-reconciliation-and-settlement"
LONG_PATH = f"/hooks/{LONG}/v2/tenants/{LONG}/events"


async def long_values(window: MainWindow, ctx: AppContext) -> None:
    create_endpoint(ctx.store, name=f"Endpoint for {LONG} notifications", path=LONG_PATH,
                    scheme="stripe", secrets=["whsec_" + "x" * 120])
    window._endpoints_changed()
    window.endpoints.reload()
    sub = create_subscription(
        ctx.store, secret=SECRET, url=f"http://localhost:3000/{LONG}/{LONG}/webhooks",
        events=[f"{LONG}.created", f"{LONG}.updated"], description=LONG * 2,
        retry_policy=parse_policy("1h,2h,5h").to_dict())
    window.subscriptions.reload()
    window.dispatcher.emit(f"{LONG}.created", {"id": LONG}, subscription_id=sub)
    async with aiohttp.ClientSession() as session:
        for path in ("/short", f"{LONG_PATH}?source={LONG}&attempt=1"):
            async with session.post(window.base_url + path, data=b'{"a": 1}') as resp:
                assert resp.status == 200
    await pump(lambda: window.inbox.model.rowCount() == 2)


def splitters(window: MainWindow) -> dict[str, list[int]]:
    out = {"main": window.splitter.sizes()}
    for key, page in window.sections.items():
        for i, inner in enumerate(page.findChildren(QSplitter)):
            out[f"{key}/{i}"] = inner.sizes()
    return out


def clipped_buttons(page: QWidget) -> list[str]:
    return [f"{b.text()!r}: {b.width()} < {b.sizeHint().width()}"
            for b in page.findChildren(QAbstractButton)
            if b.isVisible() and b.text() and b.width() < b.sizeHint().width()]


def click_table_row(qtbot: QtBot, view: QTableView, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


async def select_long_rows(qtbot: QtBot, window: MainWindow, key: str) -> None:
    """Select what shows the longest texts in this section (every row, in turn)."""
    if key == "inbox":
        for row in range(window.inbox.model.rowCount()):
            click_table_row(qtbot, window.inbox.view, row)
            await settle()
    elif key == "deliveries":
        for row in range(window.deliveries.model.rowCount()):
            click_table_row(qtbot, window.deliveries.view, row)
            await settle()
    elif key in ("endpoints", "subscriptions"):
        editor = window.endpoints if key == "endpoints" else window.subscriptions
        for row in range(editor.list.count()):
            await pick_list_row(qtbot, editor.list, row)
            await settle()
    elif key == "composer":
        composer = window.composer
        composer.target.setCurrentIndex(composer.target.count() - 1)  # the long URL
        await settle()


@pytest.mark.parametrize(("width", "height"), [(1024, 640), (1440, 900)])
async def test_every_section_fits_and_holds_still(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, width: int,
        height: int) -> None:
    await long_values(window, ctx)
    window.resize(width, height)
    await settle(10)
    assert (window.width(), window.height()) == (width, height), \
        f"the window asks for at least {window.minimumSizeHint().width()} px"
    for key, title, _blurb in SECTIONS:
        await go_to(qtbot, window, title)
        await settle()
        before = splitters(window)
        await select_long_rows(qtbot, window, key)
        await select_long_rows(qtbot, window, key)  # and back: nothing may creep
        assert (window.width(), window.height()) == (width, height), \
            f"{title} widened the window to {window.width()} px"
        assert splitters(window) == before, f"a splitter moved on selection in {title}"
        page = window.sections[key]
        assert clipped_buttons(page) == [], f"clipped in {title}"
        assert clipped_buttons(window.statusBar()) == []
    inbox, deliveries = window.inbox, window.deliveries
    assert inbox.search.width() >= 180
    assert not inbox.view.isColumnHidden(3) and inbox.view.columnWidth(3) >= 140
    assert not deliveries.view.isColumnHidden(2) and deliveries.view.columnWidth(2) >= 140
    if width >= 1440:  # at the comfortable size nothing is hidden
        assert inbox.columns.hidden() == [] and deliveries.columns.hidden() == []
        assert inbox.view.columnWidth(3) >= 200


async def test_errors_under_many_fields_scroll_instead_of_growing_the_window(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    from tests.ui.scenarios.helpers import click_text, retype

    window.resize(1024, 640)
    await settle(10)
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    for field, text in ((editor.url, "localhost:3000"), (editor.events, "user."),
                        (editor.timeout, "900"), (editor.rate_per_minute, "0"),
                        (editor.rate_per_hour, "-1"), (editor.concurrency, "100"),
                        (editor.headers, "no colon here")):
        retype(qtbot, field, text)
    await click_text(qtbot, editor, "Save")
    await settle()
    assert editor.status.text() == "Not saved: 7 fields need attention."
    await go_to(qtbot, window, "Endpoints")
    endpoints = window.endpoints
    retype(qtbot, endpoints.path, "no slash")
    retype(qtbot, endpoints.forward, "localhost:3000")
    await click_text(qtbot, endpoints, "Save")
    await settle()
    for title, section in (("Subscriptions", editor), ("Endpoints", endpoints)):
        await go_to(qtbot, window, title)
        await settle()
        assert (window.width(), window.height()) == (1024, 640)
        shown = [label for label in section.errors.values() if label.isVisibleTo(section)]
        assert shown
        for label in shown:  # every sentence whole: tall enough for its wrapped lines
            assert label.height() >= label.heightForWidth(label.width()), label.text()
        assert clipped_buttons(section) == []
