"""Filter time over 1,000,000 captures for three representative filters (docs/benchmarks.md).

    .venv/bin/python bench/filters.py [--rows 1000000] [--repeat 3]

What the Inbox does when a filter is typed: one ``count(*)`` of the matching rows and the
first page (200 newest), both through ``store/filters.py`` on a real SQLite file. The rows are
varied the way traffic is (five providers' headers, methods, statuses, verdicts, bodies), so
each filter matches a realistic share. Filled once with big batches and reused.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any, cast

from _captures_fill import insert_rows  # bench/ is the script's folder
from sqlalchemy import select

from webhook_studio.core.filter_syntax import FilterKind
from webhook_studio.store import open_store
from webhook_studio.store.filters import SyntaxFilter
from webhook_studio.store.receiver_models import Capture

FILTERS = (
    ("indexed key", "verdict:invalid"),
    ("three keys, one indexed", "method:POST status:>=400 path:/hooks/github*"),
    ("header and body text", 'header:x-github-event=push "refs/heads/main"'),
)
EVENTS = ("push", "issues", "pull_request", "ping")


def fill(db: Path, rows: int) -> None:
    store = open_store(db)
    store.dispose()
    conn = sqlite3.connect(db)
    have = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    start = time.time() - rows
    insert_rows(conn, (_row(i, start) for i in range(have, rows)))
    conn.close()


def _row(i: int, start: float) -> tuple[object, ...]:
    """The i-th capture: five providers' headers, methods, statuses and verdicts in turn."""
    event = EVENTS[i % 4]
    provider = ("github", "stripe", "shopify", "slack", "orders")[i % 5]
    headers = json.dumps([["Host", "127.0.0.1:8000"], ["Content-Type", "application/json"],
                          ["X-GitHub-Event" if provider == "github" else "X-Event", event],
                          ["X-Request-Id", f"req_{i:08d}"]], separators=(",", ":"))
    ref = "main" if i % 3 else "feature/x"
    body = json.dumps({"ref": f"refs/heads/{ref}", "n": i,
                       "pusher": {"name": "octocat"}}).encode()
    valid = None if i % 11 == 0 else i % 9 != 0
    return (start + i, "POST" if i % 13 else "PUT", f"/hooks/{provider}", "", "1.1",
            headers, body, len(body), "captured", "{}", valid,
            (200, 200, 200, 401, 500, 200, 404)[i % 7], "[]", b"", "[]", "receiver")


def measure(db: Path, repeat: int) -> list[dict[str, object]]:
    from sqlalchemy import func

    store = open_store(db)
    results = []
    try:
        for label, text in FILTERS:
            flt = SyntaxFilter.parse(text, FilterKind.CAPTURES)
            counts, pages, matched = [], [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                with store.session() as session:
                    matched = int(session.scalar(flt.apply(select(func.count(Capture.id)))) or 0)
                t1 = time.perf_counter()
                with store.session() as session:
                    page = list(session.execute(
                        flt.apply(cast(Any, select(Capture.id, Capture.method, Capture.path)))
                        .order_by(Capture.id.desc()).limit(200)))
                t2 = time.perf_counter()
                counts.append(t1 - t0)
                pages.append(t2 - t1)
                assert len(page) == min(200, matched)
            results.append({"filter": text, "kind": label, "matched": matched,
                            "count_s": statistics.median(counts),
                            "first_page_s": statistics.median(pages)})
    finally:
        store.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path,
                        default=Path("/tmp/webhook-studio-bench-filters.sqlite3"))
    args = parser.parse_args()
    t0 = time.perf_counter()
    fill(args.db, args.rows)
    print(f"store ready ({args.rows:,} captures) in {time.perf_counter() - t0:.1f} s")
    for r in measure(args.db, args.repeat):
        print(f"{r['filter']:<48} {r['matched']:>9,} rows  count {r['count_s']:.3f} s  "
              f"first page {r['first_page_s']:.3f} s")


if __name__ == "__main__":
    main()
