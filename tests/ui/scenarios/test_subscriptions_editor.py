"""Subscriptions as a person works with them: create one in the editor, send to it from the
Composer, watch the delivery fail and then succeed on the Deliveries timeline; delete one."""

from __future__ import annotations

from itertools import chain, repeat

from PySide6.QtCore import Qt
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Request, Response

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
from webhook_studio.core.timeline import Outcome
from webhook_studio.store.sender_models import Delivery, Subscription
from webhook_studio.ui.main_window import MainWindow

pytestmark = OFFSCREEN_POPUPS


async def create_in_editor(qtbot: QtBot, window: MainWindow, url: str, events: str,
                     retry: str) -> str:
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    await click_text(qtbot, editor, "New subscription")
    qtbot.keyClicks(editor.url, url)
    retype(qtbot, editor.events, events)
    retype(qtbot, editor.retry.lineEdit(), retry)
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved.", editor.status.text()
    assert editor.current is not None
    return editor.current


async def test_a_subscription_made_in_the_editor_fails_then_delivers_on_the_timeline(
        window: MainWindow, ctx: AppContext, qtbot: QtBot,
        httpserver: HTTPServer) -> None:
    statuses = chain([500], repeat(200))
    seen: list[Request] = []

    def reply(request: Request) -> Response:
        seen.append(request)
        return Response("", status=next(statuses))

    httpserver.expect_request("/orders").respond_with_handler(reply)
    url = httpserver.url_for("/orders")
    # 2 s between the attempts: long enough to see the failed one with its planned retry
    sub_id = await create_in_editor(qtbot, window, url, "order.*", "0,2s")

    await go_to(qtbot, window, "Composer")
    composer = window.composer
    await choose(qtbot, composer.target, f"Subscription {url}")
    assert composer.preview.toPlainText().startswith(f"POST {url}\n")
    assert composer.scheme.currentText() == "standard-webhooks"
    assert not composer.scheme.isEnabled() and composer.scheme_note.text() == \
        "set by the subscription"
    retype(qtbot, composer.event_type, "order.created")
    await click_text(qtbot, composer, "Send")
    assert composer.result.text() == "Queued 1 delivery: see Deliveries."
    with ctx.store.session() as session:
        (delivery,) = session.query(Delivery).filter_by(subscription_id=sub_id).all()
        delivery_id = delivery.id

    await go_to(qtbot, window, "Deliveries")
    deliveries = window.deliveries
    # the new delivery is the selected row and the one the detail shows
    assert deliveries.delivery_id == delivery_id
    (selected,) = deliveries.view.selectionModel().selectedRows()
    assert deliveries.model.row_object(selected.row()).id == delivery_id

    def outcomes() -> list[tuple[Outcome, bool]]:
        return [(m.outcome, m.hollow)
                for m in deliveries.timeline.current_layout().markers]

    # First the failed attempt and the planned retry, with a countdown to it …
    await pump(lambda: outcomes() == [(Outcome.SERVER_ERROR, False),
                                      (Outcome.SCHEDULED, True)], 20.0,
               "the failed attempt and its planned retry did not show")
    assert " · pending" in deliveries.summary.text()
    assert (deliveries.timeline.countdown_text() or "").startswith("next attempt in")
    assert deliveries.attempts.rowCount() == 1
    assert deliveries.attempts.item(0, 2).text() == "500"
    # … then the retry succeeds, on the same selected row.
    await pump(lambda: outcomes() == [(Outcome.SERVER_ERROR, False),
                                      (Outcome.SUCCESS, False)], 20.0,
               "the retry did not show as delivered")
    assert " · delivered" in deliveries.summary.text()
    assert deliveries.attempts.rowCount() == 2
    (selected,) = deliveries.view.selectionModel().selectedRows()
    row = deliveries.model.row_object(selected.row())
    assert (row.id, row.state, row.attempt_count) == (delivery_id, "delivered", 2)
    assert len(seen) == 2
    assert seen[0].headers["webhook-id"] == seen[1].headers["webhook-id"] == delivery_id


