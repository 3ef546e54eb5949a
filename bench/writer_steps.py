"""Where the capture writer's CPU goes, one step at a time (docs/benchmarks.md, "Receiver,
third pass: the writer thread").

    .venv/bin/python bench/writer_steps.py [--groups 300] [--group 32] [--prefill 20000]
                                           [--repeat 3] [--only NAME ...] [--baseline FILE]

Each step is the receiver's own ``CaptureWriter._write`` on the real schema (a real SQLite file
with ``--prefill`` captures already in it), with ONE thing taken away or changed: an index
dropped, the duplicate lookup skipped, the JSON already encoded, another multi-row size, page
cache, mmap or checkpoint cadence. The rows are what ``listen --scheme github`` stores for a
signed GitHub POST (19 fields, a valid verdict, a delivery id), in groups of the sizes the
receiver's writer took under ``wrk -c32`` (measured: half of them 32, the rest 1-31).

Per step, medians of ``--repeat``, µs of CPU per capture (``time.thread_time``):

* ``writer CPU``: the writer thread's, all of it;
* ``in SQLite``: the part inside sqlite3's ``execute``/``fetch``/``commit``, where SQLite works
  with the GIL released (binding the parameters, also in there, holds it);
* ``GIL held``: the rest, the writer's Python work, which the receiver's loop thread waits
  for (a lower bound: the binding is counted in SQLite's share);
* ``checkpointer``: the process's other threads meanwhile (the WAL checkpoint thread).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from webhook_studio.core.message import IncomingRequest, SignInput  # noqa: E402
from webhook_studio.core.schemes import get_scheme  # noqa: E402
from webhook_studio.core.vocabulary import CaptureState  # noqa: E402
from webhook_studio.receiver import writer as writer_module  # noqa: E402
from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter  # noqa: E402
from webhook_studio.store import multirow, open_store  # noqa: E402
from webhook_studio.store.receiver_queries import create_endpoint  # noqa: E402

SECRET = "bench-secret"
BODY = (b'{"type":"invoice.paid","data":{"id":"in_xxxxxxxxxxxxxxxxxxxxxxxx","lines":['
        + b",".join([b'"item"'] * 60) + b"]}}")


def _verdict() -> dict[str, Any]:
    scheme = get_scheme("github")
    signed = scheme.sign(SECRET, SignInput(BODY))
    request = IncomingRequest(method="POST", url="http://127.0.0.1/hooks/bench",
                              headers=tuple(signed.items()), body=BODY)
    return scheme.verify(request, [SECRET], now=time.time()).to_dict()


VERDICT = _verdict()


def record(i: int) -> CaptureRecord:
    """What server.py builds for a signed GitHub POST from wrk (fresh lists and dicts, as a
    request would bring)."""
    headers = [("Host", "127.0.0.1:8000"), ("Content-Type", "application/json"),
               ("X-Hub-Signature-256", "sha256=" + "0" * 64),
               ("Content-Length", str(len(BODY))),
               ("X-GitHub-Delivery", f"00000000-0000-0000-0000-{i:012d}")]
    fields = {"endpoint_id": 1, "received_at": time.time(), "method": "POST",
              "path": "/hooks/bench", "query": "", "http_version": "1.1", "headers": headers,
              "content_type": "application/json", "content_encoding": None,
              "remote_addr": "127.0.0.1", "body": BODY, "body_size": len(BODY),
              "state": CaptureState.CAPTURED, "verification": dict(VERDICT),
              "verify_valid": True, "response_status": 200,
              "response_headers": [["Content-Type", "application/json"]],
              "response_body": b'{"received": true}', "duration_ms": 0.41}
    return CaptureRecord(fields, f"x-github-delivery:00000000-0000-0000-0000-{i:012d}")


# -- steps: each a context manager around one timing (given the open store's path) -----------
Step = Callable[[Path], contextlib.AbstractContextManager[None]]


def _sql(path: Path, *statements: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    for s in statements:
        conn.execute(s)
    conn.commit()
    conn.close()


@contextlib.contextmanager
def nothing(_path: Path) -> Iterator[None]:
    yield


def drop(*indexes: str) -> Step:
    @contextlib.contextmanager
    def step(path: Path) -> Iterator[None]:
        _sql(path, *(f"DROP INDEX IF EXISTS {ix}" for ix in indexes))
        yield
    return step


def patched(obj: Any, name: str, value: Any) -> Step:
    @contextlib.contextmanager
    def step(_path: Path) -> Iterator[None]:
        old = getattr(obj, name)
        setattr(obj, name, value)
        writer_module._SHAPES.clear()
        multirow._TEXTS.clear()
        try:
            yield
        finally:
            setattr(obj, name, old)
            writer_module._SHAPES.clear()
            multirow._TEXTS.clear()
    return step


def pragma(statement: str) -> Callable[[CaptureWriter], None]:
    def apply(writer: CaptureWriter) -> None:
        writer._raw.cursor().execute(statement)
    return apply


def _baseline(path: Path) -> Step:
    """The writer of ``path`` (another version of receiver/writer.py) on the indexes schema 4
    had: what this branch started from."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_writer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_writer"] = module
    spec.loader.exec_module(module)

    @contextlib.contextmanager
    def step(db: Path) -> Iterator[None]:
        _sql(db, "CREATE INDEX IF NOT EXISTS ix_captures_endpoint_id ON captures (endpoint_id)",
             "CREATE INDEX IF NOT EXISTS ix_captures_valid_received ON captures "
             "(verify_valid, received_at)",
             "DROP INDEX ix_captures_delivery_id",  # whole, not partial
             "CREATE INDEX ix_captures_delivery_id ON captures (delivery_id)")
        kept = CaptureWriter._write_sqlite
        CaptureWriter._write_sqlite = module.CaptureWriter._write_sqlite  # type: ignore[method-assign]
        try:
            yield
        finally:
            CaptureWriter._write_sqlite = kept  # type: ignore[method-assign]
    return step


