"""A 10 MiB capture does not freeze the window; new rows are counted exactly once."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import click, post, pump, reads_done, select_capture
from webhook_studio.context import AppContext
from webhook_studio.store.pages import CaptureSource
from webhook_studio.store.receiver_models import Capture
from webhook_studio.ui.controllers import inspector as inspector_module
from webhook_studio.ui.models import capture_view


async def test_a_big_capture_is_read_off_the_gui_thread_and_shown_cut(
        window: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"items": ["x" * 100] * 90_000}).encode()  # ~9.3 MiB
    await post(f"{window.base_url}/big", body, {"Content-Type": "application/json"})
    await pump(lambda: window.inbox.model.rowCount() == 1)
    threads: list[str] = []
    curls: list[int] = []
    real_read, real_curl = capture_view.read_view, capture_view.curl_text

    def read(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real_read(*args)

    def curl(*args: Any) -> str:
        curls.append(args[1])
        return real_curl(*args)

    monkeypatch.setattr(inspector_module, "read_view", read)
    monkeypatch.setattr(inspector_module, "curl_text", curl)
    capture_id = await select_capture(qtbot, window, 0)
    inspector = window.inbox.inspector
    assert threads and threading.main_thread().name not in threads
    assert curls == []  # nothing built for the clipboard until asked
    assert inspector.cut_bar.isVisibleTo(inspector)
    assert inspector.cut_note.text() == "Showing the first 256.0 KB of 8.9 MB."
    assert inspector.raw.toPlainText() == ""  # laid out only when its tab is opened
    bar = inspector.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert len(inspector.raw.toPlainText()) == capture_view.BIG
    assert inspector.body.toPlainText().startswith('{"items": ["xxxx')
    click(qtbot, inspector.show_all)
    await pump(lambda: inspector.view is not None and not inspector.view.truncated, within=40)
    assert len(json.loads(inspector.body.toPlainText())["items"]) == 90_000  # all of it
    assert not inspector.show_all.isVisibleTo(inspector)
    assert "Export… saves every byte" in inspector.cut_note.text()
    click(qtbot, inspector.copy_curl)
    await pump(lambda: QGuiApplication.clipboard().text().startswith("curl "))
    assert curls == [capture_id]


async def test_a_group_committed_between_two_reads_is_counted_once(
        window: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The receiver commits captures in groups while the inbox counts what is new; a group
    landing between the inbox's reads must show once, not twice.

    The group is committed by the thread of the inbox's read, before that read returns, as
    the receiver commits before it announces: the "next batch" below then finds it. (Armed
    for any thread, the group was once committed by another read's thread (the traffic
    strip, the status counts) whenever that thread got the CPU, after the next batch's read
    on a loaded machine: no batch was left to show it. And a read of arrivals still running
    from the first posts found the patch too, committing a second group.)"""
    for i in range(3):
        await post(f"{window.base_url}/r/{i}", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 3)
    await reads_done(window.inbox)  # no read of the first posts is still to run
    store = ctx.store
    real_session = type(store).session
    armed: dict[int, bool] = {}  # the threads inside the inbox's own read
    real_count_after = CaptureSource.count_after

    def count_after(self: Any, capture_id: int) -> Any:  # the inbox's own reads, and only those
        armed[threading.get_ident()] = True
        try:
            return real_count_after(self, capture_id)
        finally:
            armed.pop(threading.get_ident(), None)

    @contextlib.contextmanager
    def session(self: Any) -> Iterator[Any]:
        with real_session(self) as s:
            yield s
        if armed.pop(threading.get_ident(), False):  # a group commits right after that read
            with real_session(self) as other:
                other.add(Capture(received_at=0.0, method="POST", path="/sneaked",
                                  headers=[], body=b"", body_size=0))

    monkeypatch.setattr(type(store), "session", session)
    monkeypatch.setattr(CaptureSource, "count_after", count_after)
    await post(f"{window.base_url}/r/3", b"{}")
    await pump(lambda: window.inbox.model.rowCount() >= 4)
    monkeypatch.setattr(type(store), "session", real_session)
    monkeypatch.setattr(CaptureSource, "count_after", real_count_after)
    window.bridge.captures_arrived.emit(1)  # the next batch
    await pump(lambda: window.inbox.model.rowCount() >= 5)
    for _ in range(3):
        window.bridge.captures_arrived.emit(1)
    await reads_done(window.inbox)  # the three counts ran and found nothing new
    with store.session() as s:
        assert s.query(Capture).count() == 5
    assert window.inbox.model.rowCount() == 5


async def test_arrivals_wait_for_the_list_count_and_are_read_one_at_a_time(
        make_window: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """While ingesting over a big store the Inbox must not start a read per batch: until the
    list's count is in, "newer than the newest shown" is the whole table, and a read per
    batch each superseding the last kept every worker thread scanning it (the window lagged).
    Here the count and then one arrivals read are held while captures keep coming."""
    counting, arriving = threading.Event(), threading.Event()
    lock = threading.Lock()
    calls: list[int] = []
    running = {"now": 0, "most": 0}
    real_count, real_count_after = CaptureSource.count, CaptureSource.count_after

    def count(self: CaptureSource) -> int:
        assert counting.wait(30)
        return real_count(self)

    def count_after(self: CaptureSource, capture_id: int) -> tuple[int, int]:
        with lock:
            calls.append(capture_id)
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        try:
            assert arriving.wait(30)
            return real_count_after(self, capture_id)
        finally:
            with lock:
                running["now"] -= 1

    with ctx.store.session() as s:
        s.add_all([Capture(received_at=float(i), method="POST", path=f"/old/{i}", headers=[],
                           body=b"", body_size=0) for i in range(5)])
    monkeypatch.setattr(CaptureSource, "count", count)
    monkeypatch.setattr(CaptureSource, "count_after", count_after)
    window = await make_window()
    for i in range(3):  # batches arrive while the list is still being counted
        await post(f"{window.base_url}/during-count/{i}", b"{}")
        await pump(lambda: window.bridge._new_captures == 0)  # the batch went out
    assert calls == [], "no arrivals read before the count: it would scan every row"
    counting.set()
    await pump(lambda: window.inbox.model.rowCount() == 8)
    for i in range(4):  # an arrivals read is held: the batches after it are folded
        await post(f"{window.base_url}/while-reading/{i}", b"{}")
        await pump(lambda: window.bridge._new_captures == 0)
    await pump(lambda: len(calls) >= 1)
    assert len(calls) == 1 and calls[0] >= 8, "one read, from the newest row counted"
    arriving.set()
    await pump(lambda: window.inbox.model.rowCount() == 12)
    await reads_done(window.inbox)
    assert running["most"] == 1
    assert 2 <= len(calls) <= 3  # the held read, then one for what came meanwhile
    paths = [window.inbox.model.data(window.inbox.model.index(row, 3)) for row in range(12)]
    assert paths[:4] == [f"/while-reading/{i}" for i in (3, 2, 1, 0)]
    assert len(set(paths)) == 12
