"""Live updates across processes on a team database: NOTIFY when writing, LISTEN to follow.

Writers call :func:`notify` inside the transaction that commits the rows, so a listener hears
of a capture, a delivery or an attempt exactly when it becomes visible (PostgreSQL delivers
notifications at commit, and drops them on rollback). The payload is small: the ids written,
cut short past a few hundred bytes (the reader asks the table anyway).

NOTIFY has no replay: a listener whose connection drops misses what was committed meanwhile.
So :class:`LiveListener` remembers the newest capture and attempt ids (and the newest delivery
``updated_at``) it has reported, and after every (re)connect asks the tables for anything
newer; a slow poll does the same as a backstop (a notification can also be lost to a proxy
or a pooler that does not pass LISTEN through). On SQLite this module does nothing: one
process writes, and the window hears of its own writes in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, make_url, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: One channel per kind of row; listeners LISTEN on the ones they draw.
CHANNELS = {"captures": "ws_captures", "deliveries": "ws_deliveries", "attempts": "ws_attempts"}
KINDS = tuple(CHANNELS)
#: NOTIFY payloads must stay under 8000 bytes; ids past this many characters are dropped and
#: the payload ends with "+" (the listener then catches up from the table).
PAYLOAD_LIMIT = 400
POLL_S = 15.0
RECONNECT_MAX_S = 5.0


def notify(session: Session | Connection, kind: str, ids: Iterable[object]) -> None:
    """``NOTIFY`` the channel of ``kind`` with ``ids``, in the caller's transaction.

    A no-op on anything but PostgreSQL."""
    bind = session.connection() if isinstance(session, Session) else session
    if bind.dialect.name != "postgresql":
        return
    payload = encode_ids(ids)
    bind.execute(text("SELECT pg_notify(:channel, :payload)"),
                 {"channel": CHANNELS[kind], "payload": payload})


def encode_ids(ids: Iterable[object]) -> str:
    out: list[str] = []
    size = 0
    for value in ids:
        item = str(value)
        if size + len(item) + 1 > PAYLOAD_LIMIT:
            out.append("+")
            break
        out.append(item)
        size += len(item) + 1
    return ",".join(out)


def decode_ids(payload: str) -> tuple[list[str], bool]:
    """``(ids, more)``: ``more`` says the writer cut the list short."""
    parts = [p for p in payload.split(",") if p]
    more = bool(parts) and parts[-1] == "+"
    return (parts[:-1] if more else parts), more


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://…``) as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Change:
    """What a listener reports: ``kind`` ("captures", "deliveries", "attempts") and ids:
    capture ids for captures, delivery ids for deliveries and for attempts (the deliveries
    whose retry timeline grew)."""

    kind: str
    ids: list[str]
    caught_up: bool = False  # found by asking the table, not announced by a NOTIFY


@dataclass
class _Marks:
    capture: int = 0
    attempt: int = 0
    delivery_at: float = 0.0
    seen: dict[str, bool] = field(default_factory=dict)


class LiveListener:
    """One LISTEN connection that reports :class:`Change` s to ``on_change`` and its
    reachability (True/False, on every change of it) to ``on_state``.

    Run it as a task on the loop (:meth:`run`); :meth:`stop` ends it. Callbacks run on the
    loop: a window's models refresh from them, ``serve`` wakes its sender with them.
    """

    def __init__(self, url: str, on_change: Callable[[Change], None], *,
                 on_state: Callable[[bool], None] | None = None,
                 kinds: Iterable[str] = KINDS, poll_s: float = POLL_S,
                 reconnect_max_s: float = RECONNECT_MAX_S) -> None:
        self.conninfo = libpq_url(url)
        self.on_change = on_change
        self.on_state = on_state
        self.kinds = tuple(kinds)
        self.poll_s = poll_s
        self.reconnect_max_s = reconnect_max_s
        self.connected: bool | None = None
        self.connections = 0  # how many times a LISTEN connection was made
        self.backend_pid: int | None = None
        self._marks: _Marks | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> asyncio.Task[None]:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="live-listener")
        return self._task

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _set_state(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            if self.on_state is not None:
                self.on_state(connected)

    async def run(self) -> None:
        import psycopg

        delay = 0.25
        while not self._stopping:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True, connect_timeout=3,
                        application_name="webhook-studio live") as conn:
                    for kind in self.kinds:
                        await conn.execute(f"LISTEN {CHANNELS[kind]}")
                    self.connections += 1
                    self.backend_pid = conn.info.backend_pid
                    self._set_state(True)
                    delay = 0.25
                    await self._catch_up(conn)
                    while not self._stopping:
                        got = False
                        async for note in conn.notifies(timeout=self.poll_s):
                            got = True
                            self._announce(note.channel, note.payload)
                            if note.payload.endswith("+"):
                                await self._catch_up(conn)
                        if not got:  # the backstop: nothing heard for a while, ask
                            await self._catch_up(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server went away; keep what we have and retry
                if self.connected is not False:
                    log.warning("Team database unreachable, retrying… (%s)",
                                str(exc).strip().splitlines()[0] if str(exc).strip()
                                else type(exc).__name__)
                self._set_state(False)
                await asyncio.sleep(delay)
                delay = min(self.reconnect_max_s, delay * 2)

    def _announce(self, channel: str, payload: str) -> None:
        kind = next((k for k, c in CHANNELS.items() if c == channel), None)
        if kind is None:
            return
        ids, _more = decode_ids(payload)
        marks = self._marks
        if marks is not None:
            numeric = [int(i) for i in ids if i.isdigit()]
            if kind == "captures" and numeric:
                marks.capture = max(marks.capture, *numeric)
        self.on_change(Change(kind, ids))

    async def _catch_up(self, conn: Any) -> None:
        """Report what was committed since the last report (first call: only set marks)."""
        first = self._marks is None
        marks = self._marks or _Marks()
        if "captures" in self.kinds:
            rows = await (await conn.execute(
                "SELECT id FROM captures WHERE id > %s ORDER BY id LIMIT 1000",
                (marks.capture,))).fetchall() if not first else []
            if first:
                top = await (await conn.execute("SELECT max(id) FROM captures")).fetchone()
                marks.capture = int(top[0] or 0)
            elif rows:
                marks.capture = int(rows[-1][0])
                self.on_change(Change("captures", [str(r[0]) for r in rows], caught_up=True))
        if "attempts" in self.kinds:
            if first:
                top = await (await conn.execute("SELECT max(id) FROM attempts")).fetchone()
                marks.attempt = int(top[0] or 0)
            else:
                rows = await (await conn.execute(
                    "SELECT id, delivery_id FROM attempts WHERE id > %s ORDER BY id LIMIT 1000",
                    (marks.attempt,))).fetchall()
                if rows:
                    marks.attempt = int(rows[-1][0])
                    self.on_change(Change("attempts", sorted({str(r[1]) for r in rows}),
                                          caught_up=True))
        if "deliveries" in self.kinds:
            if first:
                top = await (await conn.execute("SELECT max(updated_at) FROM deliveries")
                             ).fetchone()
                marks.delivery_at = float(top[0] or 0.0)
            else:
                rows = await (await conn.execute(
                    "SELECT id, updated_at FROM deliveries WHERE updated_at > %s "
                    "ORDER BY updated_at LIMIT 1000", (marks.delivery_at,))).fetchall()
                if rows:
                    marks.delivery_at = float(rows[-1][1])
                    self.on_change(Change("deliveries", [str(r[0]) for r in rows],
                                          caught_up=True))
        self._marks = marks


def is_team_url(url: str) -> bool:
    """Whether ``url`` names a database several processes share live (PostgreSQL)."""
    return url.startswith("postgresql")
