"""Export captures as cURL (exact bytes, safe quoting), HAR 1.2 and JSON Lines.

HAR keeps bodies exactly: UTF-8 text as text, anything else base64 with ``"encoding":
"base64"`` (HAR 1.2 defines that field for response content; we use it for request bodies too,
as HTTP Toolkit does, and read it back). Extra fields start with ``_`` as the spec allows.
The ``write_*`` functions stream: an export of a million captures holds one at a time.
Importing is in :mod:`webhook_studio.relay.har_import`.
"""

from __future__ import annotations

import base64
import io
import json
import math
import shlex
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TextIO
from urllib.parse import parse_qsl

from webhook_studio import __version__
from webhook_studio.relay.har_import import HarImportError, import_har
from webhook_studio.relay.headers import HOP_BY_HOP, redact
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import capture_to_dict

#: Import lives in ``har_import``; these names stay importable from here.
__all__ = [
    "HarImportError",
    "HarWriter",
    "har_entry",
    "import_har",
    "to_curl",
    "to_har",
    "to_jsonl",
    "write_curl",
    "write_har",
    "write_jsonl",
]


def capture_url(c: Capture, base: str) -> str:
    return base.rstrip("/") + c.path + (f"?{c.query}" if c.query else "")


def _headers(c: Capture, redacted: bool) -> list[list[str]]:
    headers = [list(h) for h in c.headers or []]
    return redact(headers) if redacted else headers


def to_curl(c: Capture, base: str, *, redacted: bool = False) -> str:
    """A shell command that sends the same bytes. Bodies with NUL or invalid UTF-8 are fed
    through ``printf`` with octal escapes, since a shell argument cannot hold them."""
    parts = ["curl", "-X", shlex.quote(c.method), shlex.quote(capture_url(c, base))]
    for name, value in _headers(c, redacted):
        if name.lower() not in HOP_BY_HOP:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = c.body or b""
    if not body:
        return " ".join(parts)
    try:
        text = body.decode("utf-8")
        printable = "\x00" not in text
    except UnicodeDecodeError:
        printable = False
    if printable:
        return " ".join([*parts, "--data-binary", shlex.quote(text)])
    octal = "".join(f"\\{b:03o}" for b in body)
    return f"printf '{octal}' | " + " ".join([*parts, "--data-binary", "@-"])


def _body_field(body: bytes) -> dict[str, Any]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}


def _finite(value: float | None) -> float:
    """A stored duration as a JSON-safe number: rows written before import checks existed may
    hold infinity or NaN, which JSON cannot carry."""
    return round(value, 3) if value is not None and math.isfinite(value) else 0


