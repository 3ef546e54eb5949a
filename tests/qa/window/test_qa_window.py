"""The QA toolkit driven through the window as a person does: select two captures and press
Compare; export the selected captures as tests; chaos-replay the shown captures."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QLineEdit, QTableView
from pytestqt.qtbot import QtBot

from tests.qa.test_chaos import Consumer
from tests.ui.scenarios.helpers import selected_ids
from webhook_studio.ui import dialogs
from webhook_studio.ui.chaos_panel import ChaosDialog
from webhook_studio.ui.contract_export_dialog import ContractExportDialog
from webhook_studio.ui.diff_dialog import DiffDialog

W = TypeVar("W")


async def pump(condition: Callable[[], Any], within: float = 20.0) -> None:
    """Let Qt and asyncio (the engines) both run until ``condition``."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the window did not get there in time"
        QApplication.processEvents()
        await asyncio.sleep(0.02)


async def wait_visible(parent: Any, cls: type[W], within: float = 20.0) -> W:
    await pump(lambda: any(w.isVisible() for w in parent.findChildren(cls)), within)
    shown: list[W] = [w for w in parent.findChildren(cls) if w.isVisible()]
    assert len(shown) == 1
    return shown[0]


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers=headers or {}) as resp:
        assert resp.status == 200, await resp.text()


