"""The single writer that commits captures in groups.

Requests hand their capture to :meth:`CaptureWriter.submit` and wait; ONE writer thread takes
whatever has queued up (a :class:`queue.SimpleQueue`), inserts it in one transaction on its own
connection (the loop never blocks on disk), commits, and only then resolves the group's waiters
with one ``call_soon_threadsafe`` per group. So a 2xx is only ever sent for a committed
capture, and under load one commit serves many requests (grouped commits are both faster and
safe: docs/architecture.md#how-a-request-flows). A failed commit fails every waiter in the
group, who then answer 503.

The loop thread's share per request is kept to a queue put and a future: a thread pool hop
(``run_in_executor``) per group, a ``call_later`` expiry timer per request and a task waking
the pool cost the loop more than the floor's whole handler (docs/benchmarks.md).

The wait is bounded (``wait_seconds``): a capture still queued when its time is up is dropped
from the queue and its request answered 503 at once, and the writer's own connection waits at
most that long for a lock. One timer, armed for the oldest waiting capture, does that sweep;
a capture the writer thread has already taken is left to finish (a lock decides which side
has it, once per group and once per sweep).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import String, bindparam, func, insert, select, text, update

from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.store import Store, StoreUnavailable
from webhook_studio.store.base import JSONText
from webhook_studio.store.database import describe_db_error
from webhook_studio.store.db_errors import classify
from webhook_studio.store.live import notify
from webhook_studio.store.multirow import ROWS_PER_STATEMENT, insert_rows
from webhook_studio.store.receiver_models import Capture

if TYPE_CHECKING:
    from sqlalchemy import Table

MAX_GROUP = 500

#: Every column a capture row may leave out, so each group is one uniform executemany.
ROW_DEFAULTS: dict[str, Any] = {
    "endpoint_id": None, "query": "", "http_version": "1.1", "headers": [], "body": b"",
    "body_size": 0, "content_type": None, "content_encoding": None, "remote_addr": None,
    "state": CaptureState.CAPTURED, "error": None, "verification": None, "verify_valid": None,
    "duplicate_of": None, "response_status": None, "response_headers": [],
    "response_body": b"", "duration_ms": None, "forwards": [], "source": "receiver",
    "edited_from": None,
}

Result = tuple[int, int | None]
QUEUED, CLAIMED, EXPIRED = 0, 1, 2


@dataclass
class CaptureRecord:
    """Everything stored for one request (fields of :class:`Capture`)."""

    fields: dict[str, Any]
    delivery_id: str | None = None
    result: Result | None = field(default=None)


class _Job:
    """One submitted capture on its way through the writer thread."""

    __slots__ = ("deadline", "future", "record", "state")

    def __init__(self, record: CaptureRecord, future: asyncio.Future[Result],
                 deadline: float) -> None:
        self.record = record
        self.future = future
        self.deadline = deadline
        self.state = QUEUED


class CaptureWriter:
    def __init__(self, store: Store, wait_seconds: float = 3.0) -> None:
        self._store = store
        self.wait_seconds = wait_seconds
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._claim = threading.Lock()  # QUEUED -> CLAIMED (writer) or EXPIRED (sweep)
        self._waiting: deque[_Job] = deque()  # submitted, oldest first (loop thread only)
        self._sweep_at: asyncio.TimerHandle | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._raw: Any = None  # the writer thread's own DBAPI connection (SQLite fast path)
        self._fast = store.engine.dialect.name == "sqlite"
        self._memo: dict[str, tuple[Any, str | None]] = {}  # last JSON per column (writer thread)
        self._checkpoints: _Checkpointer | None = None
        self.groups = 0
        self.written = 0
        self.failed = 0
        self.last_failure: tuple[float, str] | None = None  # (time.monotonic(), sentence)

    def start(self) -> None:
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._jobs = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._serve, args=(self._jobs,),
                                            name="capture-writer", daemon=True)
            self._thread.start()

    async def submit(self, record: CaptureRecord) -> Result:
        """Store one capture; returns ``(id, duplicate_of)`` once committed.

        Raises :class:`StoreUnavailable` when the group could not be committed.
        """
        loop = self._loop
        if loop is None:
            raise StoreUnavailable("The capture writer is not running; the capture was not "
                                   "stored.")
        future: asyncio.Future[Result] = loop.create_future()
        job = _Job(record, future, loop.time() + self.wait_seconds)
        self._jobs.put(job)
        self._waiting.append(job)
        if self._sweep_at is None:
            self._sweep_at = loop.call_at(job.deadline, self._sweep)
        return await future

    def _sweep(self) -> None:
        """Expire what is still queued past its deadline; re-arm for the oldest left."""
        assert self._loop is not None
        self._sweep_at = None
        now = self._loop.time()
        waiting = self._waiting
        expired: list[_Job] = []
        with self._claim:
            while waiting and (waiting[0].state != QUEUED or waiting[0].deadline <= now):
                job = waiting.popleft()
                if job.state == QUEUED:
                    job.state = EXPIRED
                    expired.append(job)
        if expired:
            sentence = (f"The store stayed busy for {self.wait_seconds:g} s (another program "
                        "holds the database, or the disk is slow); the capture was not stored.")
            for job in expired:
                if not job.future.done():
                    self._note_failure(sentence)
                    job.future.set_exception(StoreUnavailable(sentence))
        if waiting:
            self._sweep_at = self._loop.call_at(waiting[0].deadline, self._sweep)

    def _note_failure(self, sentence: str) -> None:
        self.failed += 1
        self.last_failure = (time.monotonic(), sentence)

    # -- the writer thread ----------------------------------------------------------------
    def _serve(self, jobs: queue.SimpleQueue[_Job | None]) -> None:
        """Runs on the writer thread until :meth:`close` queues its ``None``."""
        try:
            stop = False
            while not stop:
                first = jobs.get()
                if first is None:
                    break
                group = [first]
                while len(group) < MAX_GROUP:
                    try:
                        job = jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    group.append(job)
                with self._claim:
                    live = [j for j in group if j.state == QUEUED and not j.future.done()]
                    for job in live:
                        job.state = CLAIMED
                if not live:
                    continue
                try:
                    results = self._write([j.record for j in live])
                except Exception as exc:  # every store failure becomes a 503, not a crash
                    error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(
                        f"The capture could not be stored: {exc}")
                    self._hand_back(self._failed, live, error)
                else:
                    self._hand_back(self._settled, live, results)
        finally:
            self._drop_raw()

    def _hand_back(self, callback: Any, group: list[_Job], outcome: Any) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            self._loop.call_soon_threadsafe(callback, group, outcome)

    # -- back on the loop, once per group ------------------------------------------------
    def _settled(self, group: list[_Job], results: list[Result]) -> None:
        self.groups += 1
        self.written += len(group)
        for job, result in zip(group, results, strict=True):
            if not job.future.done():
                job.future.set_result(result)
        self._trim()

    def _failed(self, group: list[_Job], error: StoreUnavailable) -> None:
        self._note_failure(str(error))
        for job in group:
            if not job.future.done():
                job.future.set_exception(error)
        self._trim()

    def _trim(self) -> None:
        """Forget the settled captures at the head of the waiting line (they are usually
        all of it), so their bodies are not held until the next sweep."""
        waiting = self._waiting
        while waiting and waiting[0].state != QUEUED:
            waiting.popleft()

    def _write(self, records: list[CaptureRecord]) -> list[tuple[int, int | None]]:
        if self._fast:
            return self._write_sqlite(records)
        return self._write_core(records)

    def _write_sqlite(self, records: list[CaptureRecord]) -> list[tuple[int, int | None]]:
        """Runs on the writer thread: the same rows as :meth:`_write_core`, straight through
        sqlite3 on one kept connection. SQLAlchemy's per-row processing held the GIL for most
        of each group and slowed the loop thread serving requests (docs/benchmarks.md);
        sqlite3 releases the GIL while SQLite works.

        A group is as few statements as it can be (each lets go of the GIL and takes it back
        from the loop thread): one duplicate lookup, one multi-row insert per set of fields
        (``store/multirow.py``, sqlite3 keeps it prepared) and the commit. Only the fields a
        capture has are turned into parameters; the columns it leaves out are bound from one
        tuple encoded once. Ids come from the cursor's ``lastrowid``: one writer holds the
        write lock for the whole transaction, so the group's rowids are consecutive."""
        if self._raw is None:
            self._raw = self._store.engine.raw_connection()
            from webhook_studio.store import database

            wait_ms = int(min(database.BUSY_TIMEOUT_MS, self.wait_seconds * 1000))
            self._raw.cursor().execute(f"PRAGMA busy_timeout={max(1, wait_ms)}")
            self._checkpoints = _Checkpointer.start_for(self._store, self._raw)
        conn = self._raw
        try:
            cur = conn.cursor()
            first_seen = _first_seen(cur, {r.delivery_id for r in records if r.delivery_id})
            # Runs of records with the same fields share one statement (usually the group).
            runs: list[tuple[_Shape, list[list[Any]]]] = []
            shape: _Shape | None = None
            dups: list[tuple[int, str]] = []  # (index in group, delivery id) seen in this group
            seen_here: set[str] = set()
            for n, record in enumerate(records):
                fields = record.fields
                keys = tuple(fields)
                if shape is None or shape.keys != keys:
                    shape = _shape(keys)
                    runs.append((shape, []))
                row = [*fields.values()]
                for at, key in shape.json:  # usually headers, verdict, response headers
                    row[at] = self._encode(key, row[at])
                did = record.delivery_id
                earlier = first_seen.get(did) if did else None
                if did and earlier is None:
                    if did in seen_here:
                        dups.append((n, did))
                    seen_here.add(did)
                row.append(did)
                row.append(earlier)
                runs[-1][1].append(row)
            for run_shape, rows in runs:
                insert_rows(cur, run_shape.sql, rows, run_shape.tail, MAX_ROWS_PER_STATEMENT)
            last = int(cur.lastrowid)  # the group's last row: no statement to ask for it
            first_id = last - len(records) + 1
            results = [(first_id + n, first_seen.get(r.delivery_id) if r.delivery_id else None)
                       for n, r in enumerate(records)]
            if dups:  # the same delivery twice in one group: later ones point at the first
                firsts: dict[str, int] = {}
                for n, r in enumerate(records):
                    if r.delivery_id and r.delivery_id not in firsts:
                        firsts[r.delivery_id] = first_id + n
                updates = [(firsts[d], first_id + n) for n, d in dups]
                cur.executemany("UPDATE captures SET duplicate_of = ? WHERE id = ?", updates)
                for (dup_of, _), (n, _) in zip(updates, dups, strict=True):
                    results[n] = (results[n][0], dup_of)
            conn.commit()
            if self._checkpoints is not None:
                self._checkpoints.written(len(records),
                                          sum(r.fields.get("body_size") or 0 for r in records))
            return results
        except BaseException as exc:  # never leave the kept connection inside a transaction
            try:
                conn.rollback()
            except sqlite3.Error:
                self._drop_raw()
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(describe_db_error(exc), classify(exc)) from exc
            raise

    def _encode(self, key: str, value: Any) -> str | None:
        """JSON as :class:`JSONText` stores it; the verdict and other small values that repeat
        from one capture to the next (most are valid, with the same verdict) are encoded once:
        comparing a small dict is far cheaper than encoding it."""
        if key == "headers":
            return _headers_json(value)
        memo = self._memo.get(key)
        if memo is not None and memo[0] == value:
            return memo[1]
        text = _json(value)
        self._memo[key] = (value, text)
        return text

    def _drop_raw(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
            self._checkpoints = None
        if self._raw is not None:
            with contextlib.suppress(sqlite3.Error):
                self._raw.close()
            self._raw = None

    def _write_core(self, records: list[CaptureRecord]) -> list[tuple[int, int | None]]:
        """Any other database: one Core ``executemany`` insert and one commit per group.

        Core instead of ORM objects: building a mapped object per capture cost more than the
        insert itself (see docs/benchmarks.md).
        """
        table = cast("Table", Capture.__table__)
        params = [_fit({**ROW_DEFAULTS, **r.fields, "delivery_id": r.delivery_id})
                  for r in records]
        with self._store.session() as session:
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                # A lock another session holds is waited on no longer than a request waits
                # (SQLite's busy timeout does the same on the fast path).
                wait_ms = max(1, int(self.wait_seconds * 1000))
                session.execute(text(f"SET LOCAL lock_timeout = {wait_ms}"))
            wanted = {r.delivery_id for r in records if r.delivery_id}
            first_seen: dict[str, int] = {}
            if wanted:
                found = session.execute(
                    select(Capture.delivery_id, func.min(Capture.id))
                    .where(Capture.delivery_id.in_(wanted))
                    .group_by(Capture.delivery_id)
                ).all()
                first_seen = {str(d): int(i) for d, i in found}
            ids = [int(i) for i in session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), params
            ).scalars()]
            results: list[tuple[int, int | None]] = []
            updates = []
            for record, row_id in zip(records, ids, strict=True):
                duplicate_of = None
                if record.delivery_id:
                    earlier = first_seen.get(record.delivery_id)
                    if earlier is not None and earlier != row_id:
                        duplicate_of = earlier
                        updates.append({"row_id": row_id, "dup": earlier})
                    else:
                        first_seen[record.delivery_id] = row_id
                results.append((row_id, duplicate_of))
            if updates:
                session.execute(
                    update(table).where(table.c.id == bindparam("row_id"))
                    .values(duplicate_of=bindparam("dup")), updates)
            notify(session, "captures", ids)  # team database: every window hears of them
        return results

    async def close(self) -> None:
        """Write whatever is queued, then stop the writer thread (it closes its connection)."""
        thread = self._thread
        if thread is None:
            return
        self._jobs.put(None)
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        await asyncio.sleep(0)  # the last group's answers were queued before the join's
        self._thread = None
        if self._sweep_at is not None:
            self._sweep_at.cancel()
            self._sweep_at = None


