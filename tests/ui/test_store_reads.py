"""Store reads run off the GUI thread (``ui/query_op.py``): a locked store makes a section
wait, never the window; a late result for an older question is dropped; ui/ builds no query."""

from __future__ import annotations

import ast
import sqlite3
import threading
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from tests.ui.conftest import WindowFactory
from tests.ui.scenarios.helpers import LEFT, Heartbeat, button, pump, reading, reads_done
from webhook_studio.context import AppContext
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner

UI = Path(__file__).resolve().parents[2] / "webhook_studio" / "ui"


async def test_a_section_loading_from_a_locked_store_leaves_the_window_responsive(
        make_window: WindowFactory, ctx: AppContext, db_path: Path, qtbot: QtBot) -> None:
    window = await make_window(start=False)
    create_subscription(ctx.store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        url="http://localhost:3000/locked", events=["*"])
    await reads_done(window)
    # Another program holds the SQLite file (a long import, a backup tool) for ~3 s.
    ctx.store.engine.dispose()  # our idle connections would keep it from taking the lock
    holder = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE IF NOT EXISTS held (x)")
    release = threading.Timer(3.0, lambda: None)
    heartbeat = Heartbeat()
    try:
        sidebar = window.sidebar
        item = sidebar.item([sidebar.item(i).text() for i in range(sidebar.count())]
                            .index("Subscriptions"))
        qtbot.mouseClick(sidebar.viewport(), LEFT, pos=sidebar.visualItemRect(item).center())
        editor = window.subscriptions
        assert reading(window), "the section reads its list in the background"
        # While the list waits for the store, the window still paints, ticks and takes clicks.
        before = editor.secret.text()
        qtbot.mouseClick(button(editor, "Generate"), LEFT)
        assert editor.secret.text() != before, "a click was handled while the store was locked"
        await heartbeat.beats(10, 30, "the GUI thread's timer stopped while the store was locked")
        assert reading(window), "the read was still waiting while the timer ticked"
        await reads_done(window, 60)
        # The store stayed locked past the busy timeout: a sentence, never a traceback.
        assert "locked by another program" in window.statusBar().currentMessage()
    finally:
        heartbeat.stop()
        release.cancel()
        holder.execute("COMMIT")
        holder.close()
    # Once the other program lets go, showing the section again lists what is stored.
    window.show_section("inbox")
    window.show_section("subscriptions")
    await reads_done(window)
    assert editor.list.count() == 1
    assert editor.list.item(0).text().startswith("http://localhost:3000/locked")


async def test_a_late_result_for_an_older_question_is_dropped() -> None:
    shown: list[str] = []
    errors: list[str] = []
    queries = Queries(TaskRunner(errors.append))
    first_may_finish = threading.Event()

    def slow() -> str:
        assert first_may_finish.wait(30)
        return "capture 1"

    queries.run("capture", slow, shown.append)  # the person clicks capture 1…
    queries.run("capture", lambda: "capture 2", shown.append)  # …then capture 2
    await pump(lambda: shown == ["capture 2"], 30)
    first_may_finish.set()
    await pump(lambda: not queries.busy(), 30)
    assert shown == ["capture 2"], "the older read finishing late changed nothing"
    assert errors == []


async def test_a_failed_read_is_a_sentence_in_the_window(make_window: WindowFactory) -> None:
    window: Any = await make_window(start=False)
    queries = Queries(window.runner)

    def broken() -> None:
        from webhook_studio.store import StoreUnavailable

        raise StoreUnavailable("The disk is full; free some space and try again.")

    queries.run("list", broken, lambda _result: None)
    await pump(lambda: not queries.busy())
    await pump(lambda: "disk is full" in window.statusBar().currentMessage())


def test_no_module_in_ui_imports_sqlalchemy() -> None:
    """Views and controllers read through ``store/window_reads.py``; a query built in ui/
    would run wherever it was called, the GUI thread included."""
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(UI)}: {n}" for n in names
                          if n == "sqlalchemy" or n.startswith("sqlalchemy.")]
    assert offenders == []
    assert len(list(UI.rglob("*.py"))) > 30, "the scan found the ui package"
