"""One delivery attempt as a person debugging a handler reads it: the request as it was sent
next to what the handler answered (status, headers, body as kept: its first 64 KiB), and the
error's class when there was no answer.

The JSON form (:func:`response_fields`) is what ``deliveries show --json``, ``send --json``
and ``GET /deliveries/{id}`` add to each attempt; :func:`attempt_exchange` is the window's
read of one attempt, request body included (the detail list leaves it unread).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from webhook_studio.store.database import Store
from webhook_studio.store.sender_models import Attempt, Delivery


def _text(body: bytes, truncated: bool) -> str | None:
    """The body as text when it is UTF-8; a cut body may end inside a character, which is
    dropped rather than making the whole body "binary"."""
    for cut in range(4 if truncated else 1):
        try:
            return body[:len(body) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def was_cut(response_size: int | None, kept: bytes) -> bool:
    """The handler sent more than the 64 KiB kept."""
    return (response_size or 0) > len(kept)


def response_fields(attempt: Attempt) -> dict[str, Any]:
    """The handler's answer to one attempt, for the JSON doors (``response_body`` is text, or
    null with ``response_body_base64`` when the bytes are not UTF-8)."""
    body = bytes(attempt.response_body or b"")
    truncated = was_cut(attempt.response_size, body)
    text = _text(body, truncated)
    out: dict[str, Any] = {
        "response_headers": {str(n): str(v) for n, v in attempt.response_headers or ()},
        "response_body": text,
    }
    if text is None:
        out["response_body_base64"] = base64.b64encode(body).decode("ascii")
    out["response_truncated"] = truncated
    out["error_class"] = attempt.error_class
    return out


@dataclass(frozen=True)
class AttemptExchange:
    delivery_id: str
    number: int
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int | None
    response_headers: list[tuple[str, str]]
    response_body: bytes
    #: Bytes the handler sent; more than ``len(response_body)`` when the 64 KiB cap cut it.
    response_size: int | None
    duration_ms: float | None
    outcome: str
    error_class: str | None
    error_message: str | None

    @property
    def truncated(self) -> bool:
        return was_cut(self.response_size, self.response_body)


def attempt_exchange(store: Store, delivery_id: str, number: int | None = None
                     ) -> AttemptExchange | None:
    """Attempt ``number`` of the delivery (its latest when None); None when there is none
    (the delivery was deleted, or nothing was sent yet)."""
    with store.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return None
        query = (select(Attempt).options(undefer(Attempt.request_body),
                                         undefer(Attempt.response_body))
                 .where(Attempt.delivery_id == delivery_id))
        query = (query.where(Attempt.number == number) if number is not None
                 else query.order_by(Attempt.number.desc()).limit(1))
        a = session.scalars(query).first()
        if a is None:
            return None
        return AttemptExchange(
            delivery_id, a.number, "POST", delivery.target_url,
            [(str(n), str(v)) for n, v in a.request_headers or ()],
            bytes(a.request_body or b""), a.response_status,
            [(str(n), str(v)) for n, v in a.response_headers or ()],
            bytes(a.response_body or b""), a.response_size, a.duration_ms, a.outcome,
            a.error_class, a.error_message)