class _Checkpointer:
    """Copies the WAL into the database on its own thread and connection, so no request
    waits for it.

    SQLite checkpoints inside the commit that crosses 1,000 WAL pages: that group's commit
    took 13 ms at p99 and up to 34 ms (the copy and its fsync), and every request in it
    waited. The writer's connection now never checkpoints; after every ``every`` captures,
    or sooner once their bodies add up to ``every_bytes``, this thread runs a PASSIVE
    checkpoint, which never blocks the writer (the WAL starts over once a checkpoint has
    caught up).

    1,024 captures: the table's and indexes' last pages, rewritten by every commit, are
    copied once per checkpoint, so fewer checkpoints copy fewer pages (this thread's CPU per
    capture 5.5-6.1 µs at 256, 3.4-4.1 µs at 1,024: docs/benchmarks.md); the WAL stays near
    SQLite's own 4 MB default. The byte bound keeps a run of big bodies from growing the WAL
    by gigabytes before a checkpoint (a count alone allowed 1,024 x 10 MB)."""

    every = 1024
    every_bytes = 4 * 1024 * 1024

    def __init__(self, path: str) -> None:
        self._path = path
        self._due = threading.Event()
        self._stopping = False
        self._count = 0
        self._bytes = 0
        self._thread = threading.Thread(target=self._run, name="capture-checkpoint",
                                        daemon=True)

    @classmethod
    def start_for(cls, store: Store, raw: Any) -> _Checkpointer | None:
        path = store.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None  # nothing another connection could open: SQLite's own checkpoints
        raw.cursor().execute("PRAGMA wal_autocheckpoint=0")
        checkpointer = cls(path)
        checkpointer._thread.start()
        return checkpointer

    def written(self, count: int, size: int = 0) -> None:
        self._count += count
        self._bytes += size
        if self._count >= self.every or self._bytes >= self.every_bytes:
            self._count = self._bytes = 0
            self._due.set()

    def stop(self) -> None:
        self._stopping = True
        self._due.set()
        self._thread.join(10)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=100")
            while True:
                self._due.wait()
                self._due.clear()
                if self._stopping:
                    return
                with contextlib.suppress(sqlite3.Error):  # busy now: the next one catches up
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            return  # no checkpoints from here: the WAL grows until the store closes
        finally:
            if conn is not None:
                conn.close()


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_ESCAPE = json.encoder.encode_basestring  # the C escaper when available


