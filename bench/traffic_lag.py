"""Event-loop lag while the Inbox's traffic strip follows ingest (docs/benchmarks.md).

    apt-get install wrk
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/traffic_lag.py [--rows 1000000] [--seconds 5]

The full window on the real qasync loop over a store of ``--rows`` captures (bench/ui.py's
fill), the receiver in the same loop, ``wrk -t1 -c16`` posting for ``--seconds``, and a 10 ms
QTimer recording how late each tick fires. Run twice in the same process, alternating: with
the strip refreshing as it does in the app (a per-minute aggregate read on a worker thread, one
at a time, at most once a second or ten times its last read's cost while captures arrive: the
last two minutes, the whole hour once a minute; then a repaint) and with its refresh switched off,
so the strip's own cost is the difference between two runs on the same loaded machine.
With ``--whole-hour`` each round also runs with every strip read of the whole hour (as before
the strip kept its closed minutes), and ``--hour 120000`` runs on a copy of the store with that
many captures in the last hour, where the strip's reads cost the most.
With ``--qt-delegate`` each round also runs once with Qt's own item delegate painting the
list instead of :class:`~webhook_studio.ui.widgets.cell_delegate.CellDelegate`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from _loop_lag import lag_while_ingesting  # bench/ is the script's folder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


async def run_once(db: Path, seconds: int, strip: bool, qt_delegate: bool = False,
                   whole_hour: bool = False) -> dict[str, float]:

    from webhook_studio.context import AppContext
    from webhook_studio.receiver import Receiver
    from webhook_studio.store import stats
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.controllers.data_tools import DataTools
    from webhook_studio.ui.controllers.traffic_minutes import TrafficMinutes
    from webhook_studio.ui.main_window import MainWindow

    reads = {"n": 0, "full": 0, "incremental": 0}
    spent = {"full": 0.0, "incremental": 0.0}  # worker-thread ms in the strip's reads
    original = DataTools.refresh_traffic
    aggregate = stats.capture_traffic

    def counted(self: DataTools, full: bool = False) -> None:
        reads["n"] += 1
        original(self, full)

    def read(*args: Any, **kwargs: Any) -> Any:  # which reads ran (the hour, or its end)
        kind = "full" if kwargs.get("since") is None else "incremental"
        reads[kind] += 1
        started = time.perf_counter()
        try:
            return aggregate(*args, **kwargs)
        finally:
            spent[kind] += (time.perf_counter() - started) * 1000

    stats.capture_traffic = read
    since = TrafficMinutes.since
    if whole_hour:  # the strip before incremental reads: every read is of the whole hour
        TrafficMinutes.since = lambda self, now: None  # type: ignore[method-assign]
    DataTools.refresh_traffic = counted if strip else (lambda self, full=False: None)  # type: ignore[method-assign]
    ctx = AppContext.open(db)
    receiver = Receiver(ctx.store, port=0)
    bridge = EngineBridge()
    receiver.hub.subscribe(bridge.on_receiver_event)
    window = MainWindow(ctx, receiver=receiver, bridge=bridge)
    window.resize(1440, 900)
    if qt_delegate:  # the baseline: Qt's own item delegate instead of the lists' CellDelegate
        from PySide6.QtWidgets import QStyledItemDelegate

        window.inbox.view.setItemDelegate(QStyledItemDelegate(window.inbox.view))
    window.show()
    await window.start_engines()
    paints_before = window.inbox.traffic.paints
    load = os.getloadavg()[0]  # the machine is shared: numbers are read next to this
    lag = await lag_while_ingesting(str(receiver.url), seconds, HERE / "_post_traffic.lua")
    paints = window.inbox.traffic.paints - paints_before
    await receiver.stop()
    window.close()
    window.inbox._traffic_idle.stop()  # a closed window's strip must not read in the next run
    window.inbox._traffic_soon.stop()
    ctx.close()
    DataTools.refresh_traffic = original  # type: ignore[method-assign]
    stats.capture_traffic = aggregate
    TrafficMinutes.since = since  # type: ignore[method-assign]
    return {"strip": "whole hour" if whole_hour else strip,
            "delegate": "qt" if qt_delegate else "cells", **lag,
            "traffic_reads": reads["n"], "full_reads": reads["full"],
            "incremental_reads": reads["incremental"],
            "full_read_ms": round(spent["full"], 1),
            "incremental_read_ms": round(spent["incremental"], 1), "strip_paints": paints,
            "load_1min": round(load, 2)}


async def runs(db: Path, seconds: int, rounds: int, qt_delegate: bool, whole_hour: bool
               ) -> list[dict[str, float]]:
    out = []
    for _ in range(rounds):
        for strip in (True, False):
            out.append(await run_once(db, seconds, strip))
        if whole_hour:
            out.append(await run_once(db, seconds, True, whole_hour=True))
        if qt_delegate:
            out.append(await run_once(db, seconds, True, qt_delegate=True))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--qt-delegate", action="store_true",
                        help="each round also runs with Qt's own item delegate (baseline)")
    parser.add_argument("--whole-hour", action="store_true",
                        help="each round also runs with every strip read of the whole hour "
                             "(the strip before incremental reads: the baseline)")
    parser.add_argument("--hour", type=int, default=0,
                        help="a copy of the store with this many more captures in the last "
                             "hour (120000: the hour the strip's reads were slow on)")
    parser.add_argument("--db", type=Path, default=Path("/tmp/webhook-studio-bench-ui.sqlite3"))
    args = parser.parse_args()
    from ui import fill  # bench/ui.py

    fill(args.db, args.rows)
    db = args.db
    if args.hour:
        import sqlite3

        from traffic_reads import fill_hour

        db = args.db.with_suffix(".hour.sqlite3")
        for old in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            old.unlink(missing_ok=True)
        with sqlite3.connect(args.db) as source, sqlite3.connect(db) as copy:
            source.backup(copy)
        fill_hour(db, args.hour, time.time())
    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    for result in qasync.run(runs(db, args.seconds, args.rounds, args.qt_delegate,
                                  args.whole_hour)):
        print(json.dumps(result))


if __name__ == "__main__":
    main()
