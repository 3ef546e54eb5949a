"""Replay a capture to any URL: as it was, or re-signed with a fresh id and timestamp.

Every replay is recorded as a delivery (``source_capture_id`` = the capture) with its attempt,
so it shows on the retry timeline like any other. A replay is not a subscription's delivery: it
has one attempt and no retries, so a failed one is not a dead letter
(``store.sender_queries.IS_REPLAY``); retrying it replays the capture again
(:func:`replay_again`), as a new record. Its ad-hoc subscription keeps how it was re-signed
(scheme, options, profile and secret), so a retry re-signs the same way with a fresh id.

Edit-and-resend stores the edited request as a new capture (``source="edited"``,
``edited_from`` = original) and replays that: the original is never modified, and the delivery
says which version was sent.

The target is checked before anything is stored or sent (:func:`target_problem`): a URL
without ``http://`` is a sentence for the person, not a failed delivery with a socket error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from webhook_studio.core.errors import CoreError
from webhook_studio.core.limits import RESPONSE_BODY_CAP
from webhook_studio.core.message import SignInput
from webhook_studio.core.profiles import Profile
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.validation import url_problem
from webhook_studio.core.vocabulary import (
    AttemptOutcome,
    CaptureState,
    DeliveryState,
    outcome_for_status,
)
from webhook_studio.relay.errors import BadReplayTarget, NotAReplay
from webhook_studio.relay.headers import forwardable
from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.transport import make_client
from webhook_studio.store import NotFound, Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import (
    Attempt,
    Delivery,
    Event,
    Subscription,
    SubscriptionSecret,
)
from webhook_studio.store.sender_queries import new_id

BODY_CAP = RESPONSE_BODY_CAP
#: Profile header templates whose value is new for every delivery: a re-signed replay renews
#: them, or the receiver flags the replay as a duplicate of its original (or refuses a nonce).
PER_DELIVERY_TEMPLATES = frozenset({"$delivery_id", "$nonce", "$id"})


def target_problem(url: str) -> str | None:
    """Why ``url`` cannot be a replay target (a sentence), or None when it can."""
    if any(c in url for c in " \t\r\n"):
        return "The target URL has spaces or line breaks in it; give a URL like " \
               "http://localhost:3000/webhook."
    if problem := url_problem(url):
        if "://" not in url:
            return f"{url!r} is not a full URL: write http://{url} (or https://)."
        return problem
    return None


def check_target(url: str) -> str:
    if problem := target_problem(url):
        raise BadReplayTarget(problem)
    return url


@dataclass(frozen=True)
class Resign:
    """Re-sign under this scheme and secret with a fresh id and the current time.

    With a provider ``profile``, its scheme and options are used, and the profile's per-attempt
    headers (a nonce, a delivery id) are made fresh too, so the replay passes a receiver that
    refuses a nonce twice.
    """

    scheme: str
    secret: str
    options: dict[str, Any] | None = None
    profile: Profile | None = None

    @classmethod
    def for_profile(cls, profile: Profile, secret: str) -> Resign:
        return cls(profile.scheme, secret, profile.scheme_options, profile)

    @classmethod
    def for_scheme(cls, scheme: str, secret: str,
                   profiles: Callable[[str], Profile] | None = None) -> Resign:
        """Re-sign under a scheme; when a built-in profile has the scheme's name and signs
        with it (github, stripe, svix…), its per-delivery headers are renewed too, so a
        re-signed GitHub replay gets a new X-GitHub-Delivery, not its original's."""
        try:
            profile = (profiles or _library_profile)(scheme)
        except CoreError:
            profile = None
        if profile is not None and profile.scheme == scheme and not profile.scheme_options:
            return cls(scheme, secret, None, profile)
        return cls(scheme, secret)


@dataclass(frozen=True)
class Edit:
    """Changes made before resending; None keeps the captured value."""

    method: str | None = None
    headers: Sequence[tuple[str, str]] | None = None
    body: bytes | None = None


@dataclass(frozen=True)
class ReplayResult:
    delivery_id: str
    capture_id: int
    status: int | None
    outcome: str
    error: str | None
    duration_ms: float
    request_headers: list[tuple[str, str]]
    #: The original capture when ``capture_id`` is an edited copy of it.
    edited_from: int | None = None
    url: str = ""
    method: str = "POST"