ALL_INDEXES = ("ix_captures_endpoint_id", "ix_captures_received_at", "ix_captures_method",
               "ix_captures_delivery_id", "ix_captures_endpoint_received",
               "ix_captures_valid_received", "ix_captures_verdict_id")
_HEADERS_TEXT = writer_module._headers_json(record(0).fields["headers"])

#: name -> (step around the timing, change to the records, change to the open connection)
STEPS: dict[str, tuple[Step, Callable[[CaptureRecord], CaptureRecord] | None,
                       Callable[[CaptureWriter], None] | None]] = {
    "as is": (nothing, None, None),
    "no duplicate lookup (no delivery id)": (
        nothing, lambda r: CaptureRecord(r.fields, None), None),
    **{f"drop {ix.removeprefix('ix_captures_')}": (drop(ix), None, None)
       for ix in ALL_INDEXES},
    "drop endpoint_id + valid_received": (
        drop("ix_captures_endpoint_id", "ix_captures_valid_received"), None, None),
    "drop all 7 indexes, no duplicate lookup": (
        drop(*ALL_INDEXES), lambda r: CaptureRecord(r.fields, None), None),
    "headers JSON already encoded": (
        patched(writer_module, "_headers_json", lambda _pairs: _HEADERS_TEXT), None, None),
    "one INSERT per row (executemany size 1)": (
        patched(writer_module, "MAX_ROWS_PER_STATEMENT", 1), None, None),
    "multi-row 16": (patched(writer_module, "MAX_ROWS_PER_STATEMENT", 16), None, None),
    "multi-row 256 (one statement per group)": (
        patched(writer_module, "MAX_ROWS_PER_STATEMENT", 256), None, None),
    "cache_size 64 MB": (nothing, None, pragma("PRAGMA cache_size=-65536")),
    "mmap 256 MB": (nothing, None, pragma("PRAGMA mmap_size=268435456")),
    "checkpoint every 1024": (patched(writer_module._Checkpointer, "every", 1024), None, None),
    "checkpoint every 64": (patched(writer_module._Checkpointer, "every", 64), None, None),
}


