"""Event-loop lag while the Inbox's traffic strip follows ingest (docs/benchmarks.md).

    apt-get install wrk
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/traffic_lag.py [--rows 1000000] [--seconds 5]

The full window on the real qasync loop over a store of ``--rows`` captures (bench/ui.py's
fill), the receiver in the same loop, ``wrk -t1 -c16`` posting for ``--seconds``, and a 10 ms
QTimer recording how late each tick fires. Run twice in the same process, alternating: with
the strip refreshing as it does in the app (a per-minute aggregate read on a worker thread, one
at a time, at most once a second or ten times its last read's cost while captures arrive, then
a repaint) and with its refresh switched off,
so the strip's own cost is the difference between two runs on the same loaded machine.
With ``--qt-delegate`` each round also runs once with Qt's own item delegate painting the
list instead of :class:`~webhook_studio.ui.widgets.cell_delegate.CellDelegate`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from _loop_lag import lag_while_ingesting  # bench/ is the script's folder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


async def run_once(db: Path, seconds: int, strip: bool, qt_delegate: bool = False
                   ) -> dict[str, float]:

    from webhook_studio.context import AppContext
    from webhook_studio.receiver import Receiver
    from webhook_studio.store import stats
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.controllers.data_tools import DataTools
    from webhook_studio.ui.main_window import MainWindow

    reads = {"n": 0, "full": 0, "incremental": 0}
    original = DataTools.refresh_traffic
    aggregate = stats.capture_traffic

    def counted(self: DataTools, full: bool = False) -> None:
        reads["n"] += 1
        original(self, full)

    def read(*args: Any, **kwargs: Any) -> Any:  # which reads ran: the hour, or its end
        reads["full" if kwargs.get("since") is None else "incremental"] += 1
        return aggregate(*args, **kwargs)

    stats.capture_traffic = read

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
    ctx.close()
    DataTools.refresh_traffic = original  # type: ignore[method-assign]
    stats.capture_traffic = aggregate
    return {"strip": strip, "delegate": "qt" if qt_delegate else "cells", **lag,
            "traffic_reads": reads["n"], "full_reads": reads["full"],
            "incremental_reads": reads["incremental"], "strip_paints": paints,
            "load_1min": round(load, 2)}


async def runs(db: Path, seconds: int, rounds: int, qt_delegate: bool
               ) -> list[dict[str, float]]:
    out = []
    for _ in range(rounds):
        for strip in (True, False):
            out.append(await run_once(db, seconds, strip))
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
    parser.add_argument("--db", type=Path, default=Path("/tmp/webhook-studio-bench-ui.sqlite3"))
    args = parser.parse_args()
    from ui import fill  # bench/ui.py

    fill(args.db, args.rows)
    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    for result in qasync.run(runs(args.db, args.seconds, args.rounds, args.qt_delegate)):
        print(json.dumps(result))


if __name__ == "__main__":
    main()
