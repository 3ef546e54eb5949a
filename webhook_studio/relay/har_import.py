"""Importing HAR 1.2 files as captures: every entry checked first, then one transaction.

A HAR file comes from anywhere (a browser, another tool, a colleague, an attacker), and a
capture, once stored, is read by every list, export and API call. So nothing is stored that a
reader could choke on: dates within a sane range, finite numbers, the type of every field we
read. The first problem found is named (entry number and field) and nothing is imported: all
or nothing, so a retry after fixing the file never doubles the entries that went in before.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.relay.errors import BadHarFile
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture

#: Captures dated outside these bounds are refused: the receiver never makes them, and a
#: reader could not render them on every platform (``datetime`` stops at year 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
#: A year in milliseconds: the longest ``time`` an entry may claim.
MAX_TIME_MS = 365 * 86400 * 1000.0
MAX_METHOD = 16  # the column's width
MAX_MIME = 200


class _Bad(Exception):
    """One field's problem, before the entry number is known."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field, self.problem = field, problem


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number" if math.isfinite(value) else "a number too large to represent"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _object(value: Any, field: str, *, optional: bool = False) -> dict[str, Any]:
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise _Bad(field, f"must be an object, not {_describe(value)}")
    return value


def _string(container: dict[str, Any], key: str, field: str, *, default: str | None = None,
            max_len: int | None = None) -> str:
    value = container.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise _Bad(field, f"must be a string, not {_describe(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Bad(field, f"holds an unpaired surrogate ({value[exc.start]!r}), which is not "
                   "text") from None
    if max_len is not None and len(value) > max_len:
        raise _Bad(field, f"is longer than {max_len} characters")
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(field, f"must be a number, not {_describe(value)}")
    if not math.isfinite(value):
        raise _Bad(field, "must be a finite number (this one is too large to represent)")
    return float(value)


