"""Export the shown captures as HAR and import them back, through Inbox ▸ Actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ui.scenarios.helpers import post, pump
from webhook_studio.ui import dialogs


async def test_export_then_import_through_the_actions_menu(
        window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        await post(f"{window.base_url}/har/{i}", f'{{"n":{i}}}'.encode(),
                   {"Content-Type": "application/json"})
    await post(f"{window.base_url}/other", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 4)
    window.inbox.search.setText("/har/")  # only what is shown is exported
    await pump(lambda: window.inbox.model.rowCount() == 3)
    target = tmp_path / "shown.har"
    asked: list[str] = []

    def save(*args: Any) -> None:
        asked.append(args[1])
        args[-1](str(target))

    monkeypatch.setattr(dialogs, "save_file", save)
    window.inbox.export_action.trigger()
    assert asked == ["Export shown captures"]
    await pump(lambda: target.exists() and "Exported 3" in window.statusBar().currentMessage())
    entries = json.loads(target.read_text())["log"]["entries"]
    assert [e["request"]["postData"]["text"] for e in entries] == ['{"n":0}', '{"n":1}',
                                                                  '{"n":2}']
    assert entries[0]["request"]["url"] == f"{window.base_url}/har/0"
    monkeypatch.setattr(dialogs, "open_file", lambda *args: args[-1](str(target)))
    window.inbox.import_action.trigger()
    await pump(lambda: window.inbox.model.rowCount() == 6)
    assert "Imported 3 capture(s)" in window.statusBar().currentMessage()


async def test_a_cancelled_file_dialog_does_nothing(
        window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialogs, "save_file", lambda *args: None)  # the person cancels
    monkeypatch.setattr(dialogs, "open_file", lambda *args: None)
    window.inbox.export_action.trigger()
    window.inbox.import_action.trigger()
    from PySide6.QtWidgets import QProgressDialog

    assert not [d for d in window.findChildren(QProgressDialog) if d.isVisible()]
    assert window.statusBar().currentMessage() == ""
    assert window.inbox.model.rowCount() == 0


async def test_a_bad_har_file_is_a_sentence_not_a_bug_report(
        window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inbox ▸ Actions ▸ Import HAR… on a file that is not JSON: the status bar says what is
    wrong with the file, nothing is imported, and nothing asks for a bug report."""
    target = tmp_path / "broken.har"
    target.write_text('{"log": {"entries": [', encoding="utf-8")
    monkeypatch.setattr(dialogs, "open_file", lambda *args: args[-1](str(target)))
    window.inbox.import_action.trigger()
    await pump(lambda: "broken.har" in window.statusBar().currentMessage())
    message = window.statusBar().currentMessage()
    assert "is not JSON" in message and "Nothing was" in message
    assert "bug" not in message.lower()
    assert window.inbox.model.rowCount() == 0


async def test_captures_imported_into_older_minutes_show_on_the_traffic_strip_at_once(
        window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The strip re-reads only its last minutes while captures arrive; a HAR of requests
    from twenty minutes ago lands in an older minute, and shows there at once."""
    import time
    from datetime import UTC, datetime

    await post(f"{window.base_url}/live", b"{}")
    strip = window.inbox.traffic
    await pump(lambda: sum(b.total for b in strip.buckets) == 1)
    await pump(lambda: window.inbox.tools.traffic_since is not None)  # incremental reads
    then = datetime.fromtimestamp(time.time() - 1200, UTC).isoformat()
    target = tmp_path / "older.har"
    target.write_text(json.dumps({"log": {"entries": [
        {"startedDateTime": then, "request": {"method": "POST", "url": f"http://x/old/{i}",
                                              "headers": [], "postData": {"text": "{}"}}}
        for i in range(3)]}}), encoding="utf-8")
    monkeypatch.setattr(dialogs, "open_file", lambda *args: args[-1](str(target)))
    window.inbox.import_action.trigger()
    await pump(lambda: "Imported 3 capture(s)" in window.statusBar().currentMessage())
    await pump(lambda: sum(b.total for b in strip.buckets) == 4)
    assert next(b.total for b in strip.buckets if b.total) == 3  # twenty minutes back
