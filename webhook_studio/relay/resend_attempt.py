"""Edit and resend, for a capture or for what a delivery attempt sent.

The editor (window, CLI, API) starts from a :class:`RequestDraft`: the request as it was. A
capture's draft is the capture; a delivery's draft is its latest attempt's stored request (POST
to the target URL, the headers and body that went out). Sending goes through
:func:`webhook_studio.relay.replay.replay_capture` with an :class:`Edit`, so the edited request
is saved as a new capture linked to its original (``edited_from``) and the original is never
changed. A delivery that did not come from a capture gets its attempt's request saved once as a
capture (``source="delivery"``) to be that original.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.store import NotFound, Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Attempt, Delivery


@dataclass(frozen=True)
class RequestDraft:
    """A request to edit: where it came from, and what it was."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    capture_id: int | None = None
    delivery_id: str | None = None

    @property
    def origin(self) -> str:
        return (f"capture #{self.capture_id}" if self.delivery_id is None
                else f"delivery {self.delivery_id}")


def draft_from_capture(store: Store, capture_id: int) -> RequestDraft:
    with store.session() as session:
        capture = session.get(Capture, capture_id)
        if capture is None:
            raise NotFound(f"No capture with id {capture_id}.")
        return RequestDraft(capture.method, "", [(str(k), str(v)) for k, v in capture.headers],
                            capture.body or b"", capture_id=capture.id)


def _last_attempt(session: Session, delivery_id: str) -> Attempt | None:
    return session.scalars(select(Attempt).where(Attempt.delivery_id == delivery_id)
                           .order_by(Attempt.number.desc()).limit(1)).first()


def draft_from_attempt(store: Store, delivery_id: str) -> RequestDraft:
    """The latest attempt's request, as it went out."""
    with store.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            raise NotFound(f"No delivery with id {delivery_id}.")
        attempt = _last_attempt(session, delivery_id)
        if attempt is None:
            raise NotFound(f"Delivery {delivery_id} has no attempt yet: nothing was sent "
                           "that could be edited.")
        return RequestDraft("POST", delivery.target_url,
                            [(str(k), str(v)) for k, v in attempt.request_headers or []],
                            attempt.request_body or b"",
                            capture_id=delivery.source_capture_id, delivery_id=delivery.id)


def capture_for_draft(store: Store, draft: RequestDraft, now: float) -> int:
    """The capture an edit of ``draft`` is linked to: the capture it came from, or (for a
    delivery of the sender) its attempt's request saved once as a capture."""
    if draft.capture_id is not None:
        return draft.capture_id
    parts = urlsplit(draft.url)
    content_type = next((v for k, v in draft.headers if k.lower() == "content-type"), None)
    with store.session() as session:
        copy = Capture(
            endpoint_id=None, received_at=now, method=draft.method, path=parts.path or "/",
            query=parts.query, headers=[list(h) for h in draft.headers], body=draft.body,
            body_size=len(draft.body), content_type=content_type, remote_addr=None,
            state=CaptureState.CAPTURED, source="delivery")
        session.add(copy)
        session.flush()
        return copy.id
