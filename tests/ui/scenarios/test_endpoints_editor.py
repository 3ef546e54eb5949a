"""Endpoints as a person edits them: one secret rule with the subscriptions, secrets hidden
until asked for, and a Delete that asks first and keeps the captures."""

from __future__ import annotations

import aiohttp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    answer,
    choose,
    click_text,
    go_to,
    pick_list_row,
    pump,
    retype,
)
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_models import Capture, Endpoint
from webhook_studio.ui.main_window import MainWindow

pytestmark = OFFSCREEN_POPUPS
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def stored(ctx: AppContext) -> list[Endpoint]:
    with ctx.store.session() as session:
        rows = session.query(Endpoint).order_by(Endpoint.id).all()
        session.expunge_all()
        return rows


async def test_an_endpoint_is_created_masked_copied_and_deleted_after_asking(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Endpoints")
    editor = window.endpoints
    await click_text(qtbot, editor, "New endpoint")
    qtbot.keyClicks(editor.name, "Orders service")
    qtbot.keyClicks(editor.path, "/hooks/orders")
    await choose(qtbot, editor.scheme, "standard-webhooks")
    assert editor.secrets.is_revealed(), "a new endpoint starts with its secret field open"
    qtbot.keyClicks(editor.secrets.edit, "hello")
    await click_text(qtbot, editor, "Save")
    # the same rule as the subscription editor: "hello" is not a Standard Webhooks secret
    assert "whsec_" in editor.errors["secrets"].text()
    assert editor.errors["secrets"].isVisible()
    assert stored(ctx) == []
    retype(qtbot, editor.secrets.edit, SECRET)
    await click_text(qtbot, editor, "Save")
    assert editor.error.text() == ""
    (endpoint,) = stored(ctx)
    assert (endpoint.path, endpoint.scheme, endpoint.secrets) == (
        "/hooks/orders", "standard-webhooks", [SECRET])

    # Opened again from the list, the secret is hidden; Copy copies it without showing it.
    await click_text(qtbot, editor, "New endpoint")
    await pick_list_row(qtbot, editor.list, 0)
    assert editor.current == endpoint.id
    assert not editor.secrets.is_revealed()
    assert SECRET not in editor.secrets.masked.toPlainText()
    assert not editor.secrets.edit.isVisible()
    QApplication.clipboard().clear()
    await click_text(qtbot, editor.secrets, "Copy")
    assert QApplication.clipboard().text() == SECRET
    await click_text(qtbot, editor.secrets, "Reveal")
    assert editor.secrets.edit.isVisible()
    assert editor.secrets.edit.toPlainText() == SECRET
    await click_text(qtbot, editor.secrets, "Hide")
    assert not editor.secrets.edit.isVisible()

    # A capture arrives on the endpoint; deleting asks first, Cancel keeps everything.
    async with aiohttp.ClientSession() as session, session.post(
            f"{window.base_url}/hooks/orders", data=b"{}") as resp:
        capture_id = (await resp.json())["capture"]
    await click_text(qtbot, editor, "Delete…")
    question = await answer(qtbot, editor, "Cancel")
    assert question == ("Delete endpoint 'Orders service' and stop receiving on "
                        "/hooks/orders? Its captures are kept.")
    assert len(stored(ctx)) == 1 and editor.list.count() == 1

    # The Delete key on the list asks the same; confirming deletes it and keeps the capture.
    window.activateWindow()  # offscreen, a combo's closed popup can stay the active window
    await pump(lambda: QApplication.activeWindow() is window)
    editor.list.setFocus()
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)
    await answer(qtbot, editor, "Delete endpoint")
    assert stored(ctx) == []
    assert editor.list.count() == 0 and editor.current is None
    with ctx.store.session() as session:
        capture = session.get(Capture, capture_id)
        assert capture is not None and capture.endpoint_id is None
    inbox_endpoints = [window.inbox.endpoint.itemText(i)
                       for i in range(window.inbox.endpoint.count())]
    assert inbox_endpoints == ["All endpoints"]


async def test_a_profile_endpoint_checks_its_secret_with_the_profiles_rule(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    """A whpk_ public key verifies (an endpoint never signs): it is accepted when it decodes,
    refused with a sentence when it does not."""
    await go_to(qtbot, window, "Endpoints")
    editor = window.endpoints
    qtbot.keyClicks(editor.path, "/hooks/ed")
    await choose(qtbot, editor.scheme, "standard-webhooks")
    qtbot.keyClicks(editor.secrets.edit, "whpk_bm90LWEta2V5")
    await click_text(qtbot, editor, "Save")
    problem = editor.errors["secrets"].text()
    assert "whpk_" in problem and "32 bytes" in problem
    import base64

    retype(qtbot, editor.secrets.edit, "whpk_" + base64.b64encode(bytes(range(32))).decode())
    await click_text(qtbot, editor, "Save")
    await pump(lambda: editor.error.text() == "", 5.0, editor.error.text())
    assert len(stored(ctx)) == 1


async def test_an_endpoint_made_through_the_api_re_saves_unchanged_from_the_editor(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    """Every field the API sets (body limit, public URL, response headers, forward targets
    and mode, IP allowlist as the API normalised it, inactive) and an "off" tolerance survive
    a Save from the editor: one rule set, no silent rewrites."""
    from webhook_studio.api import load_or_create_token

    api = await window.start_api(0)
    headers = {"Authorization": f"Bearer {load_or_create_token(ctx.data_dir)}"}
    sent = {"path": "/qa", "name": "QA", "scheme": "standard-webhooks", "secrets": [SECRET],
            "tolerance": -1, "max_body_bytes": 2048,
            "public_url": "https://hooks.example.com/qa",
            "response_status": 202, "response_delay_ms": 150,
            "response_headers": {"X-A": "1", "Cache-Control": "no-store"},
            "forward_to": ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"],
            "forward_mode": "proxy", "ip_allowlist": ["10.0.0.7/8", "::1"],
            "is_active": False, "reject_invalid": True, "response_body": "ok"}
    try:
        async with aiohttp.ClientSession(headers=headers) as session:
            async with session.post(f"{api}/api/v1/endpoints", json=sent) as resp:
                assert resp.status == 201, await resp.text()
                before = await resp.json()
            await go_to(qtbot, window, "Endpoints")
            editor = window.endpoints
            await pump(lambda: editor.list.count() == 1)
            await pick_list_row(qtbot, editor.list, 0)
            assert editor.tolerance.text() == "off (no time check)"
            (row,) = stored(ctx)
            await click_text(qtbot, editor, "Save")
            assert editor.error.text() == ""
            (saved,) = stored(ctx)
            assert saved.updated_at > row.updated_at, "Save wrote the endpoint"
            async with session.get(f"{api}/api/v1/endpoints/{before['id']}") as resp:
                after = await resp.json()
    finally:
        await window.stop_engines()
    for key in ("updated_at",):
        before.pop(key), after.pop(key)
    assert after == before
