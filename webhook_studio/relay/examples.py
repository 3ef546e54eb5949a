"""The sample workspace ("Load examples") and the signed test webhook of the first-run screen.

Examples go through the real receiver: each one is a request signed the way its provider
signs, posted over HTTP to the running receiver (or a temporary one), so the Inbox shows real
captures with real verdicts, and the one deliberately broken request (a body re-serialized
after signing, the commonest mistake) shows how a failure is explained. Subscriptions,
deliveries and attempts are written as a sender would have left them: delivered, retried then
delivered, a dead letter, one waiting for its next try, so Deliveries, the retry timeline and
the latency chart all have something to show.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from webhook_studio.core.copy_as import RequestCopy
from webhook_studio.core.message import SignInput
from webhook_studio.core.profiles import Profile
from webhook_studio.core.schemes import Scheme, get_scheme
from webhook_studio.core.vocabulary import AttemptOutcome, DeliveryState, outcome_for_status
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Endpoint
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_models import Attempt, Delivery, Event
from webhook_studio.store.sender_queries import create_subscription, new_id

#: Providers the sample workspace receives from: (profile, endpoint path).
EXAMPLE_ENDPOINTS = (("github", "/examples/github"), ("stripe", "/examples/stripe"),
                     ("shopify", "/examples/shopify"), ("slack", "/examples/slack"),
                     ("standard-webhooks", "/examples/standard"))
TEST_EVENT = "test.webhook"


def new_secret() -> str:
    """A ``whsec_`` secret: Standard Webhooks decodes its base64 part, the others use it as
    it is, so one shape suits every example."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def signed_request(url: str, *, profile: Profile | None, scheme: str | None,
                   scheme_options: dict[str, Any] | None, secret: str | None, now: float,
                   event_type: str | None = None) -> RequestCopy:
    """A POST that the endpoint will find valid: the profile's body and headers for one of
    its catalog events (or a small JSON test event), signed with ``secret`` at ``now``.
    Without a scheme or a secret it is sent unsigned (the endpoint does not verify)."""
    event_id = f"evt_{secrets.token_hex(10)}"
    stamp = int(now)
    headers: dict[str, str] = {"Content-Type": "application/json"}
    scheme_obj: Scheme | None
    if profile is not None and profile.events:
        event = event_type or profile.events[0].type
        body = profile.envelope(event, profile.sample_data(event), event_id, now)
        headers.update(profile.delivery_headers(event, event_id, stamp))
        scheme_obj = profile.make_scheme()
    else:
        body = json.dumps({"type": event_type or TEST_EVENT, "id": event_id,
                           "data": {"message": "Hello from Webhook Studio"}},
                          separators=(",", ":")).encode()
        scheme_obj = get_scheme(scheme, scheme_options) if scheme else None
    if scheme_obj is not None and secret:
        headers.update(scheme_obj.sign(secret, SignInput(body=body, id=event_id,
                                                         timestamp=stamp, url=url)))
    return RequestCopy("POST", url, list(headers.items()), body)


def endpoint_test_request(endpoint: Endpoint, base_url: str, now: float,
                          profiles: Callable[[str], Profile | None]) -> RequestCopy:
    """The "Send a test webhook" request for a stored endpoint, signed with its first
    secret against the URL it verifies (its public URL when it has one)."""
    # the whole URL the provider calls (the receiver verifies against exactly it), not a base
    url = endpoint.public_url or base_url.rstrip("/") + endpoint.path
    profile = profiles(endpoint.profile) if endpoint.profile else None
    return signed_request(url, profile=profile, scheme=endpoint.scheme,
                          scheme_options=endpoint.scheme_options,
                          secret=endpoint.secrets[0] if endpoint.secrets else None, now=now)


async def post(client: httpx.AsyncClient, request: RequestCopy, to: str) -> int:
    """Send ``request`` to the receiver at ``to`` (its URL's path kept); the status."""
    path = "/" + request.url.split("://", 1)[-1].split("/", 1)[-1]
    response = await client.request(request.method, to.rstrip("/") + path,
                                    headers=list(request.headers), content=request.body)
    return response.status_code


@dataclass
class ExamplesReport:
    endpoints: list[int] = field(default_factory=list)
    captures_sent: int = 0
    subscriptions: list[str] = field(default_factory=list)
    deliveries: int = 0

    def sentence(self) -> str:
        return (f"Loaded examples: {len(self.endpoints)} endpoints, {self.captures_sent} "
                f"captures, {len(self.subscriptions)} subscriptions, {self.deliveries} "
                "deliveries.")


def ensure_example_endpoints(store: Store, profiles: Callable[[str], Profile | None]
                             ) -> list[tuple[int, Profile, str, str]]:
    """``(endpoint id, profile, path, secret)`` for each example provider, made if missing
    (loading the examples twice reuses them)."""
    out = []
    for name, path in EXAMPLE_ENDPOINTS:
        profile = profiles(name)
        if profile is None:
            continue
        with store.session() as session:
            row = session.scalar(select(Endpoint).where(Endpoint.path == path))
            found = (row.id, (row.secrets or [""])[0]) if row else None
        if found is None:
            secret = new_secret()
            endpoint_id = create_endpoint(store, path=path, name=f"{profile.title} (example)",
                                          profile=name, scheme=profile.scheme,
                                          scheme_options=profile.scheme_options,
                                          secrets=[secret])
            found = (endpoint_id, secret)
        out.append((found[0], profile, path, found[1]))
    return out


