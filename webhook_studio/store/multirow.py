"""Multi-row ``INSERT ... VALUES (...), (...)`` for the SQLite fast paths.

``executemany`` steps SQLite once per row and lets go of the GIL each time; the loop thread
beside the writer then waits for it back once per row (docs/benchmarks.md, "Receiver, second
pass"). One statement of up to ``per_statement`` rows does that once. The capture writer and
the sender's attempt recorder both write this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Rows per statement: 64 x ~25 columns stays far below SQLite's 32,766 variables, and the 64
#: texts of one insert stay inside sqlite3's cache of 128 prepared statements per connection.
ROWS_PER_STATEMENT = 64
_TEXTS: dict[tuple[str, int], str] = {}


def insert_rows(cur: Any, sql: str, rows: Sequence[Sequence[Any]], tail: Sequence[Any] = (),
                per_statement: int = ROWS_PER_STATEMENT) -> None:
    """Insert ``rows`` (each followed by ``tail``) with the one-row ``sql`` repeated per row:
    groups of ``per_statement``, the last one of exactly what is left (sqlite3 keeps each
    size's text prepared)."""
    done, total = 0, len(rows)
    while done < total:
        size = min(per_statement, total - done)
        text = _TEXTS.get((sql, size))
        if text is None:
            head, _, values = sql.partition(" VALUES ")
            text = _TEXTS[(sql, size)] = f"{head} VALUES {', '.join([values] * size)}"
        params: list[Any] = []
        for row in rows[done:done + size]:
            params += row
            params += tail
        cur.execute(text, params)
        done += size
