"""The paged model shows a huge source while fetching only the pages a view asks for."""

from __future__ import annotations

from collections.abc import Sequence

from pytestqt.qtbot import QtBot

from webhook_studio.ui.models.paged import Column, PagedTableModel


class CountingSource:
    def __init__(self, n: int) -> None:
        self.n = n
        self.pages: list[tuple[int, int]] = []

    def count(self) -> int:
        return self.n

    def page(self, offset: int, limit: int, total: int) -> Sequence[int]:
        self.pages.append((offset, limit))
        return list(range(offset, min(offset + limit, self.n)))


COLUMNS = [Column("n", str), Column("double", lambda v: str(v * 2), align_right=True)]


def test_a_million_rows_are_counted_not_loaded() -> None:
    source = CountingSource(1_000_000)
    model = PagedTableModel(source, COLUMNS)
    assert model.rowCount() == 1_000_000
    assert source.pages == []
    assert model.data(model.index(999_999, 1)) == "1999998"
    assert source.pages == [(999_800, 200)]


def test_pages_are_cached_and_evicted() -> None:
    source = CountingSource(100_000)
    model = PagedTableModel(source, COLUMNS)
    for row in range(400):
        model.data(model.index(row, 0))
    assert len(source.pages) == 2
    for page in range(PagedTableModel.MAX_PAGES + 5):
        model.data(model.index(page * PagedTableModel.PAGE_SIZE, 0))
    assert len(model._pages) == PagedTableModel.MAX_PAGES


def test_refresh_picks_up_new_rows(qtbot: QtBot) -> None:
    source = CountingSource(10)
    model = PagedTableModel(source, COLUMNS)
    source.n = 15
    with qtbot.waitSignal(model.modelReset):
        model.refresh()
    assert model.rowCount() == 15
    assert model.data(model.index(14, 0)) == "14"