def click_row(qtbot: QtBot, view: QTableView, row: int,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    rect = view.visualRect(view.model().index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    if isinstance(button, QCheckBox):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def retype(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def _listed(dialog: DiffDialog) -> list[str]:
    items = [dialog.list.topLevelItem(i) for i in range(dialog.list.topLevelItemCount())]
    return [item.text(0) for item in items if item is not None]


async def test_compare_two_selected_rows(qtbot: QtBot, window: Any) -> None:
    await post(f"{window.base_url}/pay", b'{"id":"evt_1","amount":5,"currency":"eur"}',
               {"X-Trace": "a"})
    await post(f"{window.base_url}/pay",
               b'{\n  "currency": "eur",\n  "amount": 7,\n  "id": "evt_1"\n}',
               {"X-Trace": "b", "X-Extra": "1"})
    inbox = window.inbox
    await pump(lambda: inbox.model.rowCount() == 2)
    window.show_section("inbox")
    click_row(qtbot, inbox.view, 0)
    await pump(lambda: len(selected_ids(inbox) or []) == 1)
    assert not inbox.compare_button.isEnabled()  # one capture: nothing to compare it with
    click_row(qtbot, inbox.view, 1, Qt.KeyboardModifier.ControlModifier)
    await pump(lambda: inbox.compare_button.isEnabled())
    click(qtbot, inbox.compare_button)
    dialog = await wait_visible(window, DiffDialog)
    assert (dialog.left_id, dialog.right_id) == (1, 2)
    listed = _listed(dialog)
    assert {"body $.amount", "header X-Extra", "header X-Trace"} <= set(listed)
    assert not any("currency" in row or "$.id" in row for row in listed)  # order, spacing
    assert '"amount": 5' in dialog.left.toPlainText()
    assert '"amount": 7' in dialog.right.toPlainText()
    assert dialog.differing_rows()  # tinted lines
    click(qtbot, dialog.raw)
    await pump(lambda: '{"id":"evt_1","amount":5,"currency":"eur"}'
               in dialog.left.toPlainText())
    assert "body bytes" in _listed(dialog)
    dialog.close()
    menu = inbox.row_menu(2)  # the row's own menu offers it too
    (compare,) = [a for a in menu.actions() if a.text().startswith("Compare")]
    compare.trigger()
    again = await wait_visible(window, DiffDialog)
    again.close()


async def test_compare_needs_exactly_two(qtbot: QtBot, window: Any) -> None:
    for n in range(3):
        await post(f"{window.base_url}/p{n}", b"{}")
    inbox = window.inbox
    await pump(lambda: inbox.model.rowCount() == 3)
    window.show_section("inbox")
    inbox.view.selectAll()
    await pump(lambda: len(selected_ids(inbox) or []) == 3)
    assert not inbox.compare_button.isEnabled() and not inbox.compare_action.isEnabled()
    click_row(qtbot, inbox.view, 0)
    click_row(qtbot, inbox.view, 1, Qt.KeyboardModifier.ControlModifier)
    await pump(lambda: inbox.compare_button.isEnabled())
    from webhook_studio.store.receiver_queries import delete_captures

    delete_captures(window.ctx.store, [3])  # deleted meanwhile (by the API, another window)
    click(qtbot, inbox.compare_button)
    await pump(lambda: "It was deleted meanwhile" in window.statusBar().currentMessage())
    assert not [d for d in window.findChildren(DiffDialog) if d.isVisible()]


async def test_export_selected_as_tests(qtbot: QtBot, window: Any, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    await post(f"{window.base_url}/orders", json.dumps(
        {"id": "o1", "customer": {"email": "zoe@corp.example", "vip": True}}).encode())
    await post(f"{window.base_url}/other", b"{}")
    inbox = window.inbox
    await pump(lambda: inbox.model.rowCount() == 2)
    window.show_section("inbox")
    click_row(qtbot, inbox.view, 1)  # the older one: /orders
    await pump(lambda: selected_ids(inbox) == [1])
    inbox.export_tests_action.trigger()
    dialog = await wait_visible(window, ContractExportDialog)
    retype(qtbot, dialog.rules, "json:customer.vip")
    monkeypatch.setattr(dialogs, "save_file",
                        lambda *args: args[-1](str(tmp_path / args[2])))
    click(qtbot, dialog.export_button)
    assert "must start with $" in dialog.error.text()  # a bad rule is a sentence here
    retype(qtbot, dialog.rules, "json:$.customer.vip")
    click(qtbot, dialog.export_button)
    await pump(lambda: "Exported 1 capture(s) as tests" in window.statusBar().currentMessage())
    module = tmp_path / "test_webhooks_recorded.py"
    assert "zoe@corp.example" not in module.read_text()
    spec = importlib.util.spec_from_file_location("recorded", module)
    assert spec is not None and spec.loader is not None
    recorded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recorded)
    (case,) = recorded.CASES
    assert case["path"] == "/orders"
    assert json.loads(case["body"]) == {"id": "o1", "customer": {
        "email": "redacted@example.com", "vip": False}}


@pytest.mark.slow
async def test_chaos_replay_names_what_was_applied_twice(qtbot: QtBot, window: Any) -> None:
    consumer = Consumer(idempotent=False)
    try:
        for n in range(4):
            await post(f"{window.base_url}/pay", json.dumps(
                {"id": f"evt_{n}", "type": "payment.succeeded"}).encode())
        inbox = window.inbox
        await pump(lambda: inbox.model.rowCount() == 4)
        window.show_section("inbox")
        inbox.chaos_action.trigger()
        dialog = await wait_visible(window, ChaosDialog)
        panel = dialog.panel
        retype(qtbot, panel.url, consumer.url + "/webhook")
        retype(qtbot, panel.seed, "5")
        retype(qtbot, panel.check, consumer.url + "/state")
        panel.duplicates.selectAll()
        qtbot.keyClicks(panel.duplicates, "1")
        assert panel.duplicates.value() == 1.0
        click(qtbot, panel.run_button)
        await pump(lambda: panel.report is not None, 40)
        assert panel.table.rowCount() == 4
        assert "Applied more than once: evt_0 (2×), evt_1 (2×), evt_2 (2×), evt_3 (2×)." \
            in panel.verdict.text()
        assert panel.run_button.isEnabled()
        # Again, re-signed: each copy is signed afresh and keeps its original's delivery id.
        click(qtbot, panel.resign)
        panel.signing.how.setCurrentIndex(panel.signing.how.findData("scheme:standard-webhooks"))
        click(qtbot, panel.run_button)
        assert panel.error.text() == "Re-signing needs the secret to sign with."
        qtbot.keyClicks(panel.signing.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        consumer.delivery_ids.clear()
        first = panel.report
        click(qtbot, panel.run_button)
        await pump(lambda: panel.report is not first, 40)
        ids = {d for e, d in consumer.delivery_ids if e == "evt_0"}
        assert len(ids) == 1 and None not in ids  # two sends, one webhook-id
        dialog.close()
    finally:
        consumer.stop()
