"""The Inbox says which endpoint each capture came to (issue 5: "method, path, endpoint,
verdict…"): the endpoint's name, its path when it has no name, blank for none."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.ui.scenarios.helpers import post, pump
from webhook_studio.context import AppContext
from webhook_studio.store import open_store
from webhook_studio.store.pages import CaptureSource
from webhook_studio.store.receiver_queries import create_endpoint, update_endpoint


def column(inbox: Any, title: str) -> int:
    model = inbox.model
    for col in range(model.columnCount()):
        if model.headerData(col, Qt.Orientation.Horizontal) == title:
            return col
    raise AssertionError(f"no {title} column")


def shown(inbox: Any, title: str) -> list[str]:
    col = column(inbox, title)
    return [str(inbox.model.data(inbox.model.index(row, col)) or "")
            for row in range(inbox.model.rowCount())]


async def test_each_row_names_its_endpoint(window: Any, ctx: AppContext) -> None:
    create_endpoint(ctx.store, name="GitHub", path="/gh")
    create_endpoint(ctx.store, name="Stripe", path="/stripe")
    create_endpoint(ctx.store, name="", path="/unnamed")
    window._endpoints_changed()
    for count, path in enumerate(("/gh", "/stripe", "/unnamed", "/nowhere", "/gh"), 1):
        await post(f"{window.base_url}{path}", b"{}")
        # one by one: each arrives as a new row on top, read with its endpoint
        await pump(partial(lambda c: window.inbox.model.rowCount() == c, count))
    await pump(lambda: "" not in shown(window.inbox, "Path"), what="rows not read")
    inbox = window.inbox
    assert list(zip(shown(inbox, "Path"), shown(inbox, "Endpoint"), strict=True)) == [
        ("/gh", "GitHub"), ("/nowhere", ""), ("/unnamed", "/unnamed"), ("/stripe", "Stripe"),
        ("/gh", "GitHub")]
    assert not inbox.view.isColumnHidden(column(inbox, "Endpoint"))
    assert column(inbox, "Endpoint") == column(inbox, "Path") + 1


async def test_the_endpoint_column_makes_room_for_the_path_when_narrow(
        window: Any, qtbot: Any) -> None:
    inbox = window.inbox
    endpoint = column(inbox, "Endpoint")
    await post(f"{window.base_url}/x", b"{}")  # the list shows (not the first-run panel)
    await pump(lambda: inbox.model.rowCount() == 1)
    await pump(lambda: inbox.columns.hidden() == [], what="1440 px: room for every column")
    went = False
    for width in (1200, 1024, 900, 800):
        window.resize(width, 800)
        await pump(partial(lambda w: window.width() <= max(w, window.minimumSizeHint().width()),
                           width))
        hidden = inbox.columns.hidden()
        went = went or endpoint in hidden
        assert not inbox.view.isColumnHidden(column(inbox, "Path"))
    assert went, "the Endpoint column never made room for the path"


def test_the_page_reads_names_and_a_rename_shows_on_the_next_read(tmp_path: Path) -> None:
    from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter

    store = open_store(tmp_path / "names.sqlite3")
    try:
        first = create_endpoint(store, name="Orders", path="/orders")
        second = create_endpoint(store, name="", path="/bare")
        writer = CaptureWriter(store)
        writer._write([CaptureRecord({"received_at": 1000.0 + i, "method": "POST",
                                      "path": p, "headers": [], "body": b"{}", "body_size": 2,
                                      "verify_valid": None, "endpoint_id": e}, None)
                       for i, (p, e) in enumerate((("/orders", first), ("/bare", second),
                                                   ("/x", None)))])
        source = CaptureSource(store)
        total = source.count()
        assert [r.endpoint for r in source.page(0, 10, total)] == ["", "/bare", "Orders"]
        # past the middle the page is read from the oldest end: the names come too
        assert [r.endpoint for r in source.page(2, 1, total)] == ["Orders"]
        update_endpoint(store, first, name="Orders v2")
        assert source.page(0, 10, total)[-1].endpoint == "Orders v2"
        _count, _newest, rows = source.count_after_with_rows(0, 10)
        assert [r.endpoint for r in rows] == ["", "/bare", "Orders v2"]
    finally:
        store.dispose()
