"""Settings ▸ Serve HTTPS shows the certificate a person is asked to trust: its SHA-256
fingerprint and file, selectable and copyable, the same one the receiver then serves."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import click, pump
from webhook_studio import paths
from webhook_studio.context import AppContext
from webhook_studio.private_files import write_private
from webhook_studio.receiver.tls import ensure_certificate


def served_fingerprint(url: str) -> str:
    parts = urlsplit(url)
    pem = ssl.get_server_certificate((parts.hostname or "127.0.0.1", parts.port or 443),
                                     timeout=20)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).digest())


async def test_ticking_serve_https_shows_the_fingerprint_the_receiver_then_serves(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    page = window.settings_page
    window.show_section("settings")
    box = page.certificate
    assert not box.isVisibleTo(page), "no certificate shown while HTTPS is off"
    click(qtbot, page.tls)
    assert box.isVisibleTo(page)
    kept = ensure_certificate(paths.tls_dir(ctx.data_dir))  # made by the tick, read back
    assert box.fingerprint.text() == kept.fingerprint
    assert len(kept.fingerprint.split(":")) == 32
    assert box.path.text() == str(kept.cert_path) and kept.cert_path.exists()
    assert box.fingerprint.isReadOnly() and box.fingerprint.isEnabled()  # selectable
    assert "once you Save" in box.note.text()
    click(qtbot, box.copy)
    assert QGuiApplication.clipboard().text() == kept.fingerprint
    click(qtbot, box.copy_path)
    assert QGuiApplication.clipboard().text() == str(kept.cert_path)

    click(qtbot, page.save_button)
    await pump(lambda: window.base_url.startswith("https://"), within=40,
               what=f"{page.note.text()} / {window.statusBar().currentMessage()}")
    assert "The receiver serves this certificate" in box.note.text()
    served = await asyncio.to_thread(served_fingerprint, window.base_url)
    assert served == box.fingerprint.text()

    click(qtbot, page.tls)  # off again: nothing about a certificate is shown
    assert not box.isVisibleTo(page)
    click(qtbot, page.save_button)
    await pump(lambda: window.base_url.startswith("http://"), within=40)


async def test_a_certificate_that_cannot_be_read_is_a_sentence_not_a_fingerprint(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    folder = paths.tls_dir(ctx.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    write_private(folder / paths.TLS_CERT_FILENAME, b"not a certificate")
    write_private(folder / paths.TLS_KEY_FILENAME, b"not a key")
    page = window.settings_page
    window.show_section("settings")
    click(qtbot, page.tls)
    box = page.certificate
    assert box.isVisibleTo(page) and box.fingerprint.text() == ""
    assert not box.copy.isEnabled()
    note = box.note.text()
    assert note.startswith("The certificate cannot be made or read: The TLS certificate ")
    assert "cannot be read" in note and "to make a new pair." in note
