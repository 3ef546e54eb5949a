"""Emulating a provider from the subscription editor: pick its profile, see what it fills, Save,
and the subscription is stored as ``POST /webhooks`` with that ``profile`` stores it, signs
its deliveries as the provider does, reopens with the profile picked and lets it go on None."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Request, Response

from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    choose,
    click_text,
    go_to,
    pick_list_row,
    pump,
    retype,
    settle,
)
from webhook_studio.api import ApiServer, ApiServices, load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.retry import format_policy, parse_policy
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.validation import secret_problem
from webhook_studio.store.sender_models import Attempt, Delivery, Subscription
from webhook_studio.store.sender_queries import signing_secrets
from webhook_studio.ui.main_window import MainWindow

pytestmark = OFFSCREEN_POPUPS

PAISSIVE = "pAIssive Income (seed 000)"
#: What a subscription emulating a provider stores, beyond its URL and secret.
COLUMNS = ("profile", "scheme", "scheme_options", "retry_policy", "timeout_seconds",
           "rate_per_minute", "rate_per_hour", "max_concurrency", "events", "headers", "active")


@pytest.fixture
async def api_base(ctx: AppContext) -> AsyncIterator[tuple[str, str]]:
    """The management API on the window's store (no engines of its own: the window's
    dispatcher delivers)."""
    token = load_or_create_token(ctx.data_dir)
    server = ApiServer(ApiServices(ctx.store, ctx.clock, None, profiles=ctx.profiles), token)
    base = await server.start("127.0.0.1", 0)
    yield base, token
    await server.stop()


def stored(ctx: AppContext, sub_id: str) -> dict[str, Any]:
    with ctx.store.session() as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        return {name: getattr(sub, name) for name in COLUMNS}


def current_secret(ctx: AppContext, sub_id: str) -> str:
    with ctx.store.session() as session:
        return signing_secrets(session, sub_id, time.time())[0]


async def new_subscription(qtbot: QtBot, window: MainWindow, url: str) -> Any:
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    await click_text(qtbot, editor, "New subscription")
    qtbot.keyClicks(editor.url, url)
    return editor


async def test_picking_paissive_fills_the_editor_and_saves_what_the_api_would(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer,
        api_base: tuple[str, str]) -> None:
    received: list[Request] = []

    def reply(request: Request) -> Response:
        received.append(request)
        return Response("ok")

    httpserver.expect_request("/paissive").respond_with_handler(reply)
    url = httpserver.url_for("/paissive")
    editor = await new_subscription(qtbot, window, url)
    assert editor.profile.currentText().startswith("None")
    assert editor.scheme.isEnabled()
    plain_secret = editor.secret.text()
    assert plain_secret.startswith("whsec_")

    await choose(qtbot, editor.profile, PAISSIVE)
    # the profile decides the signature, shown with its options, as for an API-made one
    assert not editor.scheme.isEnabled()
    assert editor.scheme.currentText() == "hmac (X-Webhook-Signature)"
    assert editor.signature.note.text() == f"set by the {PAISSIVE} profile"
    # and fills retry, timeout and rates with the provider's, which stay the person's to change
    assert editor.retry.currentText() == format_policy(parse_policy("paissive"))
    assert (editor.timeout.text(), editor.rate_per_minute.text(),
            editor.rate_per_hour.text()) == ("10", "60", "1000")
    for field in (editor.retry, editor.timeout, editor.rate_per_minute, editor.rate_per_hour):
        assert f"Filled from the {PAISSIVE} profile: change it before Save" in field.toolTip()
        assert field.isEnabled()
    # Generate makes a secret the profile's scheme signs with
    await click_text(qtbot, editor, "Generate")
    secret = editor.secret.text()
    assert secret != plain_secret
    assert secret_problem("hmac", secret, {"header": "X-Webhook-Signature",
                                           "encoding": "base64"}) is None

    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved.", editor.status.text()
    sub_id = editor.current
    assert sub_id is not None
    made_here = stored(ctx, sub_id)
    assert made_here["profile"] == "paissive"
    assert made_here["scheme"] == "hmac"
    assert made_here["rate_per_minute"] == 60 and made_here["rate_per_hour"] == 1000
    assert current_secret(ctx, sub_id) == secret

    # The API, given the same profile and nothing else, stores the very same subscription.
    base, token = api_base
    async with aiohttp.ClientSession() as http, http.post(
            f"{base}/api/v1/webhooks", headers={"Authorization": f"Bearer {token}"},
            json={"url": httpserver.url_for("/api-made"), "events": ["*"],
                  "profile": "paissive"}) as resp:
        assert resp.status == 201, await resp.text()
        made_by_api = stored(ctx, (await resp.json())["id"])
    assert made_here == made_by_api

    # A delivery to it carries the provider's signature, which its signing core verifies.
    await go_to(qtbot, window, "Composer")
    composer = window.composer
    await choose(qtbot, composer.target, f"Subscription {url}")
    retype(qtbot, composer.event_type, "user.created")
    await click_text(qtbot, composer, "Send")
    assert composer.result.text() == "Queued 1 delivery: see Deliveries."

    def attempt() -> tuple[int | None, tuple[tuple[str, str], ...], bytes] | None:
        with ctx.store.session() as session:
            delivery = session.query(Delivery).filter_by(subscription_id=sub_id).one_or_none()
            done = (session.query(Attempt).filter_by(delivery_id=delivery.id).first()
                    if delivery else None)
            if done is None:
                return None
            return (done.response_status,
                    tuple((str(name), str(value)) for name, value in done.request_headers),
                    bytes(done.request_body or b""))

    await pump(lambda: attempt() is not None, 45.0, "no attempt was recorded")
    status, headers, body = attempt()  # type: ignore[misc]
    assert status == 200
    names = {name.lower() for name, _ in headers}
    assert "x-webhook-signature" in names
    assert not any(n.startswith(("webhook-", "stripe")) for n in names)
    scheme = get_scheme("hmac", {"header": "X-Webhook-Signature", "encoding": "base64"})
    verdict = scheme.verify(IncomingRequest(body=body, headers=headers), [secret],
                            now=time.time())
    assert verdict.valid, verdict.message
    assert not scheme.verify(IncomingRequest(body=body, headers=headers), ["another"],
                             now=time.time()).valid
    if received:  # what the target saw is what was recorded
        assert received[0].headers["X-Webhook-Signature"] == dict(headers)[
            next(n for n, _ in headers if n.lower() == "x-webhook-signature")]


async def test_changed_fields_win_and_reopening_shows_the_profile_until_none_lets_go(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    editor = await new_subscription(qtbot, window, "http://127.0.0.1:9/stripe")
    # typing part of the name offers the profiles that contain it
    line = editor.profile.lineEdit()
    assert line is not None
    retype(qtbot, line, "strip")
    completer = editor.profile.completer()
    offered = [completer.completionModel().index(i, 0).data()
               for i in range(completer.completionCount())]
    assert "Stripe" in offered and PAISSIVE not in offered
    # and the offered one is picked from the keyboard, as from the list
    popup = completer.popup()
    await pump(lambda: popup.isVisible())
    popup.setCurrentIndex(completer.completionModel().index(offered.index("Stripe"), 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    await pump(lambda: editor.profile.name() == "stripe")
    assert editor.profile.currentText() == "Stripe"
    assert editor.retry.currentText() == "stripe" and editor.timeout.text() == "20"
    assert editor.scheme.currentText().startswith("stripe") and not editor.scheme.isEnabled()
    # the person changes what the profile filled before saving: their values are kept
    retype(qtbot, editor.timeout, "7")
    retype(qtbot, editor.rate_per_minute, "5")
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved.", editor.status.text()
    sub_id = editor.current
    assert sub_id is not None
    saved = stored(ctx, sub_id)
    assert (saved["profile"], saved["scheme"], saved["timeout_seconds"],
            saved["rate_per_minute"]) == ("stripe", "stripe", 7.0, 5)
    assert saved["retry_policy"] == parse_policy("stripe").to_dict()

    # reopening shows the profile picked and the scheme it decides
    await click_text(qtbot, editor, "New subscription")
    assert editor.profile.currentText().startswith("None") and editor.scheme.isEnabled()
    await pick_list_row(qtbot, editor.list, 0)
    await pump(lambda: editor.current == sub_id)
    assert editor.profile.currentText() == "Stripe"
    assert not editor.scheme.isEnabled()
    assert editor.signature.note.text() == "set by the Stripe profile"
    assert editor.timeout.text() == "7"

    # None gives the signature back to the person; Save lets the profile go
    await choose(qtbot, editor.profile, "None")
    assert editor.scheme.isEnabled() and not editor.signature.note.isVisible()
    assert editor.scheme.currentText() == "stripe"
    await choose(qtbot, editor.scheme, "github")
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved.", editor.status.text()
    saved = stored(ctx, sub_id)
    assert (saved["profile"], saved["scheme"], saved["scheme_options"]) == \
        (None, "github", None)
    assert saved["timeout_seconds"] == 7.0  # what the person set stays
    await click_text(qtbot, editor, "New subscription")
    await pick_list_row(qtbot, editor.list, 0)
    await pump(lambda: editor.current == sub_id)
    assert editor.profile.currentText().startswith("None")
    assert editor.scheme.isEnabled() and editor.scheme.currentText() == "github"


async def test_a_profile_whose_secret_the_stored_one_cannot_sign_asks_for_a_rotation(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    """Discord signs with an Ed25519 private key: a new subscription gets one at once; a
    stored one keeps its secret until Rotate…, and Save says why it cannot go before."""
    editor = await new_subscription(qtbot, window, "http://127.0.0.1:9/discord")
    await click_text(qtbot, editor, "Save")
    sub_id = editor.current
    assert sub_id is not None
    old = editor.secret.text()
    await choose(qtbot, editor.profile, "Discord")
    assert editor.secret.text() == old
    assert "Rotate…" in editor.status.text()
    await click_text(qtbot, editor, "Save")
    assert editor.status.text().startswith("Not saved")
    assert editor.errors["secret"].text()
    assert stored(ctx, sub_id)["profile"] is None  # nothing half-saved
    await click_text(qtbot, editor, "Rotate…")
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved.", editor.status.text()
    assert stored(ctx, sub_id)["scheme"] == "discord"
    new = current_secret(ctx, sub_id)
    assert new != old and secret_problem("discord", new) is None

    await click_text(qtbot, editor, "New subscription")
    await choose(qtbot, editor.profile, "Discord")
    assert secret_problem("discord", editor.secret.text()) is None
    assert editor.status.text() == ""


def test_the_profile_box_puts_back_text_that_names_no_profile(qtbot: QtBot) -> None:
    from webhook_studio.ui.widgets.subscription_fields import ProfileCombo

    box = ProfileCombo()
    qtbot.addWidget(box)
    box.set_profiles([("stripe", "Stripe"), ("github", "GitHub")])
    assert [box.itemText(i) for i in range(box.count())][1:] == ["GitHub", "Stripe"]
    box.setCurrentIndex(2)
    line = box.lineEdit()
    assert line is not None
    line.setFocus()
    qtbot.keyClicks(line, "zzz")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert box.currentText() == "Stripe" and box.name() == "stripe"


async def pick_event(qtbot: QtBot, picker: Any, text: str) -> None:
    """Open the picker's list, rest on ``text`` and press Return (the box goes back to its
    prompt after: a click on its long list lands offscreen but is not taken as a choice)."""
    assert picker.findText(text) > 0, text
    index = picker.model().index(picker.findText(text), 0)
    picker.showPopup()
    view = picker.view()
    view.scrollTo(index)
    view.setCurrentIndex(index)  # where the pointer rests on the list
    qtbot.keyClick(view, Qt.Key.Key_Return)
    await settle()


async def test_picking_event_types_from_the_catalog_builds_the_list(
        window: MainWindow, qtbot: QtBot) -> None:
    editor = await new_subscription(qtbot, window, "http://127.0.0.1:9/events")
    assert editor.events.text() == "*"
    await pick_event(qtbot, editor.picker, f"{PAISSIVE} · Users › user.created")
    assert editor.events.text() == "user.created"  # a named type replaces "everything"
    assert editor.picker.currentText() == "Add an event type…"
    await pick_event(qtbot, editor.picker, f"{PAISSIVE} · Users › user.deleted")
    await pick_event(qtbot, editor.picker, f"{PAISSIVE} · Users › user.created")
    assert editor.events.text() == "user.created, user.deleted"  # no duplicates


async def test_a_subscription_whose_profile_file_is_gone_keeps_it(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    """Its profile was removed from the profiles folder since: the editor still names it,
    keeps its scheme fixed, and Save changes nothing about how it signs."""
    from webhook_studio.store.sender_queries import create_subscription

    options = {"header": "X-Gone-Signature", "encoding": "hex"}
    sub_id = create_subscription(ctx.store, secret="s3cret-value", url="http://127.0.0.1:9/g",
                                 events=["*"], profile="gone-provider", scheme="hmac",
                                 scheme_options=options)
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    await pump(lambda: editor.list.count() == 1)
    await pick_list_row(qtbot, editor.list, 0)
    await pump(lambda: editor.current == sub_id)
    assert editor.profile.currentText() == "gone-provider"
    assert not editor.scheme.isEnabled()
    assert editor.signature.note.text() == "set by the gone-provider profile"
    retype(qtbot, editor.timeout, "4")
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved.", editor.status.text()
    saved = stored(ctx, sub_id)
    assert (saved["profile"], saved["scheme"], saved["scheme_options"],
            saved["timeout_seconds"]) == ("gone-provider", "hmac", options, 4.0)
