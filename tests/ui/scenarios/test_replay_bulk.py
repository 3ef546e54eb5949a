"""Replay every shown capture, oldest first, through Inbox ▸ Actions: a dialog asks where to,
how far apart (pacing) and whether to re-sign; a bad answer is a sentence in the dialog and
nothing is sent."""

from __future__ import annotations

import itertools
from typing import Any

from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    choose,
    click,
    post,
    pump,
    retype,
    wait_visible,
)
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.ui.bulk_replay_dialog import BulkReplayDialog
from webhook_studio.ui.widgets.targets import recent_targets

pytestmark = OFFSCREEN_POPUPS  # a combo's list is a popup
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def open_bulk(window: Any) -> BulkReplayDialog:
    window.inbox.bulk_action.trigger()
    return await wait_visible(window, BulkReplayDialog)


async def fill_and_replay(qtbot: QtBot, window: Any, url: str, pacing: str = "0",
                          scheme: str | None = None, secret: str = "") -> BulkReplayDialog:
    """What a person does: open the dialog, type the target and the pacing, tick Re-sign and
    choose how, click "Replay all"."""
    dialog = await open_bulk(window)
    line = dialog.url.lineEdit()
    assert line is not None
    retype(qtbot, line, url)
    pacing_line = dialog.pacing.lineEdit()
    assert pacing_line is not None
    retype(qtbot, pacing_line, pacing)
    if scheme is not None:
        click(qtbot, dialog.resign)
        await choose(qtbot, dialog.signing.how, scheme)
        retype(qtbot, dialog.signing.secret, secret)
    click(qtbot, dialog.ok_button)
    return dialog


async def test_bulk_replay_sends_the_shown_captures_in_order(
        window: Any, qtbot: QtBot, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/bulk").respond_with_data("ok")
    for i in range(4):
        await post(f"{window.base_url}/b/{i}", f"#{i}".encode())
    await pump(lambda: window.inbox.model.rowCount() == 4)
    dialog = await fill_and_replay(qtbot, window, "localhost:3000/x")
    assert dialog.isVisible() and dialog.error.text() == "Enter a full http:// or https:// URL."
    assert "4 shown captures" in dialog.summary.text()
    dialog.reject()
    dialog = await fill_and_replay(qtbot, window, httpserver.url_for("/bulk"), pacing="soon")
    assert dialog.isVisible() and dialog.error.text().startswith("Pacing: 'soon' is not a delay")
    dialog.reject()
    assert httpserver.log == []

    await fill_and_replay(qtbot, window, httpserver.url_for("/bulk"))
    await pump(lambda: "4 succeeded" in window.statusBar().currentMessage())
    assert [r.get_data() for r, _ in httpserver.log] == [b"#0", b"#1", b"#2", b"#3"]
    assert recent_targets(window.settings)[0] == httpserver.url_for("/bulk")
    dialog = await open_bulk(window)  # the last target is offered next time
    assert dialog.url.currentText() == httpserver.url_for("/bulk")
    click(qtbot, dialog.ok_button)
    await pump(lambda: len(httpserver.log) == 8)


async def test_paced_and_re_signed_the_replays_arrive_apart_and_verify(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    """Replayed to the app's own receiver at an endpoint that checks Standard Webhooks
    signatures with the secret typed in the dialog: every replay verifies there, and they
    arrive at least (nearly) the chosen pacing apart."""
    for i in range(3):
        await post(f"{window.base_url}/orig/{i}", b'{"n": %d}' % i)
    await pump(lambda: window.inbox.model.rowCount() == 3)
    create_endpoint(ctx.store, name="Checks", path="/signed", scheme="standard-webhooks",
                    secrets=[SECRET])
    window._endpoints_changed()
    await fill_and_replay(qtbot, window, f"{window.base_url}/signed", pacing="500ms",
                          scheme="Scheme: standard-webhooks", secret=SECRET)
    await pump(lambda: "3 succeeded" in window.statusBar().currentMessage(), 40)
    with ctx.store.session() as session:
        arrived = session.query(Capture.received_at, Capture.verify_valid, Capture.body).filter(
            Capture.path == "/signed").order_by(Capture.id).all()
    assert [(valid, body) for _at, valid, body in arrived] == [
        (True, b'{"n": 0}'), (True, b'{"n": 1}'), (True, b'{"n": 2}')]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(arrived)]
    assert all(gap >= 0.4 for gap in gaps), gaps  # 80 % of the 500 ms chosen
    assert str(window.settings.value("replay/bulk_pacing")) == "0.5s"  # offered next time

    await choose(qtbot, window.inbox.verdict, "Not verified")  # the three originals
    await pump(lambda: window.inbox.model.rowCount() == 3)
    await fill_and_replay(qtbot, window, f"{window.base_url}/signed")  # as they were

    def at_target() -> list[Any]:
        with ctx.store.session() as session:
            return session.query(Capture.verify_valid).filter(
                Capture.path == "/signed").order_by(Capture.id).all()

    await pump(lambda: len(at_target()) == 6, 40, "the unsigned replays did not arrive")
    unsigned = at_target()[3:]
    assert [valid for (valid,) in unsigned] == [False, False, False]