def har_entry(c: Capture, base: str, *, redacted: bool = False) -> dict[str, Any]:
    """One capture as a HAR 1.2 entry (never fails on a stored row)."""
    headers = _headers(c, redacted)
    body = c.body or b""
    request: dict[str, Any] = {
        "method": c.method, "url": capture_url(c, base),
        "httpVersion": f"HTTP/{c.http_version}",
        "headers": [{"name": n, "value": v} for n, v in headers],
        "queryString": [{"name": n, "value": v}
                        for n, v in parse_qsl(c.query or "", keep_blank_values=True)],
        "cookies": [], "headersSize": -1, "bodySize": len(body),
    }
    if body or c.method not in ("GET", "HEAD"):
        request["postData"] = {"mimeType": c.content_type or "", **_body_field(body)}
    status = c.response_status or 0
    response_body = c.response_body or b""
    duration = _finite(c.duration_ms)
    return {
        "startedDateTime": _har_time(c.received_at),
        "time": duration,
        "request": request,
        "response": {
            "status": status,
            "statusText": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_
            else "",
            "httpVersion": f"HTTP/{c.http_version}",
            "headers": [{"name": str(n), "value": str(v)} for n, v in c.response_headers or []],
            "cookies": [],
            "content": {"size": len(response_body), "mimeType": "",
                        **_body_field(response_body)},
            "redirectURL": "", "headersSize": -1, "bodySize": len(response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": duration, "receive": 0},
        "_webhookStudio": {"id": c.id, "verification": c.verification,
                           "duplicate_of": c.duplicate_of, "state": c.state},
    }


def _har_log(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"log": {"version": "1.2",
                    "creator": {"name": "Webhook Studio", "version": __version__},
                    "entries": entries}}


def to_har(captures: Sequence[Capture], base: str, *, redacted: bool = False) -> dict[str, Any]:
    """A whole HAR document in memory: for one capture or a few (the inspector, tests)."""
    return _har_log([har_entry(c, base, redacted=redacted) for c in captures])


class HarWriter:
    """A HAR document written entry by entry: open, ``add`` captures as they are read,
    ``close``. Memory stays flat for any number of captures."""

    def __init__(self, out: TextIO, base: str, *, redacted: bool = False) -> None:
        self.out, self.base, self.redacted = out, base, redacted
        self.count = 0
        head = json.dumps(_har_log([]), indent=2, ensure_ascii=False)
        opening, _, self._closing = head.rpartition('"entries": []')
        out.write(opening + '"entries": [')

    def add(self, captures: Iterable[Capture]) -> None:
        for c in captures:
            text = json.dumps(har_entry(c, self.base, redacted=self.redacted), indent=2,
                              ensure_ascii=False, allow_nan=False)
            self.out.write(("," if self.count else "") + "\n" + text)
            self.count += 1

    def close(self) -> int:
        self.out.write(("\n" if self.count else "") + "]" + self._closing + "\n")
        return self.count


def write_har(out: TextIO, captures: Iterable[Capture], base: str, *,
              redacted: bool = False) -> int:
    """Stream a HAR document to ``out``; returns how many entries were written."""
    writer = HarWriter(out, base, redacted=redacted)
    writer.add(captures)
    return writer.close()


def write_jsonl(out: TextIO, captures: Iterable[Capture], *, redacted: bool = False) -> int:
    count = 0
    for c in captures:
        data = capture_to_dict(c)
        if redacted:
            data["headers"] = redact(data["headers"])
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                             allow_nan=False) + "\n")
        count += 1
    return count


def write_curl(out: TextIO, captures: Iterable[Capture], base: str, *,
               redacted: bool = False) -> int:
    count = 0
    for c in captures:
        out.write(to_curl(c, base, redacted=redacted) + "\n")
        count += 1
    return count


def to_jsonl(captures: Iterable[Capture], *, redacted: bool = False) -> str:
    out = io.StringIO()
    write_jsonl(out, captures, redacted=redacted)
    return out.getvalue()


def _har_time(ts: float | None) -> str:
    """ISO 8601 with microseconds (HAR allows any fraction): an import keeps the order of
    captures that arrived within the same millisecond. A stored time no calendar can show
    (from an import before dates were checked) is written as the epoch, so the file stays
    valid HAR and imports again."""
    try:
        moment = datetime.fromtimestamp(ts if ts is not None else 0.0, UTC)
    except (OverflowError, ValueError, OSError):
        moment = datetime.fromtimestamp(0, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


#: What ``captures export --format`` and the window's Export button write.
FORMATS = ("har", "jsonl", "curl")


def write_captures(out: TextIO, captures: Iterable[Capture], fmt: str, base: str, *,
                   redacted: bool = False) -> int:
    """Write ``captures`` in ``fmt`` (one of :data:`FORMATS`); the CLI's export and the
    window's single-capture export both write through here, so a file made by one is the
    file the other makes."""
    if fmt == "har":
        return write_har(out, captures, base, redacted=redacted)
    if fmt == "jsonl":
        return write_jsonl(out, captures, redacted=redacted)
    if fmt == "curl":
        return write_curl(out, captures, base, redacted=redacted)
    raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")


def format_for_suffix(suffix: str) -> str:
    """The export format a file name asks for: .har, .jsonl, .sh/.curl; else the raw body."""
    return {".har": "har", ".jsonl": "jsonl", ".sh": "curl", ".curl": "curl"}.get(
        suffix.lower(), "raw")


def capture_export(store: Any, capture_id: int, fmt: str, base: str) -> bytes:
    """One stored capture as the bytes of an export file in ``fmt`` (or ``"raw"``: its body
    exactly as received). Raises ``NotFound`` when it is gone."""
    from webhook_studio.store.receiver_queries import get_capture

    with store.session() as session:
        capture = get_capture(session, capture_id)
        if fmt == "raw":
            return bytes(capture.body or b"")
        out = io.StringIO()
        write_captures(out, [capture], fmt, base)
    return out.getvalue().encode("utf-8")
