"""``POST /events/batch``: many events in one request, stored in one transaction.

Why: one transaction for many events (``Dispatcher.emit_many``) doubles the emit + delivery
rate against one ``POST /events`` each (docs/benchmarks.md), and CI systems and test suites
drive us through this API. Each item is what ``POST /events`` takes, checked by the same
``EVENT`` spec before anything is stored; one bad item, or one unknown subscription, and the
whole batch is refused with every problem named, so a client never has to work out which half
of a batch went in.
"""

from __future__ import annotations

from functools import partial

from webhook_studio.api.errors import not_found
from webhook_studio.api.models import EVENT_BATCH_OUT
from webhook_studio.api.routes import Call, Result, Route, off_loop
from webhook_studio.core.specs_records import EVENT_BATCH, check_event_batch
from webhook_studio.sender.errors import UnknownSubscriptions


def _missing_sentence(missing: dict[str, list[int]]) -> str:
    parts = [f"no subscription with id {sub_id} "
             f"({', '.join(f'events[{i}]' for i in items[:5])}"
             f"{f' and {len(items) - 5} more' if len(items) > 5 else ''})"
             for sub_id, items in missing.items()]
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + ". Nothing was stored."


async def emit_batch(call: Call) -> Result:
    items = [(e["type"], e["data"], e.get("subscription_id")) for e in call.body["events"]]
    # Up to MAX_BATCH_EVENTS events in one transaction (the subscriptions named checked in
    # it too): store work for a worker thread, so the loop (receiver, window) is not held;
    # the sender is woken here, on the loop.
    try:
        grouped = await off_loop(partial(call.services.dispatcher.store_events, items,
                                         refuse_unknown=True))
    except UnknownSubscriptions as exc:
        raise not_found(_missing_sentence(exc.missing)) from exc
    call.services.wake_sender()
    return 202, {"delivery_ids": grouped}


ROUTES = (
    Route("POST", "/events/batch", emit_batch,
          "Emit many events in one request and one transaction (all or none); the answer has "
          "one list of delivery ids per event, in request order", "events",
          body=EVENT_BATCH, check=lambda _services, raw: check_event_batch(raw), status=202,
          response=EVENT_BATCH_OUT, errors=(404, 422)),
)
