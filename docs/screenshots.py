"""Render every section of the window with realistic data to PNG (offscreen, no display).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py [--out docs/screenshots]

Two sizes: 1440×900 (``inbox.png``) and the smallest supported, 1024×640 (``inbox-1024.png``);
and ``first-run.png`` (a new store with one endpoint: the empty Inbox's URL, curl line and
buttons), ``inbox-light.png``/``inbox-dark.png`` (the traffic strip over an hour of captures)
and ``inbox-filter.png`` (the filter language in use, its completion open); then the command
palette over the Inbox and Deliveries in the dark theme (``palette.png``,
``deliveries-dark.png``).
Data is made by the real engines: a receiver verifies signed requests (some with the classic
mistakes), a dispatcher delivers to a local target that fails twice before succeeding and to
one that keeps failing (the Deliveries shot shows its failed attempts, the planned retries and
the countdown), and one capture is replayed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


async def populate(ctx, receiver, dispatcher) -> str:  # type: ignore[no-untyped-def]
    import aiohttp
    from aiohttp import web

    from webhook_studio.core.message import SignInput
    from webhook_studio.core.retry import parse_policy
    from webhook_studio.core.schemes import get_scheme
    from webhook_studio.store.receiver_queries import create_endpoint
    from webhook_studio.store.sender_queries import create_subscription

    sw = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    create_endpoint(ctx.store, name="GitHub app", path="/hooks/github", scheme="github",
                    secrets=["It's a Secret to Everybody"])
    create_endpoint(ctx.store, name="Stripe (test mode)", path="/hooks/stripe", scheme="stripe",
                    secrets=["whsec_stripe_test_4f9"])
    create_endpoint(ctx.store, name="Orders service", path="/hooks/orders",
                    scheme="standard-webhooks", secrets=[sw],
                    forward_to=["http://localhost:3000/webhooks"])
    create_endpoint(ctx.store, name="EnvoyOU notifications", path="/hooks/envoyou",
                    scheme="hmac", profile="envoyou", secrets=["envoyou_live_7f3a91"],
                    reject_invalid=True, forward_to=["http://localhost:3000/envoyou"])
    receiver.reload_endpoints()
    now = int(time.time())
    events = [
        ("/hooks/github", "github", "It's a Secret to Everybody",
         {"action": "opened", "number": 42, "pull_request": {"title": "Add retry timeline"}},
         {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "7d1e-41aa"}),
        ("/hooks/stripe", "stripe", "whsec_stripe_test_4f9",
         {"id": "evt_1QbZ", "type": "payment_intent.succeeded",
          "data": {"object": {"amount": 2000, "currency": "eur"}}}, {}),
        ("/hooks/orders", "standard-webhooks", sw,
         {"type": "order.created", "data": {"id": "ord_93", "total": 48.5}}, {}),
    ]
    async with aiohttp.ClientSession() as session:
        for round_ in range(3):
            for path, scheme, secret, payload, extra in events:
                body = json.dumps(payload).encode()
                headers = get_scheme(scheme).sign(secret, SignInput(body, f"msg_{round_}{path}",
                                                                    now))
                sent = body if round_ != 1 else json.dumps(payload, indent=2).encode()
                async with session.post(receiver.url + path, data=sent,
                                        headers={**headers, **extra,
                                                 "Content-Type": "application/json"}):
                    pass
        async with session.post(receiver.url + "/anything", data=b"form=1&name=Zo%C3%AB",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}):
            pass
        long_path = ("/hooks/orders/v2/tenants/acme-industries-europe/events"
                     "?source=billing-reconciliation&attempt=1")
        async with session.post(receiver.url + long_path, data=b'{"ok": true}',
                                headers={"Content-Type": "application/json"}):
            pass

    calls = {"n": 0}

    async def flaky(request: web.Request) -> web.Response:
        calls["n"] += 1
        return web.Response(status=200 if calls["n"] % 3 == 0 else 503)

    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503, text="maintenance")

    app = web.Application()
    app.router.add_post("/webhooks", flaky)
    app.router.add_post("/billing/webhooks", down)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    for events_, retry in ((["order.*"], "0,200ms,200ms,1h"), (["user.*"], "0,1h,2h,5h")):
        create_subscription(ctx.store, secret=sw, url=f"http://127.0.0.1:{port}/webhooks",
                            events=events_, description="Local orders service",
                            retry_policy=parse_policy(retry).to_dict(), timeout_seconds=5)
    failing = create_subscription(
        ctx.store, secret=sw, url=f"http://127.0.0.1:{port}/billing/webhooks",
        events=["invoice.*"], description="Billing service (down for maintenance)",
        retry_policy=parse_policy("0,300ms,300ms,10m,1h,5h").to_dict(), timeout_seconds=5)
    await dispatcher.start()
    for _ in range(2):
        dispatcher.emit("order.created", {"id": "ord_93", "total": 48.5})
    dispatcher.emit("user.created", {"id": "usr_1", "email": "ada@example.com"})
    (retrying,) = dispatcher.emit("invoice.paid", {"id": "in_77", "amount_due": 4850},
                                  subscription_id=failing)
    from webhook_studio.relay.replay import replay_capture

    await replay_capture(ctx.store, 1, f"http://127.0.0.1:{port}/webhooks")
    await asyncio.sleep(1.5)
    from webhook_studio.store.sender_queries import count_by_state
    with ctx.store.session() as session:
        print("deliveries:", count_by_state(session), "target calls:", calls["n"])
    await runner.cleanup()
    return retrying


async def settle(app) -> None:  # type: ignore[no-untyped-def]
    """Let layouts, repaints and the engines run for a moment."""
    for _ in range(10):
        app.processEvents()
        await asyncio.sleep(0.02)


def backfill_traffic(ctx) -> None:  # type: ignore[no-untyped-def]
    """An hour of earlier traffic (a few invalid), so the Inbox's strip shows its minutes."""
    import random

    from webhook_studio.store.receiver_models import Capture

    rng = random.Random(7)
    now = time.time()
    with ctx.store.session() as session:
        for minute in range(60, 1, -1):
            for _ in range(rng.randint(2, 9) if minute % 17 else 0):
                valid = rng.random() > (0.3 if 20 < minute < 26 else 0.06)
                session.add(Capture(received_at=now - minute * 60 + rng.random() * 50,
                                    method="POST", path="/hooks/orders", headers=[],
                                    body=b"{}", body_size=2, verify_valid=valid,
                                    response_status=200))


