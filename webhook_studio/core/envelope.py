"""The default payload envelope: ``{"id", "type", "created_at", "data"}`` as compact UTF-8 JSON.

Provider profiles bring their own shapes; this is what a delivery uses without one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

#: ``(event_type, data, event_id, now) -> body bytes``
Envelope = Callable[[str, Any, str, float], bytes]


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def default_envelope(event_type: str, data: Any, event_id: str, now: float) -> bytes:
    body = {"id": event_id, "type": event_type, "created_at": iso_utc(now), "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
