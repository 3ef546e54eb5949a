"""The window on a team database: other processes' captures and deliveries appear live (also
after the listening connection is killed server-side), the banner while the database is
unreachable, and Settings ▸ Workspace with a real "Test connection" (issue 17)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from tests.sender.conftest import subscribe
from tests.team.pgserver import PgServer
from tests.team.procs import Serve
from tests.ui.conftest import WindowFactory
from tests.ui.scenarios.helpers import pump
from webhook_studio.sender import Dispatcher
from webhook_studio.store import open_store
from webhook_studio.store.pg_errors import UNREACHABLE
from webhook_studio.store.schema import SCHEMA_VERSION
from webhook_studio.ui.workspace import chosen_database

pytestmark = pytest.mark.slow


@pytest.fixture
def db_url(pg_database: str) -> str:
    """Every window here opens the team database."""
    return pg_database


def choose(qtbot: QtBot, radio: Any) -> None:
    """Click a radio button on its indicator, as a person does (its middle may be past the
    end of its label on a wide form, where a click does nothing)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(6, radio.height() // 2))
    assert radio.isChecked()


async def post(url: str, body: bytes) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body) as resp:
        return resp.status


async def test_another_process_s_captures_and_deliveries_appear_live(
        team_window: WindowFactory, pg_server: PgServer, pg_database: str,
        tmp_path: Path) -> None:
    win: Any = await team_window()
    await pump(lambda: win.live.listener.connected is True, what="the window to LISTEN")
    serve = Serve(pg_database, tmp_path / "serve")
    try:
        await serve.ready()
        assert await post(f"{serve.receiver}/from-serve", b"one") == 200
        await pump(lambda: win.inbox.model.rowCount() == 1, within=10,
                   what="the capture from serve to show in the Inbox")

        # Killed server-side: NOTIFY has no replay, the reconnect's catch-up brings it.
        old = win.live.listener.backend_pid
        assert pg_server.terminate_backend(old)
        assert await post(f"{serve.receiver}/from-serve", b"two") == 200
        await pump(lambda: win.inbox.model.rowCount() == 2, within=20,
                   what="the second capture after the listener was killed")
        assert win.live.listener.backend_pid != old
        assert not win.live.banner.isVisible()
    finally:
        serve.stop()

    # A delivery another process enqueues shows in Deliveries without a click.
    other = open_store(pg_database)
    try:
        subscribe(other, "http://127.0.0.1:9/unreachable", retry="1h", now=time.time())
        sender = Dispatcher(other)  # never started: it only writes
        sender.emit("a.b", {})
        await sender.stop()
    finally:
        other.dispose()
    await pump(lambda: win.deliveries.model.rowCount() == 1, within=10,
               what="the other process's delivery to show in Deliveries")


async def test_an_unreachable_team_database_shows_the_banner_and_keeps_the_rows(
        team_window: WindowFactory, pg_server: PgServer) -> None:
    win: Any = await team_window()
    await pump(lambda: win.live.listener.connected is True, what="the window to LISTEN")
    assert await post(f"{win.receiver.url}/mine", b"kept") == 200
    await pump(lambda: win.inbox.model.rowCount() == 1, what="the capture to show")
    pg_server.stop("fast")
    try:
        await pump(lambda: win.live.banner.isVisible(), within=20, what="the banner")
        assert win.live.banner.message.text() == UNREACHABLE == \
            "Team database unreachable, retrying…"
        assert await post(f"{win.receiver.url}/mine", b"lost") == 503
        assert win.inbox.model.rowCount() == 1, "what the window shows is kept"
    finally:
        pg_server.restart()
    await pump(lambda: not win.live.banner.isVisible(), within=30,
               what="the banner to go once the database is back")
    assert win.inbox.model.rowCount() == 1


async def test_settings_workspace_tests_the_connection_for_real_and_saves_the_choice(
        team_window: WindowFactory, pg_server: PgServer, pg_database: str,
        qtbot: QtBot) -> None:
    win: Any = await team_window()
    win.show_section("settings")
    box = win.settings_page.workspace
    choose(qtbot, box.team)
    assert box.url.isEnabled() and box.test_button.isEnabled()

    async def test_with(url: str) -> str:
        box.url.clear()
        qtbot.keyClicks(box.url, url)
        qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
        await pump(lambda: box.result.text() not in ("", "Connecting…"), within=20,
                   what="the connection test to answer")
        text = str(box.result.text())
        box.result.setText("")
        return text

    nobody = await test_with("postgresql://studio@127.0.0.1:1/webhooks")
    assert nobody.startswith("Could not reach a PostgreSQL server at 127.0.0.1:1"), nobody
    missing = await test_with(pg_server.url("no_such_db"))
    assert "has no database 'no_such_db'" in missing, missing
    good = await test_with(pg_database.replace("postgresql+psycopg://", "postgresql://"))
    assert good.startswith("Connected to PostgreSQL") and f"schema {SCHEMA_VERSION}" in good, good

    qtbot.mouseClick(win.settings_page.save_button, Qt.MouseButton.LeftButton)
    assert chosen_database(win.settings) == pg_database
    assert box.note.text() == "", "this window already shows that database"

    choose(qtbot, box.local)
    qtbot.mouseClick(win.settings_page.save_button, Qt.MouseButton.LeftButton)
    assert chosen_database(win.settings) is None
    assert "opens this computer's database the next time" in box.note.text()