async def send_example_captures(client: httpx.AsyncClient, receiver_url: str,
                                endpoints: list[tuple[int, Profile, str, str]], now: float
                                ) -> int:
    """Two catalog events per provider, signed validly, and one GitHub push whose body was
    pretty-printed after signing (invalid, with the mistake named)."""
    sent = 0
    for _id, profile, path, secret in endpoints:
        for event in profile.events[:2]:
            request = signed_request(receiver_url + path, profile=profile,
                                     scheme=profile.scheme, scheme_options=None,
                                     secret=secret, now=now, event_type=event.type)
            await post(client, request, receiver_url)
            sent += 1
        if profile.name == "github":
            good = signed_request(receiver_url + path, profile=profile, scheme=profile.scheme,
                                  scheme_options=None, secret=secret, now=now,
                                  event_type="push")
            pretty = json.dumps(json.loads(good.body), indent=2).encode()
            await post(client, RequestCopy("POST", good.url, good.headers, pretty),
                       receiver_url)
            sent += 1
    return sent


#: An attempt: (status or None for no answer, duration ms, seconds after the previous one).
_Try = tuple[int | None, float, float]
#: (description, events, target, deliveries as (event type, state, attempts)).
_SUBSCRIPTIONS: tuple[tuple[str, list[str], str, list[tuple[str, str, list[_Try]]]], ...] = (
    ("Orders service (example)", ["order.*"], "http://127.0.0.1:3000/webhooks/orders",
     [("order.created", DeliveryState.DELIVERED, [(200, 84.0, 0)]),
      ("order.paid", DeliveryState.DELIVERED, [(503, 1210.0, 0), (200, 96.0, 5)]),
      ("order.refunded", DeliveryState.PENDING, [(None, 10_000.0, 0)])]),
    ("Billing (example)", ["invoice.*", "customer.*"], "https://billing.example.test/hooks",
     [("invoice.paid", DeliveryState.DELIVERED, [(200, 240.0, 0)]),
      ("customer.deleted", DeliveryState.FAILED,
       [(500, 310.0, 0), (500, 290.0, 5), (500, 305.0, 300), (500, 280.0, 1800)])]),
)


def write_example_deliveries(store: Store, now: float) -> tuple[list[str], int]:
    """Subscriptions with a delivery history, as the sender records it (signed requests,
    answered statuses, timings), ending within the last hour so the chart shows them."""
    subs, count = [], 0
    scheme = get_scheme("standard-webhooks")
    for description, events, url, deliveries in _SUBSCRIPTIONS:
        secret = new_secret()
        sub_id = create_subscription(store, secret=secret, url=url, description=description,
                                     events=events, scheme="standard-webhooks",
                                     retry_policy={"kind": "schedule",
                                                   "delays": [0, 5, 300, 1800]},
                                     now=now - 3600)
        subs.append(sub_id)
        for index, (event_type, state, attempts) in enumerate(deliveries):
            count += 1
            started = now - 3000 + index * 420 + len(subs) * 60
            event_id, delivery_id = new_id("evt"), new_id("msg")
            payload = json.dumps({"type": event_type, "data": {"id": f"ex_{index}"}},
                                 separators=(",", ":")).encode()
            with store.session() as session:
                session.add(Event(id=event_id, type=event_type, payload=payload,
                                  created_at=started))
                session.flush()
                at = started
                last = len(attempts)
                session.add(Delivery(
                    id=delivery_id, event_id=event_id, subscription_id=sub_id,
                    event_type=event_type, target_url=url, state=state, attempt_count=last,
                    next_attempt_at=now + 300 if state == DeliveryState.PENDING else None,
                    final_reason="Gave up after 4 attempts: 500 Internal Server Error"
                    if state == DeliveryState.FAILED else None, created_at=started, updated_at=now))
                session.flush()
                for number, (status, ms, delay) in enumerate(attempts, 1):
                    at += delay
                    headers = {"Content-Type": "application/json",
                               **scheme.sign(secret, SignInput(payload, delivery_id, int(at)))}
                    outcome = (outcome_for_status(status) if status
                               else AttemptOutcome.TIMEOUT)
                    session.add(Attempt(
                        delivery_id=delivery_id, number=number, started_at=at,
                        finished_at=at + ms / 1000, request_headers=list(map(list,
                                                                             headers.items())),
                        request_body=payload, response_status=status,
                        response_headers=[["Content-Type", "application/json"]] if status
                        else [], response_body=b'{"ok":true}' if status == 200 else b"",
                        response_size=11 if status == 200 else 0, duration_ms=ms,
                        outcome=outcome,
                        error_class=None if status else str(AttemptOutcome.TIMEOUT),
                        error_message=None if status else "No answer within 10 s.",
                        next_attempt_at=None))
    return subs, count


async def load_examples(store: Store, profiles: Callable[[str], Profile | None], *,
                        receiver_url: str, now: float,
                        reload_endpoints: Callable[[], None] | None = None) -> ExamplesReport:
    """Fill an empty (or any) workspace with examples. ``receiver_url`` is the running
    receiver; ``reload_endpoints`` tells it about the example endpoints first."""
    import asyncio

    report = ExamplesReport()
    # store writes off the event loop: the window's loop keeps painting meanwhile
    endpoints = await asyncio.to_thread(ensure_example_endpoints, store, profiles)
    report.endpoints = [e[0] for e in endpoints]
    if reload_endpoints is not None:
        reload_endpoints()
    async with httpx.AsyncClient(timeout=30.0, trust_env=False) as client:
        report.captures_sent = await send_example_captures(client, receiver_url, endpoints,
                                                           now)
    report.subscriptions, report.deliveries = await asyncio.to_thread(
        write_example_deliveries, store, now)
    return report
