"""What a person does in the window, as small steps the scenarios share."""

from __future__ import annotations

from typing import Any

import aiohttp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from tests.ui.conftest import pump


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A real HTTP POST to the receiver; its JSON answer (``capture`` is the new id)."""
    import io

    data: Any = io.BytesIO(body) if len(body) > 1024 * 1024 else body
    async with aiohttp.ClientSession() as session, session.post(
            url, data=data, headers=headers or {}) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())


def click_row(qtbot: QtBot, view: QTableView, row: int,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    view.scrollTo(view.model().index(row, 0))
    rect = view.visualRect(view.model().index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def click(qtbot: QtBot, button: Any) -> None:
    """A left click where a person aims: a check box's box, a button's middle."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QCheckBox

    assert button.isEnabled(), f"{button.text()!r} is disabled"
    if isinstance(button, QCheckBox):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


async def select_capture(qtbot: QtBot, window: Any, row: int) -> int:
    """Click a row of the Inbox and wait until the inspector shows it."""
    from webhook_studio.ui.models.sources import CaptureRow

    window.show_section("inbox")
    obj = window.inbox.model.row_object(row)
    assert isinstance(obj, CaptureRow)
    click_row(qtbot, window.inbox.view, row)
    await pump(lambda: window.inbox.inspector.capture_id == obj.id)
    return obj.id
