"""``/webhooks`` (subscriptions), ``/events`` and ``/deliveries``: the sender side of the API.

Field names follow seed 000 (``url``, ``events``, ``is_active``, ``secret`` ...); the secret is
returned by create and rotate-secret only, never by a read.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from webhook_studio.api.catalog import available_events
from webhook_studio.api.errors import ApiError, InvalidInput, not_found
from webhook_studio.api.models import SUBSCRIPTION_OUT
from webhook_studio.api.profiles import named_profile
from webhook_studio.api.routes import Call, Result, Route, off_loop
from webhook_studio.api.validation import choice, q_bool, q_int, q_str
from webhook_studio.core.errors import PolicyError
from webhook_studio.core.matching import matches
from webhook_studio.core.profile_subscription import apply_profile
from webhook_studio.core.retry import format_policy, parse_policy, policy_from_dict
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.specs import SpecError, core_text
from webhook_studio.core.specs_records import (
    EVENT,
    EVENT_TYPE,
    RETRY_DEAD_LETTERS,
    ROTATE,
    STATS_WINDOW,
    SUBSCRIPTION,
    check_subscription,
    secret_problem,
    stats_window,
    subscription_secret_problem,
)
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender.errors import SenderError
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_queries import iso
from webhook_studio.store.sender_models import Subscription
from webhook_studio.store.sender_queries import (
    DEAD_LETTER,
    DELIVERY_KINDS,
    create_subscription,
    delete_subscription,
    delivery_stats,
    delivery_to_dict,
    get_delivery,
    get_subscription,
    list_deliveries,
    rotate_secret,
    update_subscription,
)

DELIVERY_STATES = (*(s.value for s in DeliveryState), DEAD_LETTER)


def policy_text(stored: dict[str, Any]) -> str:
    """What ``retry_policy`` reads back as: text ``parse_policy`` turns into the stored policy
    (a preset's name, a schedule or ``exp 30s x2 cap 1h 10 attempts jitter 20%``)."""
    try:
        return format_policy(policy_from_dict(stored))
    except PolicyError:
        return str(stored.get("kind"))  # damaged: say what kind it was, never fail the read


def subscription_to_dict(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id, "url": sub.url, "events": list(sub.events or []),
        "description": sub.description or "", "headers": dict(sub.headers or {}),
        "is_active": sub.active, "scheme": sub.scheme, "profile": sub.profile,
        "retry_policy": policy_text(sub.retry_policy or {}),
        "timeout": sub.timeout_seconds, "rate_per_minute": sub.rate_per_minute,
        "rate_per_hour": sub.rate_per_hour, "max_concurrency": sub.max_concurrency,
        "disabled_reason": sub.disabled_reason,
        "created_at": iso(sub.created_at), "updated_at": iso(sub.updated_at),
        "last_called_at": iso(sub.last_called_at),
    }


def _store_fields(body: dict[str, Any]) -> dict[str, Any]:
    """API names to store columns."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "is_active":
            out["active"] = value
            if value:
                out["disabled_reason"] = None
        elif key == "timeout":
            out["timeout_seconds"] = value
        elif key == "retry_policy":
            out["retry_policy"] = value.to_dict()
        elif key not in ("secret",):
            out[key] = value
    return out


def _check_secret(scheme: str, secret: str, field_name: str = "secret",
                  options: dict[str, Any] | None = None) -> None:
    if problem := secret_problem(scheme, secret, options):
        raise InvalidInput({field_name: problem})


def check_create(services: Any, raw: Any) -> dict[str, Any]:
    """POST /webhooks: the subscription spec and "its secret can sign" in one answer, under
    the named profile's scheme when there is one (``check_subscription``, as the editor)."""
    scheme, options, unknown = None, None, {}
    if isinstance(raw, dict) and isinstance(raw.get("profile"), str) and raw["profile"]:
        try:
            profile = named_profile(services.profiles, raw["profile"])
            scheme, options = profile.scheme, profile.scheme_options
        except InvalidInput as exc:
            unknown = exc.fields
    try:
        valid = check_subscription(raw, scheme=scheme, options=options)
    except SpecError as exc:
        raise SpecError({**exc.fields, **unknown}) from exc
    if unknown:
        raise SpecError(unknown)
    return valid


def _get(call: Call, sub_id: str | None = None) -> Subscription:
    with call.services.store.session() as session:
        try:
            sub = get_subscription(session, sub_id or call.path_str("id"))
        except NotFound as exc:
            raise not_found(str(exc)) from exc
        session.expunge(sub)
        return sub


def create(call: Call) -> Result:
    body = call.body  # checked by SUBSCRIPTION; the secret is checked below, once generated
    scheme, options, retry = body.get("scheme", "standard-webhooks"), None, "standard-webhooks"
    fields = _store_fields(body)
    if body.get("profile"):
        profile = named_profile(call.services.profiles, body["profile"])
        scheme, options = profile.scheme, profile.scheme_options
        apply_profile(fields, profile)  # the same rule as the window's editor
    secret = body.get("secret") or get_scheme(scheme, options).generate_secret()
    if problem := subscription_secret_problem({"secret": secret}, scheme=scheme,
                                              options=options):
        raise InvalidInput({"secret": problem})
    fields.setdefault("retry_policy", parse_policy(retry).to_dict())
    sub_id = create_subscription(call.services.store, secret=secret,
                                 now=call.services.clock.now(), **fields)
    return 201, {**subscription_to_dict(_get(call, sub_id)), "secret": secret}


def list_all(call: Call) -> Result:
    active, event = call.query["active"], call.query["event"]
    with call.services.store.session() as session:
        from sqlalchemy import select

        rows = session.scalars(select(Subscription).where(Subscription.adhoc.is_(False))
                               .order_by(Subscription.created_at, Subscription.id)).all()
        items = [subscription_to_dict(s) for s in rows
                 if (active is None or s.active == active)
                 and (event is None or matches(s.events or [], event))]
    return 200, {"items": items, "total": len(items)}


def get_one(call: Call) -> Result:
    return 200, subscription_to_dict(_get(call))


def _patch(call: Call) -> dict[str, Any]:
    _get(call)
    if call.body:
        update_subscription(call.services.store, call.path_str("id"),
                            **_store_fields(call.body))
    return subscription_to_dict(_get(call))


async def patch(call: Call) -> Result:
    changed = await off_loop(_patch, call)
    if call.body:
        call.services.wake_sender()
    return 200, changed


def delete(call: Call) -> Result:
    try:
        delete_subscription(call.services.store, call.path_str("id"))
    except NotFound as exc:
        raise not_found(str(exc)) from exc
    return 204, None


async def send_test(call: Call) -> Result:
    sub = await off_loop(_get, call)
    dispatcher = call.services.dispatcher
    delivery_id = await off_loop(dispatcher.store_test, sub.id)  # see emit below
    dispatcher.wake()
    return 202, {"delivery_id": delivery_id, "subscription_id": sub.id}


async def retry_dead_letters(call: Call) -> Result:
    """Svix's "recover": every dead letter of the subscription (created in the last
    ``since``, when given) is due now, retried under the subscription's current URL, secret
    and headers. Written in a worker thread, like every sender route."""
    sub = await off_loop(_get, call)
    since = call.body.get("since")
    after = None if since is None else call.services.clock.now() - since
    dispatcher = call.services.dispatcher
    ids = await off_loop(partial(dispatcher.store_retry_dead_letters, sub.id, since=after))
    dispatcher.changed_many(ids, DeliveryState.PENDING)
    return 202, {"subscription_id": sub.id, "retried": len(ids), "delivery_ids": ids}


def deliveries(call: Call) -> Result:
    sub = _get(call)
    with call.services.store.session() as session:
        rows = list_deliveries(session, subscription_id=sub.id, state=call.query["state"],
                               limit=call.query["limit"], offset=call.query["offset"])
        items = [delivery_to_dict(session, d) for d in rows]
    return 200, {"items": items, "limit": call.query["limit"], "offset": call.query["offset"]}


def events_available(call: Call) -> Result:
    return 200, available_events(call.services.extra_events)


def rotate(call: Call) -> Result:
    sub = _get(call)
    secret = (call.body.get("secret")
              or get_scheme(sub.scheme, sub.scheme_options).generate_secret())
    _check_secret(sub.scheme, secret, options=sub.scheme_options)
    kwargs: dict[str, Any] = {"now": call.services.clock.now()}
    if "overlap_seconds" in call.body:
        kwargs["overlap"] = call.body["overlap_seconds"]
    expiry = rotate_secret(call.services.store, sub.id, secret, **kwargs)
    return 200, {"id": sub.id, "new_secret": secret, "old_secret_expiry": iso(expiry)}


async def emit(call: Call) -> Result:
    sub_id = call.body.get("subscription_id")
    if sub_id is not None:
        await off_loop(_get, call, sub_id)
    # The event and its deliveries are written in a worker thread (a store another program
    # holds locked stalls this request, not the receiver and window sharing the loop), then
    # the dispatcher is woken on its loop.
    dispatcher = call.services.dispatcher
    grouped = await off_loop(partial(dispatcher.store_events,
                                     [(call.body["type"], call.body["data"], sub_id)]))
    dispatcher.wake()
    return 202, {"delivery_ids": grouped[0]}


def delivery_stats_route(call: Call) -> Result:
    """Seed 004's monitoring query per event type, plus attempt latency percentiles."""
    window = call.query["since"]  # None: not given; 0: all
    with call.services.store.session() as session:
        return 200, delivery_stats(session, call.services.clock.now(),
                                   STATS_WINDOW if window is None else window or None)


def _delivery(call: Call) -> dict[str, Any]:
    with call.services.store.session() as session:
        try:
            return delivery_to_dict(session, get_delivery(session, call.path_str("id")))
        except NotFound as exc:
            raise not_found(str(exc)) from exc


def get_delivery_route(call: Call) -> Result:
    return 200, _delivery(call)


def _delivery_by_id(call: Call, delivery_id: str) -> dict[str, Any]:
    with call.services.store.session() as session:
        return delivery_to_dict(session, get_delivery(session, delivery_id))


async def retry_delivery(call: Call) -> Result:
    if (await off_loop(_delivery, call))["kind"] == "replay":  # replay it again
        from webhook_studio.relay.replay import replay_again

        result = await replay_again(call.services.store, call.path_str("id"),
                                    clock=call.services.clock.now,
                                    profiles=call.services.profiles.get)
        return 201, await off_loop(_delivery_by_id, call, result.delivery_id)
    dispatcher = call.services.dispatcher
    try:
        await off_loop(dispatcher.store_retry, call.path_str("id"))
    except SenderError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    dispatcher.changed(call.path_str("id"), DeliveryState.PENDING)
    return 202, await off_loop(_delivery, call)


def deliveries_all(call: Call) -> Result:
    q = call.query
    with call.services.store.session() as session:
        rows = list_deliveries(session, state=q["state"], kind=q["kind"], limit=q["limit"],
                               offset=q["offset"])
        items = [delivery_to_dict(session, d) for d in rows]
    return 200, {"items": items, "limit": q["limit"], "offset": q["offset"]}


async def cancel_delivery(call: Call) -> Result:
    await off_loop(_delivery, call)
    dispatcher = call.services.dispatcher
    try:
        await off_loop(dispatcher.store_cancel, call.path_str("id"))
    except SenderError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    dispatcher.changed(call.path_str("id"), DeliveryState.CANCELLED)
    return 200, await off_loop(_delivery, call)


_page = (q_int("limit", 1, 500, 50), q_int("offset", 0, 10**9, 0))
_SUB = SUBSCRIPTION_OUT

ROUTES = (
    Route("POST", "/webhooks", create, "Create a subscription (returns its secret once)",
          "webhooks", body=SUBSCRIPTION, check=check_create, status=201, response=_SUB,
          errors=(422,)),
    Route("GET", "/webhooks", list_all, "List subscriptions", "webhooks",
          query=(q_bool("active"), q_str("event", EVENT_TYPE,
                                          "only subscriptions that receive this type")),
          errors=(422,)),
    Route("GET", "/webhooks/events/available", events_available,
          "Event types known, by category", "webhooks"),
    Route("GET", "/webhooks/{id}", get_one, "One subscription (no secret)", "webhooks",
          response=_SUB, errors=(404,)),
    Route("PATCH", "/webhooks/{id}", patch, "Change a subscription", "webhooks",
          body=SUBSCRIPTION, partial=True, response=_SUB, errors=(404, 422)),
    Route("DELETE", "/webhooks/{id}", delete, "Delete a subscription", "webhooks",
          status=204, errors=(404,)),
    Route("POST", "/webhooks/{id}/test", send_test, "Send a webhook.test event", "webhooks",
          status=202, errors=(404,)),
    Route("POST", "/webhooks/{id}/dead-letters/retry", retry_dead_letters,
          "Retry the subscription's dead letters now (all, or those created in the last "
          "`since`)", "webhooks", body=RETRY_DEAD_LETTERS, body_optional=True, status=202,
          errors=(404, 422)),
    Route("GET", "/webhooks/{id}/deliveries", deliveries, "Delivery history", "webhooks",
          query=(q_str("state", choice(DELIVERY_STATES)), *_page), errors=(404, 422)),
    Route("POST", "/webhooks/{id}/security/rotate-secret", rotate,
          "Rotate the signing secret; the old one signs until old_secret_expiry", "webhooks",
          body=ROTATE, body_optional=True, errors=(404, 422)),
    Route("POST", "/events", emit, "Emit an event to every matching active subscription",
          "events", body=EVENT, status=202, errors=(404, 422)),
    Route("GET", "/deliveries", deliveries_all,
          "Deliveries and replays, newest first (state=dead_letter: failed subscription "
          "deliveries; replays are never dead letters)", "deliveries",
          query=(q_str("state", choice(DELIVERY_STATES)),
                 q_str("kind", choice(DELIVERY_KINDS), "delivery (a subscription's) or "
                       "replay (of a capture)"), *_page), errors=(422,)),
    Route("GET", "/deliveries/stats", delivery_stats_route,
          "Per event type: total_deliveries, successful, avg_attempts and attempt latency "
          "percentiles (latency_ms p50/p95/p99) of subscriptions' deliveries (replays are "
          "not counted)", "deliveries",
          query=(q_str("since", core_text(stats_window, {"examples": ["24h", "7d", "all"]},
                                          max_len=40),
                       "only deliveries created this long ago or less (default 24h; all)"),),
          errors=(422,)),
    Route("GET", "/deliveries/{id}", get_delivery_route, "A delivery with its attempts",
          "deliveries", errors=(404,)),
    Route("POST", "/deliveries/{id}/retry", retry_delivery,
          "Retry a delivery now (202); a replay is replayed again as a new replay (201)",
          "deliveries", status=202, errors=(404, 409)),
    Route("POST", "/deliveries/{id}/cancel", cancel_delivery, "Cancel a pending delivery",
          "deliveries", errors=(404, 409)),
)
