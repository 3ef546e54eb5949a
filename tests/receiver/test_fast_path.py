"""The receiver's per-request fast paths (issue #20) keep every behaviour: the delivery-id scan
gives what the dict-of-every-header lookup gave, multi-row inserts store each row exactly with
consecutive ids, the writer thread groups concurrent captures and survives a restart, and a
whole body that arrived with its headers is still held to the size limit."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import aiohttp
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.receiver.conftest import StartReceiver
from webhook_studio.receiver import EndpointConfig
from webhook_studio.receiver.duplicates import _LOWER, delivery_id
from webhook_studio.receiver.writer import (
    MAX_ROWS_PER_STATEMENT,
    CaptureRecord,
    CaptureWriter,
    _headers_json,
)
from webhook_studio.store import Store, open_store
from webhook_studio.store.receiver_queries import get_capture, list_captures


def reference_delivery_id(headers: list[tuple[str, str]], preferred: str | None) -> str | None:
    """The lookup as it was before the one-pass scan."""
    found = {k.lower(): v for k, v in reversed(headers)}
    names = _LOWER if preferred is None else (preferred.lower(), *_LOWER)
    for name in names:
        value = found.get(name)
        if value and value.strip():
            return f"{name}:{value.strip()}"[:200]
    return None


_NAMES = st.sampled_from(["webhook-id", "Webhook-Id", "svix-id", "X-GitHub-Delivery",
                          "x-github-delivery", "Idempotency-Key", "X-Custom-Id", "Host",
                          "Content-Type", "X-Shopify-Webhook-Id"])
_VALUES = st.sampled_from(["", " ", "abc", " msg_1 ", "x" * 250, "d-2"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=8),
       st.sampled_from([None, "X-Custom-Id", "svix-id", "x-shopify-webhook-id"]))
def test_delivery_id_matches_the_reference_lookup(headers: list[tuple[str, str]],
                                                  preferred: str | None) -> None:
    assert delivery_id(headers, preferred) == reference_delivery_id(headers, preferred)


def _record(n: int, **extra: object) -> CaptureRecord:
    body = f"body-{n}".encode() * (n % 7)
    fields = {"received_at": time.time(), "method": "POST", "path": f"/hooks/{n}",
              "headers": [("X-GitHub-Delivery", f"d-{n % 50}"), ("X-N", str(n))],
              "body": body, "body_size": len(body), "verify_valid": n % 3 == 0, **extra}
    return CaptureRecord(fields, f"x-github-delivery:d-{n % 50}")


def test_groups_of_every_size_store_each_row_exactly(tmp_path: Path) -> None:
    """Sizes that need one statement, several of different lengths, and two field sets in
    one group: every row lands with its own body and headers, ids consecutive, repeats
    flagged as duplicates of the first."""
    store = open_store(tmp_path / "m.sqlite3")
    writer = CaptureWriter(store)
    sizes = [1, 2, MAX_ROWS_PER_STATEMENT - 1, MAX_ROWS_PER_STATEMENT + 37, 500]
    results: list[tuple[int, int | None]] = []
    n = 0
    try:
        for size in sizes:
            group = []
            for _ in range(size):
                extra = {"error": "mixed shape"} if n % 11 == 0 else {}
                group.append(_record(n, **extra))
                n += 1
            results += writer._write(group)
    finally:
        writer._drop_raw()
        store.dispose()
    ids = [r[0] for r in results]
    assert ids == list(range(ids[0], ids[0] + n))
    first_of: dict[int, int] = {}
    for i, (row_id, dup) in enumerate(results):
        assert dup == first_of.get(i % 50)
        first_of.setdefault(i % 50, row_id)
    conn = sqlite3.connect(tmp_path / "m.sqlite3")
    rows = conn.execute("SELECT id, path, body, headers, error, verify_valid FROM captures "
                        "ORDER BY id").fetchall()
    conn.close()
    assert len(rows) == n
    for i, (row_id, path, body, headers, error, valid) in enumerate(rows):
        assert (row_id, path) == (ids[i], f"/hooks/{i}")
        assert body == f"body-{i}".encode() * (i % 7)
        assert headers == f'[["X-GitHub-Delivery","d-{i % 50}"],["X-N","{i}"]]'
        assert error == ("mixed shape" if i % 11 == 0 else None)
        assert valid == (i % 3 == 0)


def test_a_group_is_one_insert_and_one_lookup_whatever_its_size(tmp_path: Path) -> None:
    """Each statement lets go of the GIL and takes it back from the loop thread serving
    requests: a group of up to 64 captures is ONE insert (a group of 27 was four: 16 + 8 + 2
    + 1) and one duplicate lookup, and the ids need no statement of their own. The lookup is
    padded to a power of two, so its texts stay few enough for sqlite3 to keep prepared."""
    store = open_store(tmp_path / "s.sqlite3")
    writer = CaptureWriter(store)
    traced: list[str] = []
    try:
        writer._write([_record(0)])
        writer._raw.driver_connection.set_trace_callback(traced.append)
        results = []
        for size in (27, 5, 64, 13):
            traced.clear()
            group = [_record(100 + n) for n in range(size)]
            results.append(writer._write(group))
            words = [t.split(None, 1)[0].upper() for t in traced]
            assert words.count("INSERT") == 1, traced
            assert words.count("SELECT") == 1, traced
            assert not any("last_insert_rowid" in t for t in traced), traced
            lookup = next(t for t in traced if t.upper().startswith("SELECT"))
            listed = lookup.split(" IN (", 1)[1].split(")", 1)[0].split(",")
            assert len(listed) == {27: 32, 5: 8, 64: 64, 13: 16}[size], lookup
    finally:
        writer._drop_raw()
        store.dispose()
    ids = [row_id for group in results for row_id, _ in group]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_more_delivery_ids_than_one_lookup_holds_all_find_their_first(tmp_path: Path) -> None:
    """150 distinct delivery ids in one group (three lookups, the last one padded), some of
    them stored by an earlier group and some repeated within the group: each repeat points
    at the first capture of its delivery, in the answer and in the row."""
    store = open_store(tmp_path / "d.sqlite3")
    writer = CaptureWriter(store)

    def rec(key: str) -> CaptureRecord:
        return CaptureRecord({"received_at": time.time(), "method": "POST", "path": "/d",
                              "headers": [], "body": b"", "body_size": 0},
                             f"webhook-id:{key}")

    try:
        earlier = writer._write([rec(f"e{n}") for n in range(0, 150, 7)])
        first_of = {f"e{n}": row_id for n, (row_id, _) in zip(range(0, 150, 7), earlier,
                                                               strict=True)}
        keys = [f"e{n}" for n in range(150)] + ["e3", "e14", "e149"]
        results = writer._write([rec(k) for k in keys])
    finally:
        writer._drop_raw()
        store.dispose()
    expected: list[int | None] = []
    for key, (row_id, _) in zip(keys, results, strict=True):
        expected.append(first_of.get(key))
        first_of.setdefault(key, row_id)
    assert [dup for _, dup in results] == expected
    conn = sqlite3.connect(tmp_path / "d.sqlite3")
    stored = dict(conn.execute("SELECT id, duplicate_of FROM captures").fetchall())
    conn.close()
    assert [stored[row_id] for row_id, _ in results] == expected
    assert expected[-3:] == [results[3][0], first_of["e14"], results[149][0]]


async def test_concurrent_requests_are_grouped_and_each_answer_names_its_own_capture(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver()
    bodies = [f"request {i}".encode() * (i + 1) for i in range(120)]
    async with aiohttp.ClientSession() as session:

        async def one(body: bytes) -> int:
            async with session.post(f"{receiver.url}/g", data=body) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"] == "application/json"
                reply = await resp.json()
                assert reply["received"] is True
                return int(reply["capture"])

        ids = await asyncio.gather(*(one(b) for b in bodies))
    assert len(set(ids)) == len(bodies)
    assert receiver.writer.written == len(bodies)
    assert receiver.writer.groups < len(bodies)  # one commit served several requests
    with store.session() as db:
        for capture_id, body in zip(ids, bodies, strict=True):
            assert get_capture(db, capture_id).body == body


async def test_the_writer_starts_again_after_a_stop(start_receiver: StartReceiver,
                                                    store: Store) -> None:
    receiver = await start_receiver()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{receiver.url}/a", data=b"one") as resp:
            assert resp.status == 200
        await receiver.stop()
        await receiver.start()
        async with session.post(f"{receiver.url}/a", data=b"two") as resp:
            assert resp.status == 200
    with store.session() as db:
        assert sorted(c.body for c in list_captures(db)) == [b"one", b"two"]


async def test_a_chunked_body_that_arrived_whole_is_still_held_to_the_limit(
        start_receiver: StartReceiver, store: Store) -> None:
    """The whole chunked body is in the first packet, so it is taken without waiting: over
    the limit it is still refused 413 and stored as rejected, without the body."""
    receiver = await start_receiver(EndpointConfig(max_body_bytes=100))
    assert receiver.url is not None
    host, port = receiver.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    chunk = b"y" * 150
    writer.write(b"POST /whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n")
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 413")
    with store.session() as db:
        capture, = list_captures(db)
    assert capture.state == "rejected" and capture.response_status == 413
    assert capture.error is not None and capture.error.startswith("Chunked body exceeded")


_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT), max_size=6))
def test_headers_are_stored_as_the_json_encoder_writes_them(pairs: list[tuple[str, str]]) -> None:
    """Quotes, backslashes, control characters and non-ASCII text included."""
    expected = json.dumps(pairs, separators=(",", ":"), ensure_ascii=False)
    assert _headers_json(pairs) == expected
    assert _headers_json([list(p) for p in pairs]) == expected


def test_the_wal_is_copied_into_the_database_off_the_writer(tmp_path: Path) -> None:
    """The writer's own connection never checkpoints (a request would wait for it); the
    checkpoint thread does, so the database file itself grows as captures are written
    (without any checkpoint every page would stay in the WAL)."""
    path = tmp_path / "c.sqlite3"
    store = open_store(path)
    writer = CaptureWriter(store)
    initial = path.stat().st_size
    try:
        for g in range(30):
            writer._write([_record(g * 100 + i, body=b"z" * 2000) for i in range(100)])
        conn = writer._raw
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        deadline = time.monotonic() + 20
        while path.stat().st_size < initial + 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        grown = path.stat().st_size - initial  # before closing, which checkpoints anyway
    finally:
        writer._drop_raw()
        store.dispose()
    assert grown >= 2_000_000


def test_big_bodies_are_checkpointed_before_the_capture_count_is_reached(
        tmp_path: Path) -> None:
    """Checkpoints come every 1,024 captures, or sooner when their bodies add up to 4 MB: a
    few big uploads do not leave the WAL growing by their whole size."""
    path = tmp_path / "b.sqlite3"
    store = open_store(path)
    writer = CaptureWriter(store)
    initial = path.stat().st_size
    big = b"q" * 1_000_000
    try:
        for n in range(6):  # 6 MB in 6 captures, far below 1,024 of them
            writer._write([_record(n, body=big, body_size=len(big))])
        deadline = time.monotonic() + 20
        while path.stat().st_size < initial + 4_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        grown = path.stat().st_size - initial  # before closing, which checkpoints anyway
    finally:
        writer._drop_raw()
        store.dispose()
    assert grown >= 4_000_000
