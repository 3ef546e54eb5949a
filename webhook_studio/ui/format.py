"""Text and colour for what the views show: one place, so every list agrees."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from PySide6.QtGui import QColor

from webhook_studio.core.vocabulary import CaptureState, DeliveryState

VALID, INVALID, NEUTRAL = "#2e9d57", "#d0453b", "#8b8f96"


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 delivery``, ``3 deliveries``, ``0 captures``: never ``delivery(ies)``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def scheme_label(scheme: str, options: dict[str, Any] | None = None) -> str:
    """What signs, in words: ``stripe``, or ``hmac (X-EnvoyOU-Signature)`` for a configured
    HMAC (the name alone says nothing about which header a receiver must check)."""
    header = (options or {}).get("header")
    return f"{scheme} ({header})" if scheme == "hmac" and header else scheme


def local_time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts).strftime("%H:%M:%S.%f")[:-3]


def local_datetime(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def verdict_text(valid: bool | None, state: str, reason: str | None = None) -> str:
    """A mark and words, so the verdict never rests on its colour alone."""
    if state == CaptureState.REJECTED:
        return "⚠ rejected"
    if state == CaptureState.MALFORMED:
        return "⚠ malformed"
    if valid is None:
        return "– not verified"
    return "✔ valid" if valid else f"✘ {(reason or 'invalid').replace('_', ' ')}"


def verdict_colour(valid: bool | None, state: str = CaptureState.CAPTURED) -> QColor:
    """Readable on the palette in use (light or dark: ``theme.STATUS_COLOURS``)."""
    from webhook_studio.ui.theme import status_colour

    if state != CaptureState.CAPTURED:
        return status_colour("warn")
    return status_colour({True: "valid", False: "invalid", None: "neutral"}[valid])


def state_colour(state: str) -> QColor:
    from webhook_studio.ui.theme import status_colour

    colours: dict[str, str] = {
        DeliveryState.DELIVERED: "valid", DeliveryState.FAILED: "invalid",
        DeliveryState.PENDING: "pending", DeliveryState.DISABLED: "warn",
        DeliveryState.CANCELLED: "neutral"}
    return status_colour(colours.get(state, "neutral"))


def pretty_body(body: bytes) -> tuple[str, bool]:
    """``(text, is_json)``: indented JSON when it parses, else the text, else a note."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"({len(body)} bytes of binary data: see the Hex tab)", False
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False), True
    except ValueError:
        return text, False


def hex_dump(body: bytes, limit: int = 64 * 1024) -> str:
    lines = []
    for offset in range(0, min(len(body), limit), 16):
        chunk = body[offset:offset + 16]
        ascii_part = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  {ascii_part}")
    if len(body) > limit:
        lines.append(f"… {len(body) - limit} more bytes")
    return "\n".join(lines)
