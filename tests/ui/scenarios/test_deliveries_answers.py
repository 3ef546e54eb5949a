"""The Deliveries detail shows each attempt's request as sent and the handler's answer below
the attempts table (the last attempt by default, another one when its row is clicked), and a
"By event type" table in place of the latency chart that follows new deliveries."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QTableWidget
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Request, Response

from tests.ui.scenarios.helpers import LEFT, click, pump, reads_done
from tests.ui.scenarios.test_deliveries_actions import SECRET, shown
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store import window_reads as reads
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui.main_window import MainWindow
from webhook_studio.ui.sections.deliveries import DeliveriesSection

PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


def cell(table: QTableWidget, row: int, col: int) -> str:
    item = table.item(row, col)
    return "" if item is None else item.text()


def texts(section: DeliveriesSection) -> tuple[str, str, str]:
    ex = section.detail.exchange
    headers = "\n".join(
        f"{cell(ex.response_headers, r, 0)}: {cell(ex.response_headers, r, 1)}"
        for r in range(ex.response_headers.rowCount()))
    return ex.status.text(), headers, ex.response_body.toPlainText()


async def click_attempt(qtbot: QtBot, section: DeliveriesSection, row: int) -> None:
    table = section.attempts
    item = table.item(row, 1)
    assert item is not None
    rect = table.visualItemRect(item)
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    await reads_done(section)


async def test_the_handler_s_answer_shows_under_the_attempt_clicked(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    calls = {"n": 0}

    def handler(_request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response(json.dumps({"error": "db down", "code": 17}), status=500,
                            content_type="application/json",
                            headers={"X-Handler": "orders-v2"})
        return Response("thanks", status=200)

    httpserver.expect_request("/hook").respond_with_handler(handler)
    sub = create_subscription(ctx.store, secret=SECRET, url=httpserver.url_for("/hook"),
                              events=["*"], retry_policy=parse_policy("0,0").to_dict())
    (delivery,) = window.dispatcher.emit("order.paid", {"order": 42}, subscription_id=sub)
    await pump(lambda: reads.delivery_detail(ctx.store, delivery).delivery.state
               == "delivered", 20.0, "never delivered")
    section = await shown(qtbot, window, delivery)
    await pump(lambda: section.attempts.rowCount() == 2, 20.0, "two attempts")
    # the last attempt is shown by default
    await pump(lambda: texts(section)[0].startswith("Attempt 2: HTTP 200"), 20.0,
               "the last attempt's answer is not shown")
    assert texts(section)[2] == "thanks"
    await click_attempt(qtbot, section, 0)
    await pump(lambda: texts(section)[0].startswith("Attempt 1: HTTP 500"), 20.0,
               "clicking the first attempt did not show its answer")
    _status, headers, body = texts(section)
    assert "x-handler: orders-v2" in headers.splitlines()
    assert body == '{\n  "error": "db down",\n  "code": 17\n}'  # pretty JSON
    # the request as it was sent, on the other tab
    ex = section.detail.exchange
    bar = ex.tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(1).center())
    assert ex.tabs.tabText(ex.tabs.currentIndex()) == "Request"
    assert ex.request_line.text().startswith(f"POST {httpserver.url_for('/hook')}")
    names = [cell(ex.request_headers, r, 0) for r in range(ex.request_headers.rowCount())]
    assert "webhook-signature" in names
    assert json.loads(ex.request_body.toPlainText())["data"] == {"order": 42}
    # a refresh of the same delivery keeps the attempt the person picked
    section.refresh()
    await reads_done(section)
    await pump(lambda: section.attempts.rowCount() == 2)
    assert texts(section)[0].startswith("Attempt 1: HTTP 500")


async def test_a_binary_answer_shows_as_hex_and_no_answer_names_the_error(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/png").respond_with_data(PNG, content_type="image/png")
    sub = create_subscription(ctx.store, secret=SECRET, url=httpserver.url_for("/png"),
                              events=["image.*"], retry_policy=parse_policy("0").to_dict())
    (image,) = window.dispatcher.emit("image.ready", {}, subscription_id=sub)
    await pump(lambda: reads.delivery_detail(ctx.store, image).delivery.state == "delivered",
               20.0, "never delivered")
    section = await shown(qtbot, window, image)
    await pump(lambda: texts(section)[0].startswith("Attempt 1: HTTP 200"), 20.0, "no answer")
    body = texts(section)[2]
    assert body.startswith("(11 B of binary data, as hex)")
    assert "89 50 4e 47" in body
    closed = create_subscription(ctx.store, secret=SECRET, url="http://127.0.0.1:9/x",
                                 events=["gone.*"], retry_policy=parse_policy("0").to_dict())
    (gone,) = window.dispatcher.emit("gone.away", {}, subscription_id=closed)
    await pump(lambda: reads.delivery_detail(ctx.store, gone).delivery.state == "failed",
               20.0, "never failed")
    section = await shown(qtbot, window, gone)
    await pump(lambda: texts(section)[0].startswith("Attempt 1: no answer"), 20.0,
               "the failed attempt's error is not shown")
    attempt = reads.delivery_detail(ctx.store, gone).attempts[0]
    assert attempt.error_class and attempt.error_class in texts(section)[0]


async def test_by_event_type_table_follows_new_deliveries(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_data("ok")
    sub = create_subscription(ctx.store, secret=SECRET, url=httpserver.url_for("/ok"),
                              events=["*"], retry_policy=parse_policy("0").to_dict())
    (first,) = window.dispatcher.emit("user.created", {}, subscription_id=sub)
    await pump(lambda: reads.delivery_detail(ctx.store, first).delivery.state == "delivered",
               20.0, "never delivered")
    section = await shown(qtbot, window, first)
    assert not section.stats.isVisible()
    click(qtbot, section.by_event)
    await reads_done(section)
    table = section.stats.table
    await pump(lambda: table.rowCount() == 1 and cell(table, 0, 0) == "user.created",
               20.0, "the table does not show the event type")
    assert section.stats.isVisible() and not section.latency.isVisible()
    assert [cell(table, 0, c) for c in range(4)] == ["user.created", "1", "1 (100%)",
                                                           "1.00"]
    # a new delivery of another type: the table reads again by itself
    window.dispatcher.emit("invoice.paid", {}, subscription_id=sub)
    window.dispatcher.emit("user.created", {}, subscription_id=sub)
    await pump(lambda: table.rowCount() == 2 and cell(table, 1, 1) == "2", 30.0,
               "the table did not follow the new deliveries")
    assert cell(table, 0, 0) == "invoice.paid"
    click(qtbot, section.by_event)
    assert section.latency.isVisible() and not section.stats.isVisible()