def resigned_headers(headers: list[tuple[str, str]], body: bytes, url: str, resign: Resign,
                     now: float) -> list[tuple[str, str]]:
    """The captured headers with the scheme's own headers replaced by fresh ones."""
    scheme = get_scheme(resign.scheme, resign.options)
    message_id = new_id("msg")
    fresh = scheme.sign(resign.secret, SignInput(body, message_id, int(now), url))
    if resign.profile is not None:
        fresh = {**renewed_headers(resign.profile, message_id, int(now)), **fresh}
    replaced = {name.lower() for name in fresh}
    if resign.scheme == "standard-webhooks":  # svix-* and webhook-* both stand for it
        replaced |= {"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id",
                     "svix-timestamp", "svix-signature"}
    kept = [(k, v) for k, v in headers if k.lower() not in replaced]
    return kept + list(fresh.items())


def renewed_headers(profile: Profile, message_id: str, now: int) -> dict[str, str]:
    """Fresh values for every header the profile makes new per delivery: those whose template
    is ``$delivery_id``, ``$nonce`` or ``$id``, and its ``duplicate_header``."""
    rendered = profile.delivery_headers("", message_id, now)
    out = {k: rendered[k] for k, v in profile.headers.items() if v in PER_DELIVERY_TEMPLATES}
    dup = profile.duplicate_header
    if dup and dup.lower() not in {k.lower() for k in out}:
        out[dup] = message_id
    return out


def save_edited_copy(store: Store, capture_id: int, edit: Edit, now: float) -> int:
    with store.session() as session:
        original = session.get(Capture, capture_id)
        if original is None:
            raise NotFound(f"No capture with id {capture_id}.")
        body = original.body if edit.body is None else edit.body
        copy = Capture(
            endpoint_id=original.endpoint_id, received_at=now,
            method=(edit.method or original.method).upper(), path=original.path,
            query=original.query,
            headers=[list(h) for h in edit.headers] if edit.headers is not None
            else list(original.headers), body=body, body_size=len(body),
            content_type=original.content_type, content_encoding=original.content_encoding,
            remote_addr=None, state=CaptureState.CAPTURED, source="edited", edited_from=original.id)
        session.add(copy)
        session.flush()
        return copy.id


async def replay_capture(store: Store, capture_id: int, url: str, *,
                         resign: Resign | None = None, edit: Edit | None = None,
                         client: httpx.AsyncClient | None = None, timeout_s: float = 15.0,
                         clock: Callable[[], float] = time.time) -> ReplayResult:
    check_target(url)
    now = clock()
    edited_from = None
    if edit is not None:
        edited_from = capture_id
        capture_id = save_edited_copy(store, capture_id, edit, now)
    with store.session() as session:
        capture = session.get(Capture, capture_id)
        if capture is None:
            raise NotFound(f"No capture with id {capture_id}.")
        method, body = capture.method, capture.body or b""
        headers = forwardable(capture.headers or [])
    if resign is not None:
        headers = resigned_headers(headers, body, url, resign, now)
    own = client is None
    http = client or make_client()
    started = time.perf_counter()
    status: int | None = None
    response_headers: list[list[str]] = []
    response_body = b""
    error = None
    try:
        response = await http.request(method, url, content=body, headers=headers,
                                       timeout=timeout_s)
        status = response.status_code
        response_headers = [[k, v] for k, v in response.headers.multi_items()]
        response_body = response.content[:BODY_CAP]
        outcome = outcome_for_status(status)
    except httpx.HTTPError as exc:
        outcome, error = classify_transport_error(exc, timeout_s)
    finally:
        if own:
            await http.aclose()
    duration = (time.perf_counter() - started) * 1000
    delivery_id = _record(store, capture_id, url, method, headers, body, status,
                          response_headers, response_body, outcome, error, duration, now,
                          resign)
    return ReplayResult(delivery_id, capture_id, status, outcome, error, round(duration, 2),
                        headers, edited_from, url, method)


