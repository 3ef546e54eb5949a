"""HAR export of a live inbox: each capture exactly once, streamed (issue 14, item 12), and
stored rows no calendar can show still export (item 7)."""

from __future__ import annotations

import asyncio
import io
import json
import math
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.relay import batch
from webhook_studio.relay.export import to_har, write_har, write_jsonl
from webhook_studio.store import Store, open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import (
    CaptureFilter,
    CaptureWalk,
    count_captures,
    get_capture,
)


def seed(store: Store, n: int, *, start: float = 1_700_000_000.0) -> list[int]:
    with store.session() as session:
        rows = [Capture(received_at=start + i, method="POST", path=f"/seed/{i}", query="",
                        headers=[["X-N", str(i)]], body=b'{"n":%d}' % i, body_size=8,
                        state="captured", response_status=200) for i in range(n)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def exported_ids(text: str) -> list[int]:
    return [e["_webhookStudio"]["id"] for e in json.loads(text)["log"]["entries"]]


def test_streamed_har_is_the_same_document_as_the_in_memory_one(store: Store) -> None:
    empty = io.StringIO()
    assert write_har(empty, CaptureWalk.of(store), "http://h") == 0
    assert json.loads(empty.getvalue())["log"]["entries"] == []  # nothing is still a HAR file
    ids = seed(store, 5)
    with store.session() as session:
        rows = [get_capture(session, i) for i in ids]
    out = io.StringIO()
    assert write_har(out, CaptureWalk.of(store), "http://h") == 5
    assert json.loads(out.getvalue()) == json.loads(json.dumps(to_har(rows, "http://h")))


def test_newest_n_and_explicit_ids_are_fixed_sets_in_id_order(store: Store) -> None:
    ids = seed(store, 30)
    walk = CaptureWalk.of(store, newest=7)
    seed(store, 5)  # arrive after the walk was made: not part of it
    assert [c.id for c in walk] == ids[-7:]
    assert walk.count() == 7
    picked = CaptureWalk.of(store, ids=[ids[20], ids[2], ids[9], ids[2]])
    assert [c.id for c in picked] == [ids[2], ids[9], ids[20]]
    only_gets = CaptureWalk.of(store, CaptureFilter(method="GET"))
    assert list(only_gets) == [] and only_gets.count() == 0


def test_rows_no_calendar_can_show_still_export(store: Store) -> None:
    """Rows stored by an import before dates and numbers were checked (year 10000, infinite
    duration) render everywhere instead of failing the whole export."""
    with store.session() as session:
        session.add_all([
            Capture(received_at=253402387199.999, method="POST", path="/late", query="",
                    headers=[], body=b"x", body_size=1, state="captured",
                    duration_ms=math.inf),
            Capture(received_at=-math.inf, method="POST", path="/minus-inf", query="", headers=[],
                    body=b"y", body_size=1, state="captured", duration_ms=math.nan)])
    out = io.StringIO()
    assert write_har(out, CaptureWalk.of(store), "http://h") == 2
    entries = json.loads(out.getvalue())["log"]["entries"]
    assert [e["startedDateTime"] for e in entries] == ["1970-01-01T00:00:00.000000Z"] * 2
    assert [e["time"] for e in entries] == [0, 0]
    lines = io.StringIO()
    write_jsonl(lines, CaptureWalk.of(store))
    rows = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [(r["received_at"], r["duration_ms"]) for r in rows] == [(None, None)] * 2


class Poster(threading.Thread):
    """Posts to a running ``listen`` process until stopped: captures arriving meanwhile."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop, self.sent = url, threading.Event(), 0

    def run(self) -> None:
        while not self.stop.is_set():
            request = urllib.request.Request(self.url + f"/live/{self.sent}", data=b"{}",
                                             method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
            self.sent += 1


def drain(process: subprocess.Popen[bytes]) -> None:
    """Read what ``listen`` prints (a line per capture) as a terminal would: an unread pipe
    fills after a few hundred captures and stalls the receiver mid-test."""
    def read_then_close(stream: Any) -> None:
        with stream:
            stream.read()

    for stream in (process.stdout, process.stderr):
        if stream is not None:
            threading.Thread(target=read_then_close, args=(stream,), daemon=True).start()


def wait_for(predicate: Any, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_export_while_a_receiver_ingests_lists_each_capture_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's export (newest-first OFFSET pages before) gave 1,400 entries for 1,200
    captures while captures arrived: between every page here, more captures are committed by a
    real receiver process, and each capture present at the start is exported exactly once."""
    db = tmp_path / "live.sqlite3"
    store = open_store(db)
    seeded = seed(store, 1200)
    listen = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    poster = None
    try:
        assert listen.stdout is not None
        line = listen.stdout.readline().decode()
        drain(listen)
        assert line.startswith("listening on "), line
        poster = Poster(line.split()[-1])
        # Started after the first page, not before the export: a capture committed before
        # the export makes its walk is rightly part of it (and made this test flaky).

        def total() -> int:
            with store.session() as session:
                return count_captures(session)

        growth: list[int] = []

        def between_pages(done: int, of: int) -> None:
            assert poster is not None
            if poster.ident is None:
                poster.start()
            before = total()
            wait_for(lambda: total() >= before + 3)  # more arrived before the next page
            growth.append(total())

        monkeypatch.setattr(batch, "STEP", 100)
        target = tmp_path / "live.har"
        count = asyncio.run(batch.export_har(store, CaptureFilter(), target, "http://h",
                                             between_pages))
    finally:
        if poster is not None and poster.ident is not None:
            poster.stop.set()
            poster.join(30)
        listen.terminate()
        listen.wait(30)
    ids = exported_ids(target.read_text(encoding="utf-8"))
    assert count == len(ids) == 1200
    assert ids == seeded  # each once, oldest first, none that arrived during the export
    assert len(growth) == 12 and growth[-1] > 1200 + 12 * 3 - 1
    assert not list(tmp_path.glob(".live.har.*"))  # the temporary file was renamed into place
    store.dispose()


def test_the_export_command_on_a_live_inbox_lists_each_capture_once(tmp_path: Path) -> None:
    """The real ``captures export`` process while a real ``listen`` process commits captures:
    the file holds every capture present when the export began, each once, oldest first."""
    db = tmp_path / "cli-live.sqlite3"
    store = open_store(db)
    seeded = seed(store, 1200)
    listen = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    poster = None
    target = tmp_path / "cli-live.har"
    try:
        assert listen.stdout is not None
        poster = Poster(listen.stdout.readline().decode().split()[-1])
        drain(listen)
        poster.start()
        wait_for(lambda: poster is not None and poster.sent >= 5)
        export = subprocess.run(
            [sys.executable, "-m", "webhook_studio", "captures", "export", "--format", "har",
             "--limit", "100000", "--out", str(target), "--db", str(db)],
            capture_output=True, text=True, timeout=60)
        sent_after = poster.sent
    finally:
        if poster is not None and poster.ident is not None:
            poster.stop.set()
            poster.join(30)
        listen.terminate()
        listen.wait(30)
    assert export.returncode == 0, export.stderr
    ids = exported_ids(target.read_text(encoding="utf-8"))
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert ids[:1200] == seeded and len(ids) >= 1205
    assert export.stdout.strip() == f"exported {len(ids)} capture(s) to {target}"
    with store.session() as session:
        assert count_captures(session) >= len(ids) and sent_after > len(ids) - 1200
    store.dispose()
