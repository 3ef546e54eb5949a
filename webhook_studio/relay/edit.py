"""Edit and resend: a captured request as a small HAR-like JSON document, and back.

The document is what ``replay ID --edit`` opens in ``$EDITOR`` (and what the API's resend
route takes, field for field)::

    {"method": "POST", "url": "http://localhost:3000/webhook",
     "headers": [{"name": "Content-Type", "value": "application/json"}, ...],
     "body": "{...}"}                    # or "bodyBase64": "..." for a binary body

Headers are a list, so order, case and duplicates survive the round trip. Reading it back
names every problem in a sentence of its own and keeps nothing half-read: a request is either
fully valid or not sent.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from webhook_studio.core.limits import EDITED_BODY_BYTES
from webhook_studio.core.specs import header_problem, method_problem  # the one header rule
from webhook_studio.relay.headers import forwardable
from webhook_studio.relay.replay import Edit, target_problem


@dataclass(frozen=True)
class EditedRequest:
    """A request as edited: what to send, and to where."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes

    def edit(self) -> Edit:
        return Edit(method=self.method, headers=self.headers, body=self.body)

    def same_as(self, method: str, headers: Sequence[tuple[str, str]], body: bytes) -> bool:
        return (self.method == method.upper() and self.body == body
                and self.headers == list(headers))


def document(method: str, url: str, headers: Iterable[Iterable[str]], body: bytes
             ) -> dict[str, Any]:
    """The editable document of a request; the body as text when it is UTF-8, else base64."""
    doc: dict[str, Any] = {
        "method": method.upper(), "url": url,
        "headers": [{"name": n, "value": v} for n, v in forwardable(headers)],
    }
    try:
        text = body.decode("utf-8")
        if "\0" in text:
            raise UnicodeDecodeError("utf-8", body, 0, 1, "NUL")
        doc["body"] = text
    except UnicodeDecodeError:
        doc["bodyBase64"] = base64.b64encode(body).decode("ascii")
    return doc


def document_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def parse_document(text: str) -> tuple[EditedRequest | None, list[str]]:
    """``(request, [])`` when the document is valid, else ``(None, one sentence a problem)``."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"The request is not valid JSON: {exc.msg} at line {exc.lineno}, "
                      f"column {exc.colno}."]
    return from_fields(doc)


def from_fields(doc: Any, *, body_key: str = "bodyBase64") -> tuple[EditedRequest | None,
                                                                      list[str]]:
    """Validate a parsed document (``body_key`` names the base64 body field: the API says
    ``body_base64``)."""
    if not isinstance(doc, dict):
        return None, ["The request must be a JSON object with method, url, headers and body."]
    problems: list[str] = []
    known = {"method", "url", "headers", "body", body_key}
    for key in doc:
        if key not in known:
            problems.append(f"{key!r} is not a field of the request; use "
                            f"{', '.join(sorted(known))}.")
    method = doc.get("method", "POST")
    if problem := method_problem(method):
        problems.append(problem)
    url = doc.get("url")
    if not isinstance(url, str) or not url.strip():
        problems.append("The request needs a url, e.g. http://localhost:3000/webhook.")
    elif problem := target_problem(url.strip()):
        problems.append(problem)
    headers: list[tuple[str, str]] = []
    raw_headers = doc.get("headers", [])
    if not isinstance(raw_headers, list):
        problems.append('The headers must be a list of {"name": ..., "value": ...} objects.')
        raw_headers = []
    for number, item in enumerate(raw_headers, 1):
        if not isinstance(item, dict) or set(item) != {"name", "value"}:
            problems.append(f'Header {number} must be {{"name": ..., "value": ...}}.')
            continue
        if problem := header_problem(item["name"], item["value"]):
            problems.append(problem)
            continue
        headers.append((item["name"], item["value"]))
    body = b""
    if "body" in doc and body_key in doc:
        problems.append(f"Give the body either as body (text) or {body_key}, not both.")
    elif body_key in doc:
        try:
            if not isinstance(doc[body_key], str):
                raise ValueError("not text")
            body = base64.b64decode(doc[body_key], validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"The {body_key} field is not valid base64 text.")
    elif "body" in doc:
        if not isinstance(doc["body"], str):
            problems.append(f"The body must be text (use {body_key} for binary data).")
        else:
            body = doc["body"].encode("utf-8")
    if len(body) > EDITED_BODY_BYTES:
        problems.append(f"The body is {len(body):,} bytes; an edited request may have at most "
                        f"{EDITED_BODY_BYTES:,}.")
    if problems:
        return None, problems
    return EditedRequest(str(method).upper(), str(url).strip(), headers, body), []


def with_changes(headers: Sequence[tuple[str, str]], *, set_headers: Sequence[str] = (),
                 remove: Sequence[str] = ()) -> tuple[list[tuple[str, str]], list[str]]:
    """Headers after ``--set-header 'N: v'`` (replaces every header of that name, case
    aside, at the first one's place) and ``--remove-header N``; problems as sentences."""
    out = list(headers)
    problems: list[str] = []
    for name in remove:
        if problem := header_problem(name.strip(), ""):
            problems.append(f"--remove-header: {problem}")
            continue
        out = [(n, v) for n, v in out if n.lower() != name.strip().lower()]
    for item in set_headers:
        name, found, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if not found:
            problems.append(f"--set-header {item!r} is not 'Name: value'.")
            continue
        if problem := header_problem(name, value):
            problems.append(f"--set-header: {problem}")
            continue
        at = next((i for i, (n, _) in enumerate(out) if n.lower() == name.lower()), len(out))
        out = [(n, v) for i, (n, v) in enumerate(out) if i < at or n.lower() != name.lower()]
        out.insert(at, (name, value))
    return out, problems