def _json(value: Any) -> str | None:
    """As :class:`JSONText` stores it (compact, order kept); one kept encoder, and the empty
    lists most rows carry without encoding (this runs holding the GIL the loop needs)."""
    if value is None:
        return None
    if isinstance(value, list) and not value:
        return "[]"
    return _ENCODE(value)


def _headers_json(pairs: Any) -> str | None:
    """Header pairs as :func:`_json` writes them, about 2.5x faster: each name and value
    through the C string escaper, no encoder walking tuples (this runs on the writer thread,
    holding the GIL the loop thread needs, for every capture)."""
    try:
        return "[" + ",".join(["[" + _ESCAPE(k) + "," + _ESCAPE(v) + "]"
                               for k, v in pairs]) + "]"
    except (TypeError, ValueError):  # not pairs of text: the general encoder decides
        return _json(pairs)


@dataclass(frozen=True)
class _Shape:
    """The insert for captures that carry exactly ``keys`` (in that order): those fields, then
    ``delivery_id`` and ``duplicate_of``, then every other column bound from ``tail``."""

    keys: tuple[str, ...]
    json: tuple[tuple[int, str], ...]  # (position in keys, name) of each JSON column
    sql: str
    tail: tuple[Any, ...]


_SHAPES: dict[tuple[str, ...], _Shape] = {}
#: Rows per multi-row INSERT (``store/multirow.py``); with the 7 texts of :func:`_first_seen`
#: they stay inside sqlite3's cache of 128 prepared statements per connection.
MAX_ROWS_PER_STATEMENT = ROWS_PER_STATEMENT
#: Delivery ids looked up per statement; fewer are padded to a power of two (an id repeated),
#: so the lookup is one of 7 statement texts sqlite3 keeps prepared, whatever the group size.
MAX_LOOKUP = 64


