"""What one repaint of the Inbox list costs, Qt's own item delegate against the lists'
:class:`~webhook_studio.ui.widgets.cell_delegate.CellDelegate` (docs/benchmarks.md).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/list_repaint.py [--rows 1000000]

The full window over a store of ``--rows`` captures (bench/ui.py's fill), its list full of
rows, repainted ``--repaints`` times with each delegate in turn, alternating for ``--rounds``
rounds in the same process, so the ratio holds on a busy machine. A repaint while captures
arrive is this repaint: every visible row moved down by the new ones. ``cells_all_new``
empties the delegate's kept texts before each repaint, as when a batch brings more new rows
than the screen holds (1,400 captures a second); ``at_once_all_new`` is the same with every
text drawn to a pixmap the first time it is painted (the delegate's first version).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


async def measure(db: Path, repaints: int, rounds: int) -> dict[str, object]:
    from PySide6.QtWidgets import QStyledItemDelegate

    from webhook_studio.context import AppContext
    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.ui.widgets.cell_delegate import CellDelegate

    ctx = AppContext.open(db)
    window = MainWindow(ctx)
    window.resize(1440, 900)
    window.show()
    view = window.inbox.view
    for _ in range(200):  # until the count and the first page are in
        await asyncio.sleep(0.05)
        if view.model().rowCount() and window.inbox.model.row_object(0) is not None:
            break
    at_once = CellDelegate(view)
    at_once._seen = _Always()  # the first version: every text drawn to a pixmap at once
    delegates = {"qt": QStyledItemDelegate(view), "cells": CellDelegate(view),
                 "cells_all_new": CellDelegate(view), "at_once_all_new": at_once}
    times: dict[str, list[float]] = {name: [] for name in delegates}
    viewport = view.viewport()
    for _ in range(rounds):
        for name, delegate in delegates.items():
            view.setItemDelegate(delegate)
            viewport.repaint()  # the first paint with a delegate fills its cache
            for _ in range(repaints):
                if name.endswith("all_new"):  # as if every row had just arrived
                    delegate._drawn.clear()  # type: ignore[attr-defined]
                    if not isinstance(delegate._seen, _Always):  # type: ignore[attr-defined]
                        delegate._seen.clear()  # type: ignore[attr-defined]
                start = time.perf_counter()
                viewport.repaint()
                times[name].append((time.perf_counter() - start) * 1000)
    rows = view.rowAt(viewport.height() - 1) - view.rowAt(0) + 1
    cells = rows * view.model().columnCount()
    window.close()
    ctx.close()
    medians = {name: statistics.median(t) for name, t in times.items()}
    return {"rows_visible": rows, "cells": cells,
            **{f"{name}_median_ms": round(m, 2) for name, m in medians.items()},
            **{f"{name}_p90_ms": round(sorted(t)[int(len(t) * 0.9)], 2)
               for name, t in times.items()},
            "ratio_qt_over_cells": round(medians["qt"] / medians["cells"], 2),
            "ratio_qt_over_cells_all_new": round(medians["qt"] / medians["cells_all_new"], 2),
            "ratio_qt_over_at_once_all_new": round(medians["qt"] / medians["at_once_all_new"],
                                                   2)}


class _Always(dict):  # type: ignore[type-arg]
    """A "seen before" set that holds every text."""

    def __contains__(self, key: object) -> bool:
        return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repaints", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path("/tmp/webhook-studio-bench-ui.sqlite3"))
    args = parser.parse_args()
    from ui import fill  # bench/ui.py

    fill(args.db, args.rows)
    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    print(json.dumps(qasync.run(measure(args.db, args.repaints, args.rounds))))


if __name__ == "__main__":
    main()