class _Timed:
    """The writer's DBAPI connection, counting the thread CPU spent inside sqlite3's
    ``execute``/``fetchall``/``commit`` (SQLite works there with the GIL released; binding the
    parameters, also in there, holds it)."""

    def __init__(self, raw: Any, spent: list[float]) -> None:
        self._raw, self._spent = raw, spent

    def cursor(self) -> _TimedCursor:
        return _TimedCursor(self._raw.cursor(), self._spent)

    def commit(self) -> None:
        t = time.thread_time()
        self._raw.commit()
        self._spent[0] += time.thread_time() - t

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _TimedCursor:
    def __init__(self, cur: Any, spent: list[float]) -> None:
        self._cur, self._spent = cur, spent

    def execute(self, *args: Any) -> _TimedCursor:
        t = time.thread_time()
        self._cur.execute(*args)
        self._spent[0] += time.thread_time() - t
        return self

    def executemany(self, *args: Any) -> _TimedCursor:
        t = time.thread_time()
        self._cur.executemany(*args)
        self._spent[0] += time.thread_time() - t
        return self

    def fetchall(self) -> list[Any]:
        t = time.thread_time()
        rows = self._cur.fetchall()
        self._spent[0] += time.thread_time() - t
        return list(rows)

    def fetchone(self) -> Any:
        t = time.thread_time()
        row = self._cur.fetchone()
        self._spent[0] += time.thread_time() - t
        return row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def timed(template: Path, tmp: Path, name: str, groups: int, group: int) -> tuple[float, ...]:
    """``(writer CPU, of which inside SQLite calls, other threads' CPU)`` per capture, µs."""
    around, change, on_open = STEPS[name]
    path = tmp / "step.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copy(template, path)
    with around(path):
        store = open_store(path)
        writer = CaptureWriter(store)
        base = 10_000_000
        warm = [record(base - 1)]
        writer._write([change(r) for r in warm] if change else warm)
        if on_open is not None:
            on_open(writer)
        spent = [0.0]
        kept = writer._raw
        writer._raw = _Timed(kept, spent)
        rng = random.Random(7)
        sizes = [group if rng.random() < 0.5 else rng.randint(1, group - 1)
                 for _ in range(groups)]
        starts = [base + sum(sizes[:g]) for g in range(groups)]
        batches = [[record(first + i) for i in range(size)]
                   for first, size in zip(starts, sizes, strict=True)]
        if change is not None:
            batches = [[change(r) for r in b] for b in batches]
        out: dict[str, float] = {}

        def work() -> None:
            proc0, cpu0 = time.process_time(), time.thread_time()
            for batch in batches:
                writer._write(batch)
            out["cpu"] = time.thread_time() - cpu0
            out["proc"] = time.process_time() - proc0

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        writer._raw = kept
        writer._drop_raw()
        store.dispose()
    n = sum(sizes) * 1e-6
    return out["cpu"] / n, spent[0] / n, (out["proc"] - out["cpu"]) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--group", type=int, default=32)
    parser.add_argument("--prefill", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="step names to run")
    parser.add_argument("--baseline", type=Path, default=None, metavar="WRITER_PY",
                        help="another version of receiver/writer.py (e.g. `git show "
                             "main:webhook_studio/receiver/writer.py`), timed as the step "
                             "'baseline' on the schema-4 indexes")
    args = parser.parse_args()
    if args.baseline is not None:
        STEPS["baseline"] = (_baseline(args.baseline), None, None)
    names = [n for n in STEPS if args.only is None or n in args.only or n == "as is"]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        template = tmp / "template.sqlite3"
        store = open_store(template)
        create_endpoint(store, path="/hooks/bench", scheme="github", secrets=[SECRET])
        filler = CaptureWriter(store)
        for first in range(0, args.prefill, 2000):
            filler._write([record(first + i) for i in range(min(2000, args.prefill - first))])
        filler._drop_raw()
        store.dispose()
        print(f"{args.prefill} captures stored first; {args.groups} groups of up to "
              f"{args.group} (half full); "
              f"median of {args.repeat}; µs per capture", flush=True)
        print(f"{'step':44} {'writer CPU':>10} {'in SQLite':>9} {'GIL held':>9} "
              f"{'checkpointer':>12}", flush=True)
        found: dict[str, list[tuple[float, ...]]] = {n: [] for n in names}
        for _ in range(args.repeat):  # steps interleaved: the machine's load drifts
            for name in names:
                found[name].append(timed(template, tmp, name, args.groups, args.group))
        for name, runs in found.items():
            cpu, sql, other = (statistics.median(r[i] for r in runs) for i in range(3))
            held = statistics.median(r[0] - r[1] for r in runs)
            print(f"{name:44} {cpu:10.1f} {sql:9.1f} {held:9.1f} {other:12.1f}", flush=True)


if __name__ == "__main__":
    main()