def _first_seen(cur: Any, wanted: set[str]) -> dict[str, int]:
    """The first stored capture of each delivery id in ``wanted`` that was stored before."""
    found: dict[str, int] = {}
    ids = sorted(wanted)
    for i in range(0, len(ids), MAX_LOOKUP):
        chunk = ids[i:i + MAX_LOOKUP]
        size = 1
        while size < len(chunk):
            size *= 2
        chunk += chunk[-1:] * (size - len(chunk))
        cur.execute(_LOOKUPS.get(size) or _LOOKUPS.setdefault(size, (
            "SELECT delivery_id, min(id) FROM captures WHERE delivery_id IN "
            f"({','.join('?' * size)}) GROUP BY delivery_id")), chunk)
        found.update({str(d): int(n) for d, n in cur.fetchall()})
    return found


_LOOKUPS: dict[int, str] = {}


def _shape(keys: tuple[str, ...]) -> _Shape:
    found = _SHAPES.get(keys)
    if found is None:
        columns, json_columns = _insert_columns()
        unknown = set(keys) - set(columns) | {"delivery_id", "duplicate_of"} & set(keys)
        if unknown:
            raise ValueError(f"not capture fields: {sorted(unknown)}")
        rest = [c for c in columns if c not in keys and c not in ("delivery_id", "duplicate_of")]
        names = [*keys, "delivery_id", "duplicate_of", *rest]
        sql = (f"INSERT INTO captures ({', '.join(names)}) "
               f"VALUES ({', '.join('?' * len(names))})")
        tail = tuple(_json(ROW_DEFAULTS[c]) if c in json_columns else ROW_DEFAULTS[c]
                     for c in rest)
        json_at = tuple((n, k) for n, k in enumerate(keys) if k in json_columns)
        found = _SHAPES[keys] = _Shape(keys, json_at, sql, tail)
    return found


_COLUMNS: tuple[list[str], frozenset[str]] | None = None
#: ``VARCHAR(n)`` columns of captures: PostgreSQL refuses a longer value where SQLite stores
#: it, and a request must not be refused (503, retried for ever) for a 300-character
#: Content-Type. These columns are derived (the headers keep every byte as received), so a
#: value past the limit is cut to fit.
_LENGTHS = {c.name: int(c.type.length) for c in cast("Table", Capture.__table__).columns
            if isinstance(c.type, String) and c.type.length}


def _fit(row: dict[str, Any]) -> dict[str, Any]:
    for name, length in _LENGTHS.items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > length:
            row[name] = value[:length]
    return row


def _insert_columns() -> tuple[list[str], frozenset[str]]:
    global _COLUMNS
    if _COLUMNS is None:
        table = cast("Table", Capture.__table__)
        names = [c.name for c in table.columns if c.name != "id"]
        json_names = frozenset(c.name for c in table.columns if isinstance(c.type, JSONText))
        _COLUMNS = (names, json_names)
    return _COLUMNS