def test_view_scrolled_to_the_end_fetches_only_visible_pages(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QTableView

    source = CountingSource(1_000_000)
    model = PagedTableModel(source, COLUMNS)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    qtbot.wait(50)
    assert 1 <= len(source.pages) <= 4


def test_capture_pages_past_the_middle_match_the_newest_first_order(tmp_path: object) -> None:
    """Pages near the end are read from the oldest side; they must be exactly the rows the
    newest-first order has there, including the short last page."""
    from pathlib import Path

    from webhook_studio.store import open_store
    from webhook_studio.store.receiver_models import Capture
    from webhook_studio.ui.models.sources import CaptureSource

    store = open_store(Path(str(tmp_path)) / "p.sqlite3")
    with store.session() as session:
        session.add_all(Capture(received_at=float(i), method="POST", path=f"/{i}", query="",
                                headers=[], body=b"", state="captured") for i in range(1050))
    source = CaptureSource(store)
    total = source.count()
    newest_first = list(range(1050, 0, -1))
    for offset in (0, 400, 600, 800, 1000):
        ids = [row.id for row in source.page(offset, 200, total)]
        assert ids == newest_first[offset:offset + 200], offset
    store.dispose()


class HeldSource(CountingSource):
    """Page reads wait for ``gate`` (a store busy elsewhere)."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        import threading

        self.gate = threading.Event()

    def page(self, offset: int, limit: int, total: int) -> Sequence[int]:
        assert self.gate.wait(30)
        return super().page(offset, limit, total)


async def test_a_page_is_read_once_off_the_gui_thread_and_a_stale_one_dropped() -> None:
    from tests.ui.scenarios.helpers import pump
    from webhook_studio.ui.models.paged import PLACEHOLDER
    from webhook_studio.ui.query_op import Queries
    from webhook_studio.ui.tasks import TaskRunner

    errors: list[str] = []
    queries = Queries(TaskRunner(errors.append))
    old = HeldSource(1000)
    model = PagedTableModel(old, COLUMNS, queries)
    await pump(lambda: model.rowCount() == 1000, 30)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last: changed.append((first.row(), last.row())))
    for _ in range(5):  # painted again and again while the read waits: asked once
        assert model.data(model.index(450, 0)) == PLACEHOLDER
    assert model.row_object(450) is None
    assert model.find_row(lambda n: n == 450, 600) == (None, False)  # pages 0-2: held too
    new = CountingSource(1000)
    model.set_source(new)  # another filter while the old pages are still being read
    await pump(lambda: model.data(model.index(450, 0)) == "450", 30)
    assert queries.busy(), "the old reads are still waiting"
    old.gate.set()
    await pump(lambda: not queries.busy(), 30)
    assert model.data(model.index(450, 1)) == "900"
    assert sorted(new.pages) == [(0, 200), (400, 200)]  # read for the new source only
    assert (400, 599) in changed  # the rows repainted when their page arrived
    assert model.find_row(lambda n: n == 450, 1000) == (450, True)
    assert errors == []


class FlakySource(CountingSource):
    """The first page reads fail (the store was locked for too long), later ones work.
    (The first may be read with the old count, and dropped when the count arrives.)"""

    failures = 2

    def page(self, offset: int, limit: int, total: int) -> Sequence[int]:
        if self.failures:
            self.failures -= 1
            raise OSError("database is locked")
        return super().page(offset, limit, total)


async def test_a_failed_page_read_is_a_sentence_and_asked_again_on_the_next_paint() -> None:
    from tests.ui.scenarios.helpers import pump
    from webhook_studio.ui.models.paged import PLACEHOLDER
    from webhook_studio.ui.query_op import Queries
    from webhook_studio.ui.tasks import TaskRunner

    errors: list[str] = []
    queries = Queries(TaskRunner(errors.append))
    model = PagedTableModel(FlakySource(10), COLUMNS, queries)
    await pump(lambda: not queries.busy(), 30)
    assert errors, "the failed read was reported"
    assert model.data(model.index(3, 0)) in (PLACEHOLDER, "3")  # asked again
    await pump(lambda: model.data(model.index(3, 0)) == "3", 30)


async def test_rows_inserted_on_top_with_their_objects_keep_the_pages_read() -> None:
    """Ingest inserts a batch on top several times a second: given the new rows, the list
    shifts what it holds under them and repaints once, with no placeholder and no read."""
    from tests.ui.scenarios.helpers import pump
    from webhook_studio.ui.models.paged import PLACEHOLDER
    from webhook_studio.ui.query_op import Queries
    from webhook_studio.ui.tasks import TaskRunner

    errors: list[str] = []
    queries = Queries(TaskRunner(errors.append))
    source = CountingSource(1000)
    model = PagedTableModel(source, COLUMNS, queries)
    await pump(lambda: model.rowCount() == 1000 and not queries.busy(), 30)
    for row in (0, 250):  # pages 0 and 1 read, as a view at the top would
        model.data(model.index(row, 0))
    await pump(lambda: model.data(model.index(250, 0)) == "250", 30)
    read = list(source.pages)
    changed: list[int] = []
    model.dataChanged.connect(lambda first, _last: changed.append(first.row()))
    model.insert_top(3, [-3, -2, -1])
    assert model.rowCount() == 1003
    assert [model.data(model.index(row, 0)) for row in (0, 2, 3, 252, 399)] == [
        "-3", "-1", "0", "249", "396"]
    assert model.data(model.index(400, 0)) == PLACEHOLDER  # the rest of old page 1: asked
    assert model.data(model.index(2, 1)) == "-2"  # every column of a new row
    assert changed == [] and source.pages[:len(read)] == read
    assert (0, 200) not in source.pages[len(read):], "the first page was not read again"
    model.insert_top(2)  # without the rows (a big batch): read again
    assert model.data(model.index(0, 0)) == PLACEHOLDER
    await pump(lambda: model.data(model.index(0, 0)) == "0", 30)
    assert errors == []


class HeldCountSource(CountingSource):
    """Counts wait for their own gate (a filtered count over a big store takes seconds);
    the first ``failures`` of them then fail as a locked store does."""

    def __init__(self, n: int, failures: int = 0) -> None:
        super().__init__(n)
        import threading

        self.gates: list[threading.Event] = []
        self.failures = failures
        self._lock = threading.Lock()

    def count(self) -> int:
        import threading

        gate = threading.Event()
        with self._lock:
            self.gates.append(gate)
        assert gate.wait(30)
        with self._lock:
            failing, self.failures = self.failures > 0, max(0, self.failures - 1)
        if failing:
            raise OSError("database is locked")
        return self.n


async def test_refreshes_during_a_count_are_folded_into_one_more_count_after_it() -> None:
    """Refreshed at every batch while a count runs, the model shows that count when it
    ends and counts once more; each refresh used to start a count that dropped the running
    one, so none landed while batches came faster than a count took."""
    from tests.ui.scenarios.helpers import pump
    from webhook_studio.ui.query_op import Queries
    from webhook_studio.ui.tasks import TaskRunner

    errors: list[str] = []
    queries = Queries(TaskRunner(errors.append))
    source = HeldCountSource(10)
    model = PagedTableModel(source, COLUMNS, queries)
    counted: list[int] = []
    model.counted.connect(lambda: counted.append(model.rowCount()))
    await pump(lambda: len(source.gates) == 1, 30)
    source.n = 12
    for _ in range(3):
        model.refresh()
    assert len(source.gates) == 1 and model.counting
    source.gates[0].set()
    await pump(lambda: counted == [12], 30, "the running count was not shown")
    await pump(lambda: len(source.gates) == 2, 30)
    assert model.counting, "one more count runs for the refreshes asked meanwhile"
    source.n = 13
    source.gates[1].set()
    await pump(lambda: not queries.busy(), 30)
    assert counted == [12, 13] and len(source.gates) == 2 and not model.counting
    assert model.data(model.index(12, 0)) == "12"
    assert errors == []


async def test_a_failed_count_says_so_and_a_refresh_asked_meanwhile_counts_again() -> None:
    from tests.ui.scenarios.helpers import pump
    from webhook_studio.ui.query_op import Queries
    from webhook_studio.ui.tasks import TaskRunner

    errors: list[str] = []
    queries = Queries(TaskRunner(errors.append))
    source = HeldCountSource(5, failures=1)
    model = PagedTableModel(source, COLUMNS, queries)
    failed: list[bool] = []
    model.count_failed.connect(lambda: failed.append(model.counting))
    await pump(lambda: len(source.gates) == 1, 30)
    model.refresh()  # a batch while the count runs
    source.gates[0].set()
    # told with the next count already running (a listener does not give up on the list)
    await pump(lambda: failed == [True], 30, "the failed count was not told")
    assert errors and "locked" in errors[0]
    await pump(lambda: len(source.gates) == 2, 30)  # the batch's count, after the failed one
    source.gates[1].set()
    await pump(lambda: model.rowCount() == 5 and not queries.busy(), 30)
    assert len(source.gates) == 2 and failed == [True]
