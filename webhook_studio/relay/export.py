"""Export captures as cURL (exact bytes, safe quoting), HAR 1.2 and JSON Lines; import HAR.

HAR keeps bodies exactly: UTF-8 text as text, anything else base64 with ``"encoding":
"base64"`` (HAR 1.2 defines that field for response content; we use it for request bodies too,
as HTTP Toolkit does, and read it back). Extra fields start with ``_`` as the spec allows.
"""

from __future__ import annotations

import base64
import json
import shlex
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from webhook_studio import __version__
from webhook_studio.relay.headers import HOP_BY_HOP, redact
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import capture_to_dict


class HarImportError(ValueError):
    """A file that cannot be imported; the message says why."""


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


def to_har(captures: Sequence[Capture], base: str, *, redacted: bool = False) -> dict[str, Any]:
    entries = []
    for c in captures:
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
        entries.append({
            "startedDateTime": _har_time(c.received_at),
            "time": round(c.duration_ms or 0, 3),
            "request": request,
            "response": {
                "status": status,
                "statusText": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_
                else "",
                "httpVersion": f"HTTP/{c.http_version}",
                "headers": [{"name": str(n), "value": str(v)}
                            for n, v in c.response_headers or []],
                "cookies": [],
                "content": {"size": len(response_body), "mimeType": "",
                            **_body_field(response_body)},
                "redirectURL": "", "headersSize": -1, "bodySize": len(response_body),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(c.duration_ms or 0, 3), "receive": 0},
            "_webhookStudio": {"id": c.id, "verification": c.verification,
                               "duplicate_of": c.duplicate_of, "state": c.state},
        })
    return {"log": {"version": "1.2",
                    "creator": {"name": "Webhook Studio", "version": __version__},
                    "entries": entries}}


def to_jsonl(captures: Iterable[Capture], *, redacted: bool = False) -> str:
    lines = []
    for c in captures:
        data = capture_to_dict(c)
        if redacted:
            data["headers"] = redact(data["headers"])
        lines.append(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + ("\n" if lines else "")


def _har_time(ts: float) -> str:
    """ISO 8601 with microseconds (HAR allows any fraction): an import keeps the order of
    captures that arrived within the same millisecond."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace(
        "+00:00", "Z")


def _parse_time(text: Any) -> float:
    if not isinstance(text, str):
        return time.time()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


def _decode_body(data: Any) -> bytes:
    if not isinstance(data, dict) or "text" not in data:
        return b""
    text = str(data["text"])
    if data.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError as exc:
            raise HarImportError(f"A body marked base64 is not valid base64: {exc}.") from exc
    return text.encode("utf-8")


def import_har(store: Store, document: Any, *, source: str = "import") -> list[int]:
    """Store every entry of a HAR document as a capture; returns the new ids."""
    try:
        entries = document["log"]["entries"]
    except (TypeError, KeyError) as exc:
        raise HarImportError("Not a HAR file: it has no log.entries list.") from exc
    if not isinstance(entries, list):
        raise HarImportError("Not a HAR file: log.entries is not a list.")
    rows = []
    for index, entry in enumerate(entries):
        try:
            request = entry["request"]
            url = urlsplit(str(request["url"]))
            headers = [[str(h["name"]), str(h["value"])] for h in request.get("headers", [])]
            body = _decode_body(request.get("postData"))
            response = entry.get("response") or {}
            content_type = (request.get("postData") or {}).get("mimeType") or None
            rows.append(Capture(
                received_at=_parse_time(entry.get("startedDateTime")),
                method=str(request.get("method", "GET")).upper(), path=url.path or "/",
                query=url.query, http_version=str(request.get("httpVersion", "HTTP/1.1"))
                .removeprefix("HTTP/"), headers=headers, body=body, body_size=len(body),
                content_type=content_type, state="captured", source=source,
                response_status=int(response.get("status") or 0) or None,
                response_headers=[[str(h["name"]), str(h["value"])]
                                  for h in response.get("headers", [])],
                response_body=_decode_body(response.get("content")),
                duration_ms=float(entry.get("time") or 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise HarImportError(f"HAR entry #{index + 1} is malformed ({exc}); nothing was "
                               "imported.") from exc
    with store.session() as session:
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]
