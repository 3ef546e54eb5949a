"""Replay from the window: as it was, re-signed (a fresh X-GitHub-Delivery, so a second
endpoint does not flag it as a duplicate), and edited (the original untouched, the copy
linked), from the inspector, a row's context menu and a delivery's detail."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import click, click_row, post, pump, select_capture, wait_visible
from webhook_studio.context import AppContext
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.ui.edit_resend_dialog import EditResendDialog
from webhook_studio.ui.replay_dialog import ReplayDialog

GH = "It's a Secret to Everybody"
BODY = b'{"action":"opened","number":42}'


async def github_capture(window: Any, ctx: AppContext) -> int:
    """Two GitHub endpoints with the same secret, and one signed delivery at the first."""
    for path in ("/hooks/github", "/hooks/github-2"):
        create_endpoint(ctx.store, name=path, path=path, profile="github", scheme="github",
                        secrets=[GH])
    window._endpoints_changed()
    headers = {**get_scheme("github").sign(GH, SignInput(BODY)), "X-GitHub-Event": "issues",
               "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
               "Content-Type": "application/json"}
    answer = await post(f"{window.base_url}/hooks/github", BODY, headers)
    await pump(lambda: window.inbox.model.rowCount() == 1)
    return int(answer["capture"])


def captured(ctx: AppContext, path: str) -> list[Capture]:
    with ctx.store.session() as session:
        rows = session.query(Capture).filter(Capture.path == path).order_by(Capture.id).all()
        for row in rows:
            _ = row.body
        session.expunge_all()
        return rows


def header(capture: Capture, name: str) -> str | None:
    return next((v for k, v in capture.headers if k.lower() == name.lower()), None)


async def open_replay(qtbot: QtBot, window: Any) -> ReplayDialog:
    click(qtbot, window.inbox.inspector.replay)
    return await wait_visible(window, ReplayDialog)


async def test_replay_as_is_defaults_to_the_endpoint_profile_and_remembers_the_target(
        window: Any, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/handler").respond_with_data("ok")
    original = await github_capture(window, ctx)
    await select_capture(qtbot, window, 0)
    dialog = await open_replay(qtbot, window)
    signing = dialog.signing.current()
    assert (signing.kind, signing.name, signing.secret) == ("profile", "github", GH)
    assert dialog.signing.how.currentText() == "Profile: GitHub"
    qtbot.keyClicks(dialog.url.lineEdit(), httpserver.url_for("/handler"))
    click(qtbot, dialog.ok_button)
    await pump(lambda: len(httpserver.log) == 1)
    request = httpserver.log[0][0]
    assert request.get_data() == BODY
    assert request.headers["X-GitHub-Delivery"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    await pump(lambda: f"Replayed #{original}" in window.statusBar().currentMessage())
    again = await open_replay(qtbot, window)
    assert again.url.currentText() == httpserver.url_for("/handler")  # remembered
    click(qtbot, again.buttons.button(again.buttons.StandardButton.Cancel))


async def test_resigned_replay_renews_the_github_delivery_id(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    original = await github_capture(window, ctx)
    await select_capture(qtbot, window, 0)
    # as it was: the second endpoint sees the same delivery id and flags a duplicate
    dialog = await open_replay(qtbot, window)
    qtbot.keyClicks(dialog.url.lineEdit(), f"{window.base_url}/hooks/github-2")
    click(qtbot, dialog.ok_button)
    await pump(lambda: len(captured(ctx, "/hooks/github-2")) == 1)
    assert captured(ctx, "/hooks/github-2")[0].duplicate_of == original
    # re-signed: a fresh X-GitHub-Delivery, a valid signature, no duplicate
    dialog = await open_replay(qtbot, window)
    assert dialog.url.currentText() == f"{window.base_url}/hooks/github-2"
    click(qtbot, dialog.resign)
    click(qtbot, dialog.ok_button)
    await pump(lambda: len(captured(ctx, "/hooks/github-2")) == 2)
    replayed = captured(ctx, "/hooks/github-2")[1]
    assert replayed.duplicate_of is None
    assert replayed.verify_valid is True
    assert header(replayed, "X-GitHub-Delivery") not in (
        None, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert header(replayed, "X-GitHub-Event") == "issues"  # the captured ones are kept


async def test_edit_and_resend_keeps_the_original_and_links_the_copy(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    original = await github_capture(window, ctx)
    await select_capture(qtbot, window, 0)
    inspector = window.inbox.inspector
    click(qtbot, inspector.edit)
    dialog = await wait_visible(window, EditResendDialog)
    assert dialog.method.currentText() == "POST"
    assert "X-GitHub-Event: issues" in dialog.headers.toPlainText()
    dialog.body.setFocus()
    qtbot.keyClick(dialog.body, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.body, '{"action":"closed","number":42}')
    dialog.headers.moveCursor(dialog.headers.textCursor().MoveOperation.End)
    qtbot.keyClick(dialog.headers, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.headers, "X-Debug: edited")
    qtbot.keyClicks(dialog.url.lineEdit(), f"{window.base_url}/hooks/github-2")
    click(qtbot, dialog.resign)
    click(qtbot, dialog.send_button)
    await pump(lambda: len(captured(ctx, "/hooks/github-2")) == 1)
    received = captured(ctx, "/hooks/github-2")[0]
    assert received.body == b'{"action":"closed","number":42}'
    assert received.verify_valid is True and header(received, "X-Debug") == "edited"
    first = captured(ctx, "/hooks/github")
    assert [c.body for c in first] == [BODY, b'{"action":"closed","number":42}']
    kept, copy = first
    assert kept.id == original and kept.source == "receiver" and kept.edited_from is None
    assert header(kept, "X-Debug") is None
    assert copy.source == "edited" and copy.edited_from == original
    # the window shows the new copy, linked to its original, and the original lists it
    await pump(lambda: inspector.capture_id == copy.id)
    assert inspector.lineage.text() == f'Edited from <a href="{original}">#{original}</a>'
    label = inspector.lineage  # click on "#N" in "Edited from #N"
    x = label.contentsRect().left() + label.fontMetrics().horizontalAdvance("Edited from #") + 2
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(x, label.height() // 2))
    await pump(lambda: inspector.capture_id == original)
    assert f'Edited copies: <a href="{copy.id}">#{copy.id}</a>' in inspector.lineage.text()


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")  # offscreen
async def test_edit_from_a_rows_context_menu_and_from_a_delivery(
        window: Any, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/handler").respond_with_data("ok")
    original = await github_capture(window, ctx)
    view = window.inbox.view
    rect = view.visualRect(view.model().index(0, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=rect.center())
    # what the platform sends after a right click (offscreen Qt does not synthesise it)
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, rect.center(), view.viewport().mapToGlobal(rect.center())))
    await pump(lambda: getattr(window.inbox, "last_row_menu", None) is not None)
    menu: QMenu = window.inbox.last_row_menu
    edit = next(a for a in menu.actions() if a.text() == "Edit and resend…")
    menu.close()
    edit.trigger()
    dialog = await wait_visible(window, EditResendDialog)
    qtbot.keyClicks(dialog.url.lineEdit(), httpserver.url_for("/handler"))
    click(qtbot, dialog.send_button)
    await pump(lambda: len(httpserver.log) == 1)
    # that send is a delivery: open its request from the Deliveries detail and resend it
    window.show_section("deliveries")
    await pump(lambda: window.deliveries.model.rowCount() == 1)
    click_row(qtbot, window.deliveries.view, 0)
    await pump(lambda: window.deliveries.resend_button.isEnabled())
    click(qtbot, window.deliveries.resend_button)
    again = await wait_visible(window, EditResendDialog)
    assert again.url.currentText() == httpserver.url_for("/handler")
    assert "X-GitHub-Event: issues" in again.headers.toPlainText()
    again.headers.moveCursor(again.headers.textCursor().MoveOperation.End)
    qtbot.keyClick(again.headers, Qt.Key.Key_Return)
    qtbot.keyClicks(again.headers, "X-Second: yes")
    click(qtbot, again.send_button)
    await pump(lambda: len(httpserver.log) == 2)
    assert httpserver.log[1][0].headers["X-Second"] == "yes"
    with ctx.store.session() as session:
        copies = session.query(Capture.edited_from).filter(Capture.source == "edited").all()
    assert sorted(e for (e,) in copies) == [original, original + 1]  # each links its original


async def test_a_sent_deliverys_request_is_edited_and_resent_re_signed(
        window: Any, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    from webhook_studio.core.message import IncomingRequest
    from webhook_studio.store.sender_queries import create_subscription

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    httpserver.expect_request("/orders").respond_with_data("ok")
    sub_id = create_subscription(ctx.store, secret=secret, url=httpserver.url_for("/orders"),
                                 events=["*"])
    window.dispatcher.emit("order.paid", {"id": "ord_1"}, subscription_id=sub_id)
    await pump(lambda: len(httpserver.log) == 1)
    first = httpserver.log[0][0]
    window.show_section("deliveries")
    await pump(lambda: window.deliveries.model.rowCount() == 1)
    click_row(qtbot, window.deliveries.view, 0)
    await pump(lambda: window.deliveries.resend_button.isEnabled())
    click(qtbot, window.deliveries.resend_button)
    dialog = await wait_visible(window, EditResendDialog)
    signing = dialog.signing.current()
    assert (signing.kind, signing.name, signing.secret) == ("scheme", "standard-webhooks",
                                                            secret)
    assert f"webhook-id: {first.headers['webhook-id']}" in dialog.headers.toPlainText()
    click(qtbot, dialog.resign)
    click(qtbot, dialog.send_button)
    await pump(lambda: len(httpserver.log) == 2)
    again = httpserver.log[1][0]
    assert again.get_data() == first.get_data()
    assert again.headers["webhook-id"] != first.headers["webhook-id"]
    verdict = get_scheme("standard-webhooks").verify(IncomingRequest(
        body=again.get_data(), headers=tuple(again.headers.items()),
        url=httpserver.url_for("/orders")), [secret], now=time.time())
    assert verdict.valid, verdict.message
    with ctx.store.session() as session:  # the attempt's request is the linked original
        rows = session.query(Capture.id, Capture.source, Capture.edited_from).order_by(
            Capture.id).all()
    assert [(s, e) for _, s, e in rows] == [("delivery", None), ("edited", rows[0][0])]