def _headers(value: Any, field: str) -> list[list[str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(field, f"must be a list of {{name, value}} objects, not {_describe(value)}")
    out = []
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        header = _object(item, where)
        out.append([_string(header, "name", f"{where}.name"),
                    _string(header, "value", f"{where}.value")])
    return out


def _body(value: Any, field: str) -> tuple[bytes, str | None]:
    """``(bytes, mimeType)`` of a ``postData`` or ``content`` object."""
    data = _object(value, field, optional=True)
    mime = _string(data, "mimeType", f"{field}.mimeType", default="", max_len=MAX_MIME) or None
    if data.get("text") is None:
        return b"", mime
    text = _string(data, "text", f"{field}.text")
    encoding = _string(data, "encoding", f"{field}.encoding", default="")
    if encoding == "base64":
        try:
            return base64.b64decode(text, validate=True), mime
        except (binascii.Error, ValueError) as exc:
            raise _Bad(f"{field}.text", f"is marked base64 but is not valid base64 ({exc})"
                       ) from exc
    if encoding:
        raise _Bad(f"{field}.encoding", f"is {encoding!r}; only \"base64\" is understood")
    return text.encode("utf-8"), mime


def _started(entry: dict[str, Any], now: float) -> float:
    if entry.get("startedDateTime") is None:
        return now  # hand-written files often leave it out; import time is honest then
    text = _string(entry, "startedDateTime", "startedDateTime")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise _Bad("startedDateTime", f"{text[:60]!r} is not an ISO 8601 date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        in_range = EARLIEST <= moment < LATEST
        ts = moment.timestamp()
    except (OverflowError, ValueError, OSError):
        in_range = False
    if not in_range:
        raise _Bad("startedDateTime", f"{text[:60]!r} is outside {EARLIEST.year} to "
                   f"{LATEST.year - 1}")
    return ts


def _duration(entry: dict[str, Any]) -> float | None:
    if entry.get("time") is None:
        return None
    value = _number(entry["time"], "time")
    if value == -1:
        return None  # HAR's "not known"
    if not 0 <= value <= MAX_TIME_MS:
        raise _Bad("time", f"is {value:g} ms; it must be from 0 to {MAX_TIME_MS:.0f} (or -1)")
    return value


def _status(response: dict[str, Any]) -> int | None:
    value = response.get("status")
    if value is None:
        return None
    number = _number(value, "response.status")
    if number != int(number) or not 0 <= number <= 999:
        raise _Bad("response.status", f"is {number:g}; it must be a whole number from 0 to 999")
    return int(number) or None


def _entry_fields(entry: Any, now: float, source: str) -> dict[str, Any]:
    entry = _object(entry, "the entry")
    request = _object(entry.get("request"), "request")
    url_text = _string(request, "url", "request.url")
    try:
        url = urlsplit(url_text)
    except ValueError as exc:
        raise _Bad("request.url", f"is not a URL ({exc})") from exc
    method = _string(request, "method", "request.method", default="GET", max_len=MAX_METHOD)
    if not method or any(ch.isspace() for ch in method):
        raise _Bad("request.method", f"{method!r} is not an HTTP method")
    version = _string(request, "httpVersion", "request.httpVersion", default="HTTP/1.1",
                      max_len=16).upper().removeprefix("HTTP/")[:8] or "1.1"
    body, content_type = _body(request.get("postData"), "request.postData")
    response = _object(entry.get("response"), "response", optional=True)
    response_body, _ = _body(response.get("content"), "response.content")
    return {
        "received_at": _started(entry, now), "method": method.upper(),
        "path": url.path or "/", "query": url.query, "http_version": version,
        "headers": _headers(request.get("headers"), "request.headers"),
        "body": body, "body_size": len(body), "content_type": content_type,
        "state": CaptureState.CAPTURED, "source": source,
        "response_status": _status(response),
        "response_headers": _headers(response.get("headers"), "response.headers"),
        "response_body": response_body, "duration_ms": _duration(entry),
    }


def har_entries(document: Any) -> list[Any]:
    """The ``log.entries`` list of a parsed document, or a sentence saying why there is none."""
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or "entries" not in log:
        raise BadHarFile("Not a HAR file: it has no log.entries list; nothing was imported.")
    if not isinstance(log["entries"], list):
        raise BadHarFile("Not a HAR file: log.entries is not a list; nothing was imported.")
    return log["entries"]


def check_entries(entries: list[Any], *, source: str = "import", start: int = 0,
                  now: float | None = None) -> list[dict[str, Any]]:
    """Capture columns for each entry; the first bad one raises :class:`BadHarFile`
    naming it (``start`` numbers entries of a later slice as in the whole file)."""
    now = time.time() if now is None else now
    rows = []
    for offset, entry in enumerate(entries):
        try:
            rows.append(_entry_fields(entry, now, source))
        except _Bad as exc:
            raise BadHarFile(
                f"HAR entry #{start + offset + 1}: {exc.field} {exc.problem}. Nothing was "
                "imported; fix or remove that entry and import the file again.") from None
    return rows


def store_rows(store: Store, rows: list[dict[str, Any]]) -> list[int]:
    """Insert checked rows in one transaction; their new ids, in file order."""
    captures = [Capture(**row) for row in rows]
    with store.session() as session:
        session.add_all(captures)
        session.flush()
        return [c.id for c in captures]


def import_har(store: Store, document: Any, *, source: str = "import") -> list[int]:
    """Store every entry of a parsed HAR document as a capture, or none of them."""
    return store_rows(store, check_entries(har_entries(document), source=source))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"it contains {name}, which JSON does not allow")


#: Nesting depth reported when the parser gives up (HAR itself needs about eight levels).
DEEP = 200


def _too_deep_at(text: str) -> tuple[str, str]:
    """Where the nesting first passes :data:`DEEP` levels: ``(path, place)``, e.g.
    ``("log.entries[549].request.postData", "line 3, column 80")``; a small tokenizer run only
    after the parser gave up, so it costs nothing on good files."""
    stack: list[list[Any]] = []  # [opener, key or index]
    in_string = escaped = False
    current: list[str] = []
    last_string, line, line_start = "", 1, 0
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string, last_string = False, "".join(current)
            elif len(current) < 64:
                current.append(ch)
        elif ch == '"':
            in_string, current = True, []
        elif ch == ":" and stack:
            stack[-1][1] = last_string
        elif ch == "," and stack and stack[-1][0] == "[":
            stack[-1][1] += 1
        elif ch in "[{":
            stack.append([ch, 0 if ch == "[" else ""])
            if len(stack) > DEEP:
                path = ""
                for opener, key in stack[:-1]:
                    path += f"[{key}]" if opener == "[" else f".{key}"
                return path.lstrip("."), f"line {line}, column {i - line_start + 1}"
        elif ch in "]}" and stack:
            stack.pop()
        elif ch == "\n":
            line, line_start = line + 1, i + 1
    return "", ""


def _too_deep_message(text: str, name: str) -> str:
    path, place = _too_deep_at(text)
    tail = "Nothing was imported; fix or remove that entry and import the file again."
    if path.startswith("log.entries["):
        number, _, field = path.removeprefix("log.entries[").partition("]")
        where = field.lstrip(".").split("[")[0].split(".")
        field_name = ".".join(where[:3]) or "the entry"
        return (f"HAR entry #{int(number) + 1}: {field_name} is nested more than {DEEP} levels "
                f"deep ({place} of {name}). {tail}")
    return (f"{name} is nested more than {DEEP} levels deep"
            f"{f' at {path}' if path else ''}{f' ({place})' if place else ''}, which no HAR "
            "file is. Nothing was imported.")


def parse_har_text(text: str, name: str) -> Any:
    """Parse a HAR file's text; a sentence for anything that is not plain JSON."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadHarFile(_too_deep_message(text, name)) from None
    except ValueError as exc:
        raise BadHarFile(f"{name} is not JSON ({exc}); a HAR file is JSON. Nothing was "
                             "imported.") from exc


def read_har_file(path: Path) -> Any:
    """Read and parse a HAR file, or raise :class:`BadHarFile` with a sentence."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadHarFile(f"{path.name} is not UTF-8 text ({exc.reason} at byte "
                             f"{exc.start}); a HAR file is UTF-8 JSON.") from exc
    except OSError as exc:
        raise BadHarFile(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return parse_har_text(text, path.name)

