"""The endpoint editor's fields beyond the response rule, typed as a person types them:
the active flag, response headers, body size limit, forward mode, IP allowlist and public URL.
Saved through the real Save button, read back from the store, shown again when the endpoint is
reopened, obeyed by the receiver, and refused with a sentence (nothing stored) when wrong."""

from __future__ import annotations

from typing import Any

import aiohttp
from PySide6.QtCore import Qt
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    choose,
    click,
    click_text,
    go_to,
    pick_list_row,
    pump,
    retype,
)
from tests.ui.scenarios.test_endpoints_editor import stored
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.ui.main_window import MainWindow
from webhook_studio.ui.sections.endpoints import EndpointsSection

pytestmark = OFFSCREEN_POPUPS


def type_lines(qtbot: QtBot, field: Any, *lines: str) -> None:
    field.setFocus()
    for number, line in enumerate(lines):
        if number:
            qtbot.keyClick(field, Qt.Key.Key_Return)
        qtbot.keyClicks(field, line)


async def save(qtbot: QtBot, editor: EndpointsSection) -> None:
    await click_text(qtbot, editor, "Save")


async def test_every_field_is_typed_saved_and_comes_back_when_reopened(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Endpoints")
    editor = window.endpoints
    more = editor.more
    qtbot.keyClicks(editor.name, "Billing")
    qtbot.keyClicks(editor.path, "/hooks/billing")
    assert editor.active.isChecked(), "a new endpoint is active"
    assert "still captured" in editor.active.toolTip()
    click(qtbot, editor.active)
    type_lines(qtbot, more.headers, "X-Env: test", "Cache-Control: no-store")
    assert not more.mode.isEnabled(), "no forward target yet: the mode means nothing"
    assert "Forward to" in more.mode.toolTip()
    qtbot.keyClicks(editor.forward, "http://127.0.0.1:9/relay")
    assert more.mode.isEnabled()
    await choose(qtbot, more.mode, "Answer with the first forward target")
    qtbot.keyClicks(more.body_limit, "64 KiB")
    qtbot.keyClicks(more.allowlist, "127.0.0.1, 10.0.0.7/8")
    qtbot.keyClicks(more.public_url, "https://hooks.example.com/hooks/billing")
    await save(qtbot, editor)
    assert editor.error.text() == ""
    (row,) = stored(ctx)
    assert (row.active, row.response_headers, row.forward_to, row.forward_mode,
            row.max_body_bytes, row.ip_allowlist, row.public_url) == (
        False, [["X-Env", "test"], ["Cache-Control", "no-store"]], ["http://127.0.0.1:9/relay"],
        "proxy", 65536, ["127.0.0.1/32", "10.0.0.0/8"], "https://hooks.example.com/hooks/billing")
    await pump(lambda: editor.list.count() == 1)
    assert "inactive" in editor.list.item(0).text()

    # A new form is empty again; reopening the endpoint shows every value as stored.
    await click_text(qtbot, editor, "New endpoint")
    assert editor.active.isChecked() and more.headers.toPlainText() == ""
    assert more.body_limit.text() == "" and more.mode.currentData() == "async"
    assert not more.mode.isEnabled()
    await pick_list_row(qtbot, editor.list, 0)
    assert editor.current == row.id
    assert not editor.active.isChecked()
    assert more.headers.toPlainText() == "X-Env: test\nCache-Control: no-store"
    assert more.mode.currentData() == "proxy" and more.mode.isEnabled()
    assert more.body_limit.text() == "64 KiB"
    assert more.allowlist.toPlainText() == "127.0.0.1/32\n10.0.0.0/8"
    assert more.public_url.text() == "https://hooks.example.com/hooks/billing"

    # Saved again unchanged, nothing moves; clearing the limit and the URL restores defaults.
    await save(qtbot, editor)
    (again,) = stored(ctx)
    assert {k: v for k, v in vars(again).items() if k not in ("_sa_instance_state",
                                                              "updated_at")} == \
        {k: v for k, v in vars(row).items() if k not in ("_sa_instance_state", "updated_at")}
    retype(qtbot, more.body_limit, "")
    retype(qtbot, more.public_url, "")
    await save(qtbot, editor)
    (cleared,) = stored(ctx)
    assert (cleared.max_body_bytes, cleared.public_url) == (10 * 1024 * 1024, None)


async def test_the_receiver_obeys_what_the_editor_saved(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    """Active off: the path answers as the catch-all does. On: the response rule with its
    headers. Proxy: the forward target's own answer. A small body limit: 413."""
    httpserver.expect_request("/handler").respond_with_data("from the handler", status=201)
    await go_to(qtbot, window, "Endpoints")
    editor = window.endpoints
    qtbot.keyClicks(editor.path, "/hooks/shop")
    editor.status.setFocus()
    qtbot.keyClick(editor.status, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.status, "202")
    qtbot.keyClicks(editor.body, "thanks")
    type_lines(qtbot, editor.more.headers, "X-Answered-By: studio")
    click(qtbot, editor.active)
    await save(qtbot, editor)
    assert editor.error.text() == ""

    async def post(body: bytes = b"{}") -> tuple[int, str, str | None]:
        async with aiohttp.ClientSession() as session, session.post(
                f"{window.base_url}/hooks/shop", data=body) as resp:
            return resp.status, await resp.text(), resp.headers.get("X-Answered-By")

    status, text, header = await post()
    assert status == 200 and '"received": true' in text and header is None
    click(qtbot, editor.active)
    await save(qtbot, editor)
    await pump(lambda: editor.list.count() == 1 and "inactive" not in
               editor.list.item(0).text())
    assert await post() == (202, "thanks", "studio")

    qtbot.keyClicks(editor.forward, httpserver.url_for("/handler"))
    await choose(qtbot, editor.more.mode, "Answer with the first forward target")
    await save(qtbot, editor)
    assert (await post())[:2] == (201, "from the handler")

    retype(qtbot, editor.more.body_limit, "8")
    await save(qtbot, editor)
    assert (await post(b'{"far": "too long"}'))[0] == 413


async def test_a_bad_value_in_any_field_is_named_and_nothing_is_stored(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    endpoint_id = create_endpoint(
        ctx.store, name="Kept", path="/kept", response_headers=[["X-A", "1"]],
        max_body_bytes=4096, ip_allowlist=["127.0.0.0/8"], forward_to=["http://127.0.0.1:9/"],
        forward_mode="proxy", public_url="https://hooks.example.com/kept", active=False)
    before = stored(ctx)[0]
    await go_to(qtbot, window, "Endpoints")
    editor = window.endpoints
    await pump(lambda: editor.list.count() == 1)
    await pick_list_row(qtbot, editor.list, 0)
    assert editor.current == endpoint_id
    more = editor.more
    cases = (
        (more.headers, "X-A: 1\nnot a header", "response_headers",
         "Line 2 is not 'Name: value'."),
        (more.headers, "X(A: 1", "response_headers",
         "Header name 'X(A' is not a valid HTTP header name"),
        (more.body_limit, "lots", "max_body_bytes",
         "The body limit must be a whole number of bytes from 0 to 104,857,600."),
        (more.body_limit, "200 MiB", "max_body_bytes",
         "The body limit must be a whole number of bytes from 0 to 104,857,600."),
        (more.allowlist, "127.0.0.1, 10.0.0.0/33", "ip_allowlist",
         "The IP allowlist, item 2: must be an IP address or CIDR network like 10.0.0.0/8."),
        (more.public_url, "hooks.example.com/kept", "public_url",
         "Enter a full http:// or https:// URL."),
    )
    for field, bad, key, sentence in cases:
        good = field.toPlainText() if hasattr(field, "toPlainText") else field.text()
        if "\n" in bad:
            retype(qtbot, field, "")
            type_lines(qtbot, field, *bad.split("\n"))
        else:
            retype(qtbot, field, bad)
        await save(qtbot, editor)
        assert editor.errors[key].text().startswith(sentence), (bad, editor.errors[key].text())
        assert editor.errors[key].isVisible()
        assert editor.error.text() == "Not saved: 1 field needs attention."
        (now,) = stored(ctx)
        assert now.updated_at == before.updated_at, f"{bad!r} was saved"
        retype(qtbot, field, "")
        type_lines(qtbot, field, *good.split("\n"))
    # with every field good again, Save stores exactly what was there
    await save(qtbot, editor)
    assert editor.error.text() == "" and not any(e.isVisible() for e in editor.errors.values())
    (after,) = stored(ctx)
    for key in ("response_headers", "max_body_bytes", "ip_allowlist", "forward_to",
                "forward_mode", "public_url", "active"):
        assert getattr(after, key) == getattr(before, key), key


async def test_a_mistake_is_named_when_the_field_is_left_and_cleared_once_fixed(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Endpoints")
    editor = window.endpoints
    more, errors = editor.more, editor.errors
    qtbot.keyClicks(editor.path, "/hooks/live")
    more.body_limit.setFocus()
    qtbot.keyClicks(more.body_limit, "ten megs")
    assert not errors["max_body_bytes"].isVisible(), "not while still typing"
    qtbot.keyClick(more.body_limit, Qt.Key.Key_Tab)
    assert errors["max_body_bytes"].isVisible()
    assert "whole number of bytes" in errors["max_body_bytes"].text()
    retype(qtbot, more.body_limit, "10 MiB")
    assert not errors["max_body_bytes"].isVisible(), "fixed: the sentence goes at once"

    type_lines(qtbot, more.allowlist, "localhost")
    await save(qtbot, editor)
    assert errors["ip_allowlist"].isVisible() and stored(ctx) == []
    retype(qtbot, more.allowlist, "::1")
    assert not errors["ip_allowlist"].isVisible()
    await save(qtbot, editor)
    (row,) = stored(ctx)
    assert (row.max_body_bytes, row.ip_allowlist) == (10 * 1024 * 1024, ["::1/128"])
