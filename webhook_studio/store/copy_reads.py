"""What "Copy as" copies, read from the store: a capture as it arrived, or an attempt as it
was sent. Plain values out (``core.copy_as.RequestCopy``), so the window reads them on a
worker thread and formats them without touching the store again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import undefer

from webhook_studio.core.copy_as import RequestCopy
from webhook_studio.store.database import Store
from webhook_studio.store.errors import NotFound
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Attempt, Delivery


def capture_request(store: Store, capture_id: int, base_url: str) -> RequestCopy:
    """The capture at the URL it was received on (``base_url`` + path + query)."""
    with store.session() as session:
        c = session.get(Capture, capture_id, options=[undefer(Capture.body)])
        if c is None:
            raise NotFound(f"No capture with id {capture_id}.")
        url = base_url.rstrip("/") + c.path + (f"?{c.query}" if c.query else "")
        return RequestCopy(c.method, url, [(str(n), str(v)) for n, v in c.headers or ()],
                           bytes(c.body or b""))


def attempt_request(store: Store, delivery_id: str, number: int | None = None) -> RequestCopy:
    """Attempt ``number`` of a delivery (its latest when None), as the sender sent it."""
    with store.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            raise NotFound(f"No delivery with id {delivery_id}.")
        query = (select(Attempt).options(undefer(Attempt.request_body))
                 .where(Attempt.delivery_id == delivery_id))
        query = (query.where(Attempt.number == number) if number is not None
                 else query.order_by(Attempt.number.desc()).limit(1))
        attempt = session.scalars(query).first()
        if attempt is None:
            raise NotFound(f"Delivery {delivery_id} has made no attempt yet: nothing was sent.")
        return RequestCopy("POST", delivery.target_url,
                           [(str(n), str(v)) for n, v in attempt.request_headers or ()],
                           bytes(attempt.request_body or b""))
