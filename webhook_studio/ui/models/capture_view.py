"""What the inspector shows for one capture, read and prepared off the GUI thread.

:func:`read_view` runs on a worker thread (plain data in, plain data out: no Qt), so selecting
a 10 MiB capture never stalls the window: the body is cut to :data:`BIG` bytes for the views
unless the person asks for all of it, and the cURL text is only built when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from webhook_studio.store import Store
from webhook_studio.store.window_reads import capture_for_view
from webhook_studio.ui.format import hex_dump, pretty_body
from webhook_studio.ui.models.forward_rows import history_text

#: Bodies larger than this are shown cut, with a "Show all" button. The Raw tab never shows
#: more (a text view lays out one 10 MiB line for ten seconds); export the body for all of it.
BIG = 256 * 1024
#: The Body view breaks lines longer than this, for display only (minified JSON, base64…).
LINE = 4096


def display_text(text: str, width: int = LINE) -> str:
    """``text`` with over-long lines broken for the eye; short lines untouched."""
    if all(len(line) <= width for line in text.split("\n")):
        return text
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(line[i:i + width] for i in range(0, max(len(line), 1), width))
    return "\n".join(out)


@dataclass(frozen=True)
class CaptureView:
    id: int
    method: str
    path: str
    query: str
    received_at: float
    remote_addr: str | None
    body_size: int
    response_status: int | None
    duration_ms: float | None
    state: str
    error: str | None
    verification: dict[str, object]
    duplicate_of: int | None
    edited_from: int | None
    source: str
    edited_copies: list[int]
    headers: list[list[str]]
    pretty: str
    is_json: bool
    raw: str
    hex: str
    truncated: bool
    form: list[list[str]] = field(default_factory=list)
    response: str = ""
    forwards: str = ""


def read_view(store: Store, capture_id: int, full: bool = False) -> CaptureView:
    """One capture as the inspector shows it; bodies over :data:`BIG` cut unless ``full``."""
    read = capture_for_view(store, capture_id, BIG, full)
    c, body, truncated = read.capture, read.body, read.truncated
    size = c.body_size or 0
    copies = read.edited_copies
    head = body[:BIG]
    # the shape the inspector shows, from plain data (no session open)
    form: list[list[str]] = []
    if (c.content_type or "").startswith("application/x-www-form-urlencoded"):
        form = [[k, v] for k, v in parse_qsl(head.decode("utf-8", "replace"),
                                              keep_blank_values=True)]
    response_lines = [f"HTTP {c.response_status}"] + [
        f"{k}: {val}" for k, val in c.response_headers or []]
    response = ("\n".join(response_lines) + "\n\n"
                + (c.response_body or b"").decode("utf-8", "replace"))
    forwards = history_text(list(c.forwards or []))  # as the Forwards tab lists them
    if truncated:
        pretty, is_json = body.decode("utf-8", "replace"), False
    else:
        pretty, is_json = pretty_body(body)
    pretty = display_text(pretty)
    return CaptureView(
        id=c.id, method=c.method, path=c.path, query=c.query or "",
        received_at=c.received_at, remote_addr=c.remote_addr, body_size=size,
        response_status=c.response_status, duration_ms=c.duration_ms, state=c.state,
        error=c.error, verification=dict(c.verification or {}),
        duplicate_of=c.duplicate_of, edited_from=c.edited_from, source=c.source or "",
        edited_copies=copies, headers=[list(h) for h in c.headers or []], pretty=pretty,
        is_json=is_json, raw=head.decode("utf-8", "replace"), hex=hex_dump(head),
        truncated=truncated, form=form, response=response, forwards=forwards)


def curl_text(store: Store, capture_id: int, base_url: str) -> str:
    from webhook_studio.relay.export import capture_export

    return capture_export(store, capture_id, "curl", base_url).decode("utf-8").removeprefix(
        "#!/bin/sh\n").rstrip("\n")
