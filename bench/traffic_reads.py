"""One read of the Inbox traffic strip: the whole hour (a full read) against the minutes a
read while captures arrive asks for (docs/benchmarks.md, "Loop lag while the traffic strip
follows ingest").

    .venv/bin/python bench/traffic_reads.py [--rows 120000] [--repeat 15]

A fresh SQLite store with ``--rows`` captures spread evenly over the last hour (the receiver's
row shape, bench/ui.py's insert), then ``--repeat`` rounds, each timing
``stats.capture_traffic`` for the whole hour and for ``since`` the minute before the current
one (what :class:`~webhook_studio.ui.controllers.traffic_minutes.TrafficMinutes` asks for
between its full reads), alternating, on the same warm store. Prints the medians and their
ratio; both reads must agree on the minutes they share.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def fill_hour(db: Path, rows: int, now: float) -> None:
    import sqlite3

    from _captures_fill import insert_rows  # bench/ is the script's folder

    from webhook_studio.store import open_store

    open_store(db).dispose()
    body = json.dumps({"type": "invoice.paid", "data": {"amount": 1999}}).encode()
    headers = json.dumps([["Content-Type", "application/json"], ["webhook-id", "msg_x"]])
    verification = json.dumps({"valid": True, "scheme": "standard-webhooks",
                               "reason": "valid", "message": "Signature is valid."})
    step = 3600.0 / rows
    conn = sqlite3.connect(db)
    insert_rows(conn, ((now - 3600 + (i + 0.5) * step, "POST", f"/hooks/orders/{i % 97}", "",
                        "1.1", headers, body, len(body), "captured", verification,
                        (True, False, None)[i % 7 % 3], 200, "[]", b"", "[]", "receiver")
                       for i in range(rows)))
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    from webhook_studio.store import open_store
    from webhook_studio.store.stats import capture_traffic

    now = time.time()
    since = (now // 60 - 1) * 60
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "traffic.sqlite3"
        fill_hour(db, args.rows, now)
        store = open_store(db)
        full_ms: list[float] = []
        part_ms: list[float] = []
        capture_traffic(store, until=now)  # warm the page cache for both
        for _ in range(args.repeat):
            started = time.perf_counter()
            full = capture_traffic(store, until=now)
            full_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            part = capture_traffic(store, until=now, since=since)
            part_ms.append((time.perf_counter() - started) * 1000)
            assert part == full[-len(part):]
        store.dispose()
    full_median, part_median = statistics.median(full_ms), statistics.median(part_ms)
    print(json.dumps({
        "rows_in_hour": args.rows, "minutes_incremental": len(part),
        "rows_incremental": sum(b.total for b in part), "full_ms": round(full_median, 2),
        "incremental_ms": round(part_median, 2),
        "full_over_incremental": round(full_median / part_median, 1),
        "load_1min": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