def _record(store: Store, capture_id: int, url: str, method: str,
            headers: list[tuple[str, str]], body: bytes, status: int | None,
            response_headers: list[list[str]], response_body: bytes, outcome: str,
            error: str | None, duration: float, now: float, resign: Resign | None) -> str:
    """The replay as a delivery with one attempt, in the dispatcher's words (one vocabulary:
    the timeline, filters and API read replays and deliveries alike)."""
    delivery_id = new_id("msg")
    event_id = new_id("evt")
    sub_id = new_id("wh")
    state = DeliveryState.DELIVERED if outcome == AttemptOutcome.SUCCESS else \
        DeliveryState.FAILED
    with store.session() as session:
        session.add(Subscription(id=sub_id, url=url, description=f"replay of capture "
                                 f"#{capture_id}", events=[], headers={}, active=False,
                                 scheme=resign.scheme if resign else "none", adhoc=True,
                                 scheme_options=resign.options if resign else None,
                                 profile=resign.profile.name if resign and resign.profile
                                 else None,
                                 retry_policy={"kind": "schedule", "delays": [0]},
                                 created_at=now, updated_at=now))
        session.add(Event(id=event_id, type=f"replay.{method.lower()}", payload=body,
                          created_at=now))
        session.flush()
        if resign is not None:  # so a retry re-signs the same way (replay_again)
            session.add(SubscriptionSecret(subscription_id=sub_id, secret=resign.secret,
                                           created_at=now))
        session.add(Delivery(id=delivery_id, event_id=event_id, subscription_id=sub_id,
                             event_type="replay" + (" (re-signed)" if resign else ""),
                             target_url=url, state=state, attempt_count=1,
                             source_capture_id=capture_id, created_at=now, updated_at=now,
                             final_reason=None if state == DeliveryState.DELIVERED else
                             (error or f"HTTP {status}")))
        session.flush()
        session.add(Attempt(delivery_id=delivery_id, number=1, started_at=now,
                            finished_at=now + duration / 1000,
                            request_headers=[list(h) for h in headers], request_body=body,
                            response_status=status, response_headers=response_headers,
                            response_body=response_body, duration_ms=duration,
                            outcome=str(outcome),
                            error_class=None, error_message=error))
    return delivery_id


@dataclass
class BulkProgress:
    total: int
    done: int = 0
    succeeded: int = 0
    failed: int = 0


async def bulk_replay(store: Store, capture_ids: Sequence[int], url: str, *,
                      pacing: float = 0.0, resign: Resign | None = None,
                      on_progress: Callable[[BulkProgress], None] | None = None,
                      client: httpx.AsyncClient | None = None) -> BulkProgress:
    """Replay captures in the order they were received, one at a time, ``pacing`` seconds
    apart; cancel the task to stop (what was sent stays recorded). A bad target raises
    BadReplayTarget before anything is sent."""
    check_target(url)
    with store.session() as session:
        rows = session.query(Capture.id, Capture.received_at).filter(
            Capture.id.in_(list(capture_ids))).all()
    ordered = [cid for cid, _ in sorted(rows, key=lambda r: (r[1], r[0]))]
    progress = BulkProgress(total=len(ordered))
    own = client is None
    http = client or make_client()
    try:
        for index, capture_id in enumerate(ordered):
            if index and pacing > 0:
                await asyncio.sleep(pacing)
            result = await replay_capture(store, capture_id, url, resign=resign, client=http)
            progress.done += 1
            if result.outcome == AttemptOutcome.SUCCESS:
                progress.succeeded += 1
            else:
                progress.failed += 1
            if on_progress is not None:
                on_progress(progress)
    finally:
        if own:
            await http.aclose()
    return progress


async def replay_again(store: Store, delivery_id: str, *,
                       client: httpx.AsyncClient | None = None, timeout_s: float = 15.0,
                       clock: Callable[[], float] = time.time,
                       profiles: Callable[[str], Profile] | None = None) -> ReplayResult:
    """Retry a replay: send its capture again to the same URL, re-signed as it was (with a
    fresh id and timestamp), as a new replay record; the earlier record stays as it is.

    ``profiles`` looks up a profile by name (default: the profile library), for a replay
    that was re-signed as a provider profile.
    """
    with store.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            raise NotFound(f"No delivery with id {delivery_id}.")
        if delivery.source_capture_id is None:
            raise NotAReplay(f"Delivery {delivery_id} belongs to a subscription, not a "
                             "replay; retry it with retry now.")
        capture_id, url = delivery.source_capture_id, delivery.target_url
        sub = session.get(Subscription, delivery.subscription_id)
        secret = session.scalars(select(SubscriptionSecret.secret).where(
            SubscriptionSecret.subscription_id == delivery.subscription_id)).first()
        scheme = sub.scheme if sub is not None else "none"
        options = sub.scheme_options if sub is not None else None
        profile_name = sub.profile if sub is not None else None
    resign = None
    if scheme != "none" and secret:
        profile = None
        if profile_name:
            profile = (profiles or _library_profile)(profile_name)
        resign = Resign(scheme, secret, options, profile)
    return await replay_capture(store, capture_id, url, resign=resign, client=client,
                                timeout_s=timeout_s, clock=clock)


def _library_profile(name: str) -> Profile:
    from webhook_studio.profile_library import ProfileLibrary

    return ProfileLibrary.load().get(name)
