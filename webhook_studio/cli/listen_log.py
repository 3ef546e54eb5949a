"""The one line per request that ``listen`` prints, as ``stripe listen`` does.

``2026-11-30 10:12:03  POST /hooks/github  valid  200  1.2 kB  #42``

Lines come from the receiver's ``CaptureStored`` events (after the capture is committed), are
collected in memory and written once per loop turn: the receiver never waits on the terminal.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.receiver.events import CaptureStored, ReceiverEvent
from webhook_studio.store.receiver_queries import iso


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    for unit in ("kB", "MB", "GB"):
        size_f = size / 1000
        if size_f < 1000 or unit == "GB":
            return f"{size_f:.1f} {unit}"
        size = int(size_f)
    return f"{size} B"  # pragma: no cover - the loop always returns


def verdict_text(event: CaptureStored) -> str:
    if event.state in (CaptureState.REJECTED, CaptureState.MALFORMED):
        return f"{event.state} ({event.error})" if event.error else event.state
    if event.verify_valid is True:
        return "valid"
    if event.verify_valid is False:
        return f"invalid {event.reason}" if event.reason else "invalid"
    return "unverified"


_second: tuple[int, str] = (-1, "")


def _moment(at: float) -> str:
    """The local time of a line, formatted once per second (not once per request)."""
    global _second
    whole = int(at)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(whole)))
    return _second[1]


def text_line(event: CaptureStored) -> str:
    moment = _moment(event.received_at)
    dup = f"  duplicate of #{event.duplicate_of}" if event.duplicate_of else ""
    path = event.path + (f"?{event.query}" if event.query else "")
    return (f"{moment}  {event.method} {path}  {verdict_text(event)}  "
            f"{event.response_status}  {human_size(event.body_size)}  #{event.capture_id}{dup}")


def json_line(event: CaptureStored) -> str:
    data: dict[str, Any] = {
        "event": "request", "time": iso(event.received_at), "capture_id": event.capture_id,
        "endpoint_id": event.endpoint_id, "method": event.method, "path": event.path,
        "query": event.query,
        "state": event.state, "valid": event.verify_valid, "reason": event.reason,
        "status": event.response_status, "size": event.body_size,
        "duplicate_of": event.duplicate_of, "error": event.error,
    }
    return json.dumps(data, ensure_ascii=False)


class RequestLog:
    """A receiver hub callback that prints a line per stored capture, batched per loop turn."""

    def __init__(self, *, as_json: bool = False, out: IO[str] | None = None,
                 on_closed: Callable[[], object] | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        #: Called once the reader of ``out`` is gone (``listen | head -1``): time to stop.
        self.on_closed = on_closed
        self._pending: list[str] = []
        self._scheduled = False

    def __call__(self, event: ReceiverEvent) -> None:
        if not isinstance(event, CaptureStored):
            return
        self._pending.append(json_line(event) if self.as_json else text_line(event))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        try:
            self.out.write("\n".join(lines) + "\n")
            self.out.flush()
        except BrokenPipeError:  # the pipe's reader left: stop as `cat` would, quietly
            if self.on_closed is not None:
                self.on_closed()
        except (OSError, ValueError):  # the terminal went away: the receiver keeps going
            pass