async def first_run(out: Path, app) -> None:  # type: ignore[no-untyped-def]
    """The window as a new user first sees it: one endpoint, nothing captured yet."""
    from webhook_studio.context import AppContext
    from webhook_studio.receiver import Receiver
    from webhook_studio.store.receiver_queries import create_endpoint
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.wiring import attach_receiver_extras

    folder = Path(tempfile.mkdtemp())
    ctx = AppContext.open(folder / "first.sqlite3", data_dir=folder)
    create_endpoint(ctx.store, name="Stripe (test mode)", path="/hooks/stripe",
                    profile="stripe", scheme="stripe", secrets=["whsec_stripe_test_4f9"])
    receiver = Receiver(ctx.store, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    bridge = EngineBridge()
    receiver.hub.subscribe(bridge.on_receiver_event)
    window = MainWindow(ctx, receiver=receiver, bridge=bridge)
    window.resize(1440, 900)
    window.show()
    await window.start_engines()
    window.inbox.refresh_first_run()
    for _ in range(40):
        await settle(app)
        if "/hooks/stripe" in window.inbox.empty.curl.toPlainText():
            break
    window.grab().save(str(out / "first-run.png"))
    print(out / "first-run.png")
    await receiver.stop()
    await extras.close()
    window.close()
    ctx.close()


async def main(out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from webhook_studio.context import AppContext
    from webhook_studio.receiver import EndpointConfig, Receiver
    from webhook_studio.sender import Dispatcher
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.main_window import SECTIONS, MainWindow
    from webhook_studio.ui.theme import apply_theme
    from webhook_studio.wiring import attach_receiver_extras

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    folder = Path(tempfile.mkdtemp())
    ctx = AppContext.open(folder / "demo.sqlite3", data_dir=folder)
    receiver = Receiver(ctx.store, port=0, default_endpoint=EndpointConfig())
    extras = attach_receiver_extras(receiver, ctx)
    dispatcher = Dispatcher(ctx.store)
    bridge = EngineBridge()
    receiver.hub.subscribe(bridge.on_receiver_event)
    dispatcher.listeners.append(bridge.on_sender_event)
    await first_run(out, app)
    backfill_traffic(ctx)
    window = MainWindow(ctx, receiver=receiver, dispatcher=dispatcher, bridge=bridge)
    window.resize(1440, 900)
    window.show()
    await window.start_engines()
    retrying = await populate(ctx, receiver, dispatcher)
    await settle(app)
    window.inbox.captures_arrived(0)
    window.subscriptions.reload()
    window.subscriptions.list.setCurrentRow(0)
    window.composer.reload_targets()
    window.endpoints.reload()
    window.endpoints.list.setCurrentRow(0)  # by path: /hooks/envoyou comes first
    window.update_counts()
    composer = window.composer
    composer.profile.setCurrentIndex(composer.profile.findData("envoyou"))
    composer.url.setText("http://localhost:3000/webhooks/envoyou")
    for width, height, suffix in ((1440, 900, ""), (1024, 640, "-1024")):
        window.resize(width, height)
        await settle(app)
        for key, _title, _blurb in SECTIONS:
            window.show_section(key)
            if key == "inbox":  # the long path: elided in the list and the heading
                window.inbox.view.selectRow(0)
            if key == "deliveries":
                window.deliveries.follow([retrying])
            await settle(app)
            path = out / f"{key}{suffix}.png"
            window.grab().save(str(path))
            print(path, window.width(), window.height())
    await traffic_shots(out, app, window)
    await shoot_palette_and_dark(app, window, out)
    window.resize(1440, 900)
    await qa_shots(app, window, ctx, out)
    await dispatcher.stop()
    await receiver.stop()
    await extras.close()
    window.close()
    ctx.close()


async def traffic_shots(out: Path, app, window) -> None:  # type: ignore[no-untyped-def]
    """The Inbox with its traffic strip in light and dark, and the filter language in use."""
    from webhook_studio.ui.theme import dark_palette

    window.resize(1440, 900)
    window.show_section("inbox")
    window.inbox.tools.refresh_traffic()
    for name, palette in (("inbox-light", app.style().standardPalette()),
                          ("inbox-dark", dark_palette())):
        app.setPalette(palette)
        app.setStyleSheet(app.styleSheet())  # re-polish: the palette reaches every widget
        for _ in range(10):
            await settle(app)
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")
    app.setPalette(app.style().standardPalette())
    app.setStyleSheet(app.styleSheet())
    inbox = window.inbox
    inbox.search.setFocus()
    inbox.filter_field.set_text("method:POST -verdict:valid path:/hooks/* ")
    for _ in range(5):
        await settle(app)
    inbox.search.setCursorPosition(len(inbox.search.text()))
    inbox.search.insert("hea")  # half-typed: the completion offers the key
    inbox.filter_field._timer.stop()  # the list keeps the filter above meanwhile
    inbox.search.suggest()
    for _ in range(5):
        await settle(app)
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter

    shot = window.grab()
    popup = inbox.search.popup
    if popup.isVisible():  # a popup is its own window: paint it where it stands
        painter = QPainter(shot)
        painter.drawPixmap(popup.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0)),
                           popup.grab())
        painter.end()
    shot.save(str(out / "inbox-filter.png"))
    print(out / "inbox-filter.png")


