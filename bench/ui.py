"""UI scale and responsiveness with 1,000,000 stored captures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui.py [--rows 1000000] [--seconds 5]

Measures (offscreen): time to show the Inbox over a million captures and to jump to the end;
cold start (process start to a shown, filled window, in a fresh process); and the event-loop
lag on the real qasync loop while wrk drives the receiver at full rate with the window open
(a 10 ms QTimer records how late each tick fires: p99 and max). Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from _captures_fill import insert_rows  # bench/ is the script's folder
from _loop_lag import lag_while_ingesting

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent


def fill(db: Path, rows: int) -> None:
    """A million realistic rows, inserted in big Core batches (done once, reused)."""
    from webhook_studio.store import open_store

    store = open_store(db)
    store.dispose()
    conn = sqlite3.connect(db)
    have = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    body = json.dumps({"type": "invoice.paid", "data": {"amount": 1999}}).encode()
    headers = json.dumps([["Content-Type", "application/json"], ["webhook-id", "msg_x"]])
    verification = json.dumps({"valid": True, "scheme": "standard-webhooks",
                               "reason": "valid", "message": "Signature is valid."})
    start = time.time() - rows
    insert_rows(conn, ((start + i, "POST", f"/hooks/orders/{i % 97}", "", "1.1", headers, body,
                        len(body), "captured", verification, i % 7 != 0, 200, "[]", b"", "[]",
                        "receiver") for i in range(have, rows)))
    conn.close()


async def lag_under_load(db: Path, seconds: int) -> dict[str, float]:

    from webhook_studio.context import AppContext
    from webhook_studio.receiver import Receiver
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.main_window import MainWindow

    ctx = AppContext.open(db)
    receiver = Receiver(ctx.store, port=0)
    bridge = EngineBridge()
    receiver.hub.subscribe(bridge.on_receiver_event)
    window = MainWindow(ctx, receiver=receiver, bridge=bridge)
    window.show()
    await window.start_engines()
    lag = await lag_while_ingesting(str(receiver.url), seconds, HERE / "_post.lua")
    await receiver.stop()
    window.close()
    ctx.close()
    return lag


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path("/tmp/webhook-studio-bench-ui.sqlite3"))
    args = parser.parse_args()
    started = time.perf_counter()
    fill(args.db, args.rows)
    print(f"store ready with {args.rows} captures ({time.perf_counter() - started:.1f} s)")

    from PySide6.QtWidgets import QApplication

    from webhook_studio.context import AppContext
    from webhook_studio.ui.controllers.inbox import InboxController
    from webhook_studio.ui.sections.inbox import InboxSection
    from webhook_studio.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    ctx = AppContext.open(args.db)
    t0 = time.perf_counter()
    inbox = InboxSection(InboxController(ctx.store, TaskRunner(), "http://127.0.0.1:8000"))
    inbox.resize(1200, 800)
    inbox.show()
    app.processEvents()
    show_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    inbox.view.scrollToBottom()
    app.processEvents()
    end_s = time.perf_counter() - t0
    rows = inbox.model.rowCount()
    t0 = time.perf_counter()
    inbox.verdict.setCurrentIndex(2)  # filter to invalid ones over the million
    app.processEvents()
    filter_s = time.perf_counter() - t0
    inbox.close()
    ctx.close()
    cold = [float(subprocess.run([sys.executable, str(HERE / "_cold_start.py"), str(args.db),
                                  str(time.time())], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    result: dict[str, object] = {
        "rows": rows, "show_inbox_s": round(show_s, 3), "jump_to_end_s": round(end_s, 3),
        "filter_invalid_s": round(filter_s, 3), "cold_start_s": sorted(cold)[1],
        "pages_fetched": inbox.model.pages_fetched,
    }
    if shutil.which("wrk"):
        import qasync

        result.update(qasync.run(lag_under_load(args.db, args.seconds)))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
