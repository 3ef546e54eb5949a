"""The Inbox and Deliveries lists paint their cells from drawn texts kept between repaints
(``ui/widgets/cell_delegate.py``): the list must look as Qt's own delegate draws it, in Light
and in Dark, with a selected row and the keyboard's focus, and a repaint while captures arrive
must reuse what it drew instead of laying the texts out again."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyledItemDelegate, QTableView
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import GH_BODY, github_endpoint, post, pump, select_capture, settle
from webhook_studio.context import AppContext
from webhook_studio.ui.menu_bar import menu_actions
from webhook_studio.ui.widgets.cell_delegate import CellDelegate


def differing_share(a: QImage, b: QImage) -> float:
    """The share of pixels whose colour differs by more than a little (anti-aliasing)."""
    assert a.size() == b.size()
    a, b = a.convertToFormat(QImage.Format.Format_RGB32), b.convertToFormat(
        QImage.Format.Format_RGB32)
    width, stride, differ = a.width(), a.bytesPerLine(), 0
    bits_a, bits_b = memoryview(a.constBits()).tobytes(), memoryview(b.constBits()).tobytes()
    for y in range(a.height()):
        row_a = bits_a[y * stride:y * stride + 4 * width]
        row_b = bits_b[y * stride:y * stride + 4 * width]
        if row_a == row_b:
            continue
        for x in range(0, 4 * width, 4):
            if max(abs(row_a[x + i] - row_b[x + i]) for i in range(3)) > 24:
                differ += 1
    return differ / (width * a.height())


def drawn_by_qt(view: QTableView) -> QImage:
    ours = view.itemDelegate()
    view.setItemDelegate(QStyledItemDelegate(view))
    try:
        return view.viewport().grab().toImage()
    finally:
        view.setItemDelegate(ours)


async def fill_with_verdicts(window: Any, ctx: AppContext) -> None:
    """Valid, invalid and unverified captures: three colours in the Verdict column."""
    good, bad = github_endpoint(window, ctx)
    body = GH_BODY
    for i in range(4):
        await post(f"{window.base_url}/hooks/github", body, {**good, "X-GitHub-Event": "ping"})
        await post(f"{window.base_url}/hooks/github", body, {**bad, "X-GitHub-Event": "ping"})
        await post(f"{window.base_url}/plain/{i}" + "/a-long-path-segment" * 8, b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 12)


@pytest.mark.parametrize("theme", ["Light", "Dark"])
async def test_the_inbox_list_looks_as_qts_own_delegate_draws_it(
        window: Any, ctx: AppContext, qtbot: QtBot, theme: str) -> None:
    view = window.inbox.view
    assert isinstance(view.itemDelegate(), CellDelegate)
    await fill_with_verdicts(window, ctx)
    dict(menu_actions(window.menuBar()))[f"View ▸ Theme ▸ {theme}"].trigger()
    await select_capture(qtbot, window, 1)  # a selected row, the keyboard's focus on it
    view.setFocus()
    await settle()
    view.viewport().repaint()  # texts seen twice: painted from the drawn ones kept
    ours = view.viewport().grab().toImage()
    assert differing_share(ours, drawn_by_qt(view)) < 0.001
    # …and it is not an empty list that matches an empty list
    assert differing_share(ours, blank_like(ours)) > 0.02
    view.setItemDelegate(CellDelegate(view))  # texts seen for the first time: written out
    first = view.viewport().grab().toImage()
    model = window.inbox.model
    numbers = {str(model.row_object(row).id) for row in range(model.rowCount())}
    kept = {key[0] for key in view.itemDelegate()._drawn}
    assert kept and not numbers & kept  # texts repeated on screen are kept, numbers not yet
    assert differing_share(first, drawn_by_qt(view)) < 0.001


def blank_like(image: QImage) -> QImage:
    blank = QImage(image.size(), image.format())
    blank.fill(image.pixelColor(image.width() - 1, image.height() - 1))
    return blank


async def test_a_repaint_while_captures_arrive_reuses_the_drawn_texts(
        window: Any, ctx: AppContext) -> None:
    view = window.inbox.view
    delegate = view.itemDelegate()
    assert isinstance(delegate, CellDelegate)
    await fill_with_verdicts(window, ctx)
    await settle()
    view.viewport().repaint()
    view.viewport().repaint()  # every text now painted twice: kept drawn
    drawn = delegate.drawn_count
    view.viewport().repaint()
    assert delegate.drawn_count == drawn  # nothing laid out again
    await post(f"{window.base_url}/hooks/new", b"{}")  # one row more, on top
    await pump(lambda: window.inbox.model.rowCount() == 13)
    await settle()
    view.viewport().repaint()
    view.viewport().repaint()
    # the new row's own texts (number, time, path…) only; the twelve moved rows reuse theirs
    assert 0 < delegate.drawn_count - drawn <= window.inbox.model.columnCount()
    assert len(delegate._drawn) <= CellDelegate.MAX_DRAWN


async def test_the_drawn_texts_kept_are_bounded_however_far_one_scrolls(
        window: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CellDelegate, "MAX_DRAWN", 50)
    for i in range(40):
        await post(f"{window.base_url}/many/{i}", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 40)
    view = window.inbox.view
    delegate = view.itemDelegate()
    for row in range(0, 40, 5):
        view.scrollTo(view.model().index(row, 0))
        await settle(2)
        view.viewport().repaint()
        view.viewport().repaint()
    assert delegate.drawn_count > 50  # more texts were drawn than are kept
    assert len(delegate._drawn) == 50


async def test_the_deliveries_list_paints_with_the_same_delegate(window: Any) -> None:
    assert isinstance(window.deliveries.view.itemDelegate(), CellDelegate)


async def test_the_number_column_shows_a_millionth_captures_number_whole(
        make_window: Any, ctx: AppContext) -> None:
    """At its old 44 px a store of a million captures showed every number as "109…"."""
    from sqlalchemy import text

    window = await make_window()
    await post(f"{window.base_url}/first", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    with ctx.store.session() as session:  # as if a million had come before it
        session.execute(text("UPDATE captures SET id = 1234567"))
        session.commit()
    window.close()
    window = await make_window()
    view = window.inbox.view
    await pump(lambda: window.inbox.model.data(window.inbox.model.index(0, 0)) == "1234567")
    await post(f"{window.base_url}/next", b"{}")  # and the ones that come after it
    await pump(lambda: window.inbox.model.rowCount() == 2)
    await settle()
    room = view.columnWidth(0) - 2 * view.itemDelegate()._margin
    assert view.fontMetrics().horizontalAdvance("1234568") <= room
    assert not view.isColumnHidden(3) and view.columnWidth(3) >= 150  # the path kept its room


async def test_a_disabled_list_greys_its_text_as_qts_delegate_does(
        window: Any, ctx: AppContext) -> None:
    await fill_with_verdicts(window, ctx)
    view = window.inbox.view
    await settle()
    enabled = view.viewport().grab().toImage()
    view.setEnabled(False)
    await settle()
    view.viewport().repaint()
    view.viewport().repaint()
    disabled = view.viewport().grab().toImage()
    assert differing_share(disabled, enabled) > 0.005  # the texts changed colour
    assert differing_share(disabled, drawn_by_qt(view)) < 0.001
