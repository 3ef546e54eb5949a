"""Retry forward from the window: a capture's forward to a handler that is down fails and the
Forwards tab says so; the handler comes up; the person clicks "Retry forward" and the tab
shows the new outcome and says it in a sentence. The target is a real server on a real port,
the receiver the window's own, the click a real mouse click."""

from __future__ import annotations

from typing import Any

from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import LEFT, click, post, pump, select_capture
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store.receiver_queries import create_endpoint, get_capture


def forwards(ctx: AppContext, capture_id: int) -> list[dict[str, Any]]:
    with ctx.store.session() as session:
        return list(get_capture(session, capture_id).forwards or [])


async def open_forwards_tab(qtbot: QtBot, window: Any) -> Any:
    inspector = window.inbox.inspector
    tabs = inspector.tabs
    index = tabs.indexOf(inspector.forwards_page)
    qtbot.mouseClick(tabs.tabBar(), LEFT, pos=tabs.tabBar().tabRect(index).center())
    await pump(lambda: tabs.currentIndex() == index, what="the Forwards tab did not open")
    return inspector.forwards_page


def cells(panel: Any) -> list[list[str]]:
    table = panel.targets
    return [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]


async def test_a_failed_forward_is_retried_with_the_button_once_the_handler_is_up(
        window: Any, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    # the automatic retries wait 10 minutes here: every retry below is the button's
    window.receiver.forwarder.retry_policy = parse_policy("0,10m")
    target = httpserver.url_for("/handler")
    httpserver.stop()  # the handler is not running yet
    create_endpoint(ctx.store, name="shop", path="/shop", forward_to=[target])
    window._endpoints_changed()
    answer = await post(f"{window.base_url}/shop/orders", b'{"order": 7}')
    capture_id = int(answer["capture"])
    await pump(lambda: len(forwards(ctx, capture_id)) == 1, what="the forward was not tried")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    assert await select_capture(qtbot, window, 0) == capture_id
    panel = await open_forwards_tab(qtbot, window)
    await pump(lambda: panel.targets.rowCount() == 1, what="no target row")
    [[shown, latest, tries]] = cells(panel)
    assert (shown, tries) == (target, "1") and latest.startswith("failed:")
    assert panel.selected() == target  # the failed target is selected for the person
    assert "on arrival" in panel.history.toPlainText()

    # Still down: the button says it failed again, and the tab counts the try.
    click(qtbot, panel.retry)
    await pump(lambda: "failed" in panel.note.text(), what="no sentence after the retry")
    assert panel.note.property("tone") == "invalid"
    await pump(lambda: cells(panel) and cells(panel)[0][2] == "2", what="tries not updated")

    httpserver.start()
    httpserver.expect_oneshot_request("/handler/orders", data=b'{"order": 7}') \
        .respond_with_data("thanks", status=202)
    await pump(panel.retry.isEnabled, what="the button stayed disabled")
    click(qtbot, panel.retry)
    await pump(lambda: panel.note.text().startswith("Forwarded again"),
               what=f"no success sentence: {panel.note.text()!r}")
    assert f"{target}/orders: 202 in" in panel.note.text()
    assert panel.note.property("tone") == "valid"
    await pump(lambda: cells(panel)[0][1].startswith("202 in") and cells(panel)[0][2] == "3",
               what=f"the table did not show the success: {cells(panel)}")
    assert panel.history.toPlainText().count("by hand") == 2
    httpserver.check_assertions()  # the handler got the captured request, once
    assert [f.get("manual", False) for f in forwards(ctx, capture_id)] == [False, True, True]
    assert window.inbox.inspector.capture_id == capture_id  # still the same capture


async def test_a_capture_with_no_forward_target_says_so_and_offers_no_retry(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    await post(f"{window.base_url}/plain", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    await select_capture(qtbot, window, 0)
    panel = await open_forwards_tab(qtbot, window)
    await pump(lambda: "Not forwarded" in panel.note.text(), what="no sentence")
    assert panel.targets.rowCount() == 0 and not panel.retry.isEnabled()


async def test_the_relays_own_retries_show_in_the_open_tab(
        window: Any, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    """No click: the handler comes up, the relay's next automatic try gets through, and the
    Forwards tab, left open, shows it."""
    window.receiver.forwarder.retry_policy = parse_policy("0,2s,2s,2s,2s,2s")
    target = httpserver.url_for("/handler")
    httpserver.stop()
    create_endpoint(ctx.store, name="shop", path="/shop", forward_to=[target])
    window._endpoints_changed()
    await post(f"{window.base_url}/shop", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    await select_capture(qtbot, window, 0)
    panel = await open_forwards_tab(qtbot, window)
    await pump(lambda: cells(panel) and cells(panel)[0][1].startswith("failed:"),
               what="the tab did not show the failure")
    httpserver.start()  # the handler comes up; the relay's next try gets through
    httpserver.expect_request("/handler").respond_with_data("ok")
    await pump(lambda: cells(panel)[0][1].startswith("200 in"), within=30,
               what=f"the tab did not show the relay's retry: {cells(panel)}")
    assert "automatic retry" in panel.history.toPlainText()
    assert "by hand" not in panel.history.toPlainText()
