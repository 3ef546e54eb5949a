"""The endpoint editor: picking a provider profile makes the receiver verify as that provider."""

from __future__ import annotations

import time

import aiohttp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext
from webhook_studio.core.message import SignInput
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.store.receiver_models import Endpoint
from webhook_studio.ui.controllers.endpoints import EndpointsController
from webhook_studio.ui.sections.endpoints import EndpointsSection
from webhook_studio.ui.tasks import TaskRunner
from webhook_studio.wiring import attach_receiver_extras


async def test_an_endpoint_saved_with_a_profile_verifies_as_that_provider(
        qtbot: QtBot, ctx: AppContext) -> None:
    section = EndpointsSection(EndpointsController(ctx.store, TaskRunner()))
    qtbot.addWidget(section)
    section.profile.setCurrentIndex(section.profile.findData("envoyou"))
    assert not section.scheme.isEnabled(), "the profile decides the scheme"
    assert "300 s" in section.tolerance.specialValueText()
    qtbot.keyClicks(section.path, "/envoyou")
    save = next(b for b in section.findChildren(QPushButton) if b.text() == "Save")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert "needs at least one secret" in section.errors["secrets"].text()
    assert section.error.text() == "Not saved: 1 field needs attention."
    qtbot.keyClicks(section.secrets.edit, "env-secret")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert section.error.text() == ""
    with ctx.store.session() as session:
        (row,) = session.query(Endpoint).all()
        assert (row.profile, row.scheme) == ("envoyou", "hmac")

    receiver = Receiver(ctx.store, ctx.clock, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    profile = ProfileLibrary.load().get("envoyou")
    body = b'{"id":"evt_1","type":"user.created","data":{"object":{}}}'
    headers = profile.make_scheme().sign("env-secret", SignInput(body, "e", int(time.time())))
    headers["X-EnvoyOU-Nonce"] = "n-1"
    try:
        async with aiohttp.ClientSession() as session:
            for expected in (True, False):  # the second copy is a replayed nonce
                async with session.post(f"{url}/envoyou", data=body, headers=headers) as resp:
                    assert resp.status == 200
                    capture = (await resp.json())["capture"]
                with ctx.store.session() as s:
                    assert s.get(Endpoint, row.id) is not None
                    from webhook_studio.store.receiver_queries import get_capture

                    assert get_capture(s, capture).verify_valid is expected
    finally:
        await receiver.stop()
        await extras.close()
    section.profile.setCurrentIndex(0)
    assert section.scheme.isEnabled()