async def test_a_subscription_is_deleted_from_the_list_after_asking(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    keep = await create_in_editor(qtbot, window, "http://localhost:3000/keep", "*", "0")
    gone = await create_in_editor(qtbot, window, "http://localhost:3000/gone", "user.*", "0")
    window.dispatcher.emit("user.created", {"id": 1}, subscription_id=gone)
    editor = window.subscriptions
    assert editor.list.count() == 2
    assert window.composer.target.findData(gone) >= 0

    # The Delete key on the list asks; Cancel keeps it.
    await pick_list_row(qtbot, editor.list, 1)
    assert editor.current == gone
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)
    question = await answer(qtbot, editor, "Cancel")
    assert question == ("Delete the subscription to http://localhost:3000/gone? Events stop "
                        "going there at once. Its delivery and its attempts are deleted with "
                        "it.")
    assert editor.list.count() == 2
    # so does "Delete subscription…" in the list's right-click menu
    (action,) = editor.list.actions()
    assert action.text() == "Delete subscription…"
    action.trigger()
    await answer(qtbot, editor, "Cancel")
    assert editor.list.count() == 2

    # The Delete… button asks the same; confirming deletes it and its delivery.
    await click_text(qtbot, editor, "Delete…")
    await answer(qtbot, editor, "Delete subscription")
    with ctx.store.session() as session:
        assert [s.id for s in session.query(Subscription).all()] == [keep]
        assert session.query(Delivery).count() == 0
    assert editor.list.count() == 1 and editor.current is None
    assert editor.status.text() == "Deleted."
    assert not editor.delete_button.isEnabled()
    await go_to(qtbot, window, "Composer")
    assert window.composer.target.findData(gone) < 0
    assert window.composer.target.findData(keep) >= 0


async def test_a_profile_subscription_made_through_the_api_re_saves_unchanged(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    """The editor shows the profile's scheme read-only, checks the secret under it, and a
    Save changes nothing the API stored (same limits, same scheme and options)."""
    import aiohttp

    from webhook_studio.api import load_or_create_token

    api = await window.start_api(0)
    token = load_or_create_token(ctx.data_dir)
    sent = {"url": "http://localhost:3000/envoyou", "events": ["user.*"], "profile": "envoyou",
            "secret": "env-secret", "retry_policy": "envoyou", "timeout": 30,
            "rate_per_minute": 120, "rate_per_hour": 6_000_000, "headers": {"X-Env": "qa"},
            "description": "EnvoyOU staging"}

    def columns() -> tuple[object, ...]:
        with ctx.store.session() as session:
            sub = session.query(Subscription).one()
            return (sub.scheme, sub.scheme_options, sub.profile, sub.retry_policy,
                    sub.max_concurrency, sub.timeout_seconds, sub.headers)

    try:
        async with aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {token}"}) as session:
            async with session.post(f"{api}/api/v1/webhooks", json=sent) as resp:
                assert resp.status == 201, await resp.text()
                before = await resp.json()
            stored = columns()
            await go_to(qtbot, window, "Subscriptions")
            editor = window.subscriptions
            await pump(lambda: editor.list.count() == 1)
            await pick_list_row(qtbot, editor.list, 0)
            assert editor.scheme.currentText() == "hmac (X-EnvoyOU-Signature)"
            assert not editor.scheme.isEnabled()
            assert editor.signature.note.text() == "set by the EnvoyOU (seed 001) profile"
            await click_text(qtbot, editor, "Save")
            assert editor.status.text() == "Saved.", editor.status.text()
            async with session.get(f"{api}/api/v1/webhooks/{before['id']}") as resp:
                after = await resp.json()
            assert columns() == stored
            # a secret the profile's scheme cannot use is refused at the field
            await click_text(qtbot, editor, "Reveal")
            retype(qtbot, editor.secret, "")
            await click_text(qtbot, editor, "Save")
            assert editor.errors["secret"].isVisible()
    finally:
        await window.stop_engines()
    assert before.pop("secret") == "env-secret"  # shown once, when created
    for row in (before, after):
        row.pop("updated_at")
    assert after == before