async def shoot_palette_and_dark(app, window, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The command palette over the Inbox (``palette.png``) and Deliveries in the dark theme
    (``deliveries-dark.png``; ``traffic_shots`` made ``inbox-dark.png``)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter

    window.resize(1440, 900)
    window.show_section("inbox")
    window.inbox.view.selectRow(1)
    await settle(app)
    window.commands.open_palette()
    palette = window.commands.palette
    palette.field.setText("rep")
    await settle(app)
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(palette.pos() - window.mapToGlobal(QPoint(0, 0)), palette.grab())
    painter.end()
    shot.save(str(out / "palette.png"))
    print(out / "palette.png")
    palette.hide()
    window.commands.registry.run("view.theme.dark")
    for key in ("deliveries",):
        window.show_section(key)
        await settle(app)
        window.grab().save(str(out / f"{key}-dark.png"))
        print(out / f"{key}-dark.png")
    window.commands.registry.run("view.theme.system")


async def qa_shots(app, window, ctx, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The QA toolkit: two Stripe captures compared (one valid, one re-serialized and so
    invalid), and a chaos replay against a consumer that applies duplicates."""
    from aiohttp import web

    from webhook_studio.store.receiver_models import Capture
    from webhook_studio.ui.chaos_panel import ChaosDialog
    from webhook_studio.ui.diff_dialog import DiffDialog, load_fields

    # Stripe, round 0 (valid) and round 1 (the body indented after signing: invalid).
    dialog = DiffDialog(2, load_fields(ctx.store, 2), 5, load_fields(ctx.store, 5), window)
    dialog.resize(1200, 720)
    dialog.show()
    await settle(app)
    dialog.grab().save(str(out / "diff.png"))
    dialog.raw.setChecked(True)
    await settle(app)
    dialog.grab().save(str(out / "diff-raw.png"))
    dialog.close()

    counts: dict[str, int] = {}

    async def consumer(request: web.Request) -> web.Response:
        event = json.loads(await request.read())
        counts[event["id"]] = counts.get(event["id"], 0) + 1  # no idempotency: the bug
        return web.Response(status=200)

    async def state(request: web.Request) -> web.Response:
        return web.json_response(counts)

    consumer_app = web.Application()
    consumer_app.router.add_post("/webhook", consumer)
    consumer_app.router.add_get("/state", state)
    runner = web.AppRunner(consumer_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    ids = []
    with ctx.store.session() as session:
        for n in range(8):
            body = json.dumps({"id": f"evt_3Pq{n}x", "type": "payment.succeeded",
                               "data": {"amount": 1000 + 250 * n}}).encode()
            row = Capture(received_at=time.time(), method="POST", path="/hooks/payments",
                          headers=[["Content-Type", "application/json"]], body=body,
                          body_size=len(body), response_status=200)
            session.add(row)
            session.flush()
            ids.append(row.id)
    chaos = ChaosDialog(ctx.store, window.runner, lambda: ids, base + "/webhook", window)
    panel = chaos.panel
    panel.duplicates.setValue(0.4)
    panel.burst.setValue(3)
    panel.delay_high.setValue(0.1)
    panel.seed.setText("2")
    panel.check.setText(base + "/state")
    chaos.resize(900, 660)
    chaos.show()
    task = panel.start()
    assert task is not None
    await task
    await settle(app)
    chaos.grab().save(str(out / "chaos.png"))
    print(out / "chaos.png", panel.verdict.text())
    chaos.close()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screenshots")
    target = parser.parse_args().out
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))
