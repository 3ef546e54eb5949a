"""The durable floor: the least a server can do and still keep the receiver's promise.

    python bench/_floor_server.py DB_PATH SECRET [PORT]

An aiohttp handler (the same low-level ``web.Server`` as the receiver and the bare server) that
reads the body, checks a GitHub HMAC (``X-Hub-Signature-256``), hands the row to ONE writer
thread that commits whatever has queued as one group to SQLite (WAL, synchronous=NORMAL), and
answers only after that commit. Its own small table; no routing, verdict, events or
duplicates. The receiver is measured against this in the same run (issue #20): the ratio is
what the receiver's features cost over a design that acknowledges only committed captures.
"""

import asyncio
import hashlib
import hmac
import json
import queue
import sqlite3
import sys
import threading
import time

from aiohttp import web

MAX_GROUP = 500


class Writer(threading.Thread):
    """One thread, one connection, one transaction per group of queued rows."""

    def __init__(self, path: str, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(daemon=True, name="floor-writer")
        self.rows: queue.SimpleQueue[tuple[tuple[float, str, bytes], asyncio.Future[None]]]
        self.rows = queue.SimpleQueue()
        self.path = path
        self.loop = loop

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, "
                     "received_at REAL, headers TEXT, body BLOB)")
        while True:
            group = [self.rows.get()]
            while len(group) < MAX_GROUP:
                try:
                    group.append(self.rows.get_nowait())
                except queue.Empty:
                    break
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO floor (received_at, headers, body) VALUES (?, ?, ?)",
                             [row for row, _ in group])
            conn.execute("COMMIT")
            self.loop.call_soon_threadsafe(_resolve, [f for _, f in group])


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


async def main(path: str, secret: bytes, port: int = 0) -> None:
    loop = asyncio.get_running_loop()
    writer = Writer(path, loop)
    writer.start()

    async def handler(request: web.BaseRequest) -> web.Response:
        body = await request.read()
        given = request.headers.get("X-Hub-Signature-256", "")
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401, body=b'{"received": false}')
        headers = json.dumps(list(request.raw_headers and
                                  [[k.decode("latin-1"), v.decode("latin-1")]
                                   for k, v in request.raw_headers]), separators=(",", ":"))
        future: asyncio.Future[None] = loop.create_future()
        writer.rows.put(((time.time(), headers, body), future))
        await future
        return web.Response(body=b'{"received": true}')

    runner = web.ServerRunner(web.Server(handler, access_log=None), handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2].encode(),
                         int(sys.argv[3]) if len(sys.argv) > 3 else 0))
    except KeyboardInterrupt:
        sys.exit(0)
