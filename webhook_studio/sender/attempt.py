"""Making one attempt: sign, send under a total deadline, read a bounded answer, judge it.

Why not ``client.post(..., timeout=t)``: httpx's timeout limits each socket operation, so a
target that drips a byte a second never trips it (an attempt with ``--timeout 5`` ran for
almost five minutes and was recorded as delivered); and ``response.content`` buffers the whole
body (a 1 GiB answer took the sender to 2.1 GiB). Here the whole exchange, connect to last
byte, runs under one ``asyncio.timeout``, and the body is streamed: the first ``cap`` bytes
are kept, the rest is read, counted and dropped.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from webhook_studio.core.clock import Clock
from webhook_studio.core.responses import Decision, Judgement, judge_error, judge_status
from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.schemes import Scheme, get_scheme
from webhook_studio.core.vocabulary import AttemptOutcome, DeliveryState
from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.jobs import Job, Result
from webhook_studio.sender.queue import options_key
from webhook_studio.sender.transport import SenderClient

RESPONSE_BODY_CAP = 64 * 1024
#: ``(profile, event_type, delivery_id, timestamp) -> extra headers`` for provider profiles.
HeaderHook = Callable[[str | None, str, str, int], dict[str, str]]
log = logging.getLogger("webhook_studio.sender")


@dataclass
class Reply:
    """What came back, possibly incomplete (``complete`` is False after a deadline)."""

    status: int | None = None
    headers: list[list[str]] = field(default_factory=list)
    retry_after: str | None = None
    body: bytearray = field(default_factory=bytearray)
    size: int = 0
    complete: bool = False


class DeadlineExceeded(Exception):
    """The attempt's total deadline passed; ``reply`` holds whatever had arrived."""

    def __init__(self, reply: Reply, timeout: float) -> None:
        super().__init__(f"deadline of {timeout:g} s passed")
        self.reply = reply
        self.timeout = timeout

    def sentence(self) -> str:
        reply = self.reply
        if reply.status is None:
            return f"No response within {self.timeout:g} s (the deadline covers the whole " \
                   "attempt, connect to last byte)."
        return (f"The response did not finish within {self.timeout:g} s: HTTP "
                f"{reply.status} arrived, then {reply.size} byte(s) of its body before the "
                "deadline (it covers the whole attempt, connect to last byte).")


async def exchange(client: SenderClient, url: str, body: bytes, headers: dict[str, str],
                   deadline_s: float, cap: int) -> Reply:
    """POST ``body`` and read the answer within ``deadline_s`` seconds in total.

    Raises :class:`DeadlineExceeded` when the deadline passes, ``httpx.HTTPError`` when the
    transport fails (classified by ``sender/errors.py``).
    """
    reply = Reply()
    try:
        async with asyncio.timeout(deadline_s):
            response = await client.post_direct(_url(url), body, headers,
                                                _timeout(deadline_s))
            try:
                reply.status = response.status_code
                reply.headers = [[k, v] for k, v in response.headers.multi_items()]
                reply.retry_after = response.headers.get("Retry-After")
                async for chunk in response.aiter_raw():
                    reply.size += len(chunk)
                    room = cap - len(reply.body)
                    if room > 0:
                        reply.body += chunk[:room]
                reply.complete = True
            finally:
                await response.aclose()
    except TimeoutError as exc:
        raise DeadlineExceeded(reply, deadline_s) from exc
    return reply


@functools.lru_cache(maxsize=1024)
def _url(url: str) -> httpx.URL:
    """Each target's URL parsed once: httpx re-parses a string URL (and re-validates an IP
    host) on every request, ~15 % of building one (py-spy, docs/benchmarks.md)."""
    return httpx.URL(url)


@functools.lru_cache(maxsize=64)
def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds)


class AttemptMaker:
    """Signs, sends and judges one job; holds what attempts share (client, scheme cache)."""

    def __init__(self, client: SenderClient, clock: Clock, rng: random.Random,
                 header_hook: HeaderHook | None) -> None:
        self.client = client
        self.clock = clock
        self.rng = rng
        self.header_hook = header_hook
        self._schemes: dict[tuple[str, str], Scheme] = {}

    def _scheme(self, job: Job) -> Scheme:
        key = (job.scheme, options_key(job.scheme_options))
        if key not in self._schemes:
            self._schemes[key] = get_scheme(job.scheme, job.scheme_options)
        return self._schemes[key]

    def _sign(self, job: Job) -> dict[str, str]:
        from webhook_studio.sender.signing import signed_headers

        timestamp = int(self.clock.now())
        extra = (self.header_hook(job.profile, job.event_type, job.delivery_id, timestamp)
                 if self.header_hook is not None else None)
        return signed_headers(self._scheme(job), job.secrets, job.body,
                              message_id=job.delivery_id, timestamp=timestamp, url=job.url,
                              headers=job.headers, profile_headers=extra)

    async def make(self, job: Job) -> Result:
        started_at = self.clock.now()
        started = time.perf_counter()
        reply = Reply()
        error_class: str | None = None
        headers: dict[str, str] = {}
        try:
            headers = self._sign(job)
        except Exception as exc:  # a bad secret or scheme: record it, do not kill the loop
            judgement = Judgement(Decision.GIVE_UP, AttemptOutcome.SIGNING_ERROR,
                                  f"Could not sign the request: {exc}")
            error_class = type(exc).__name__
        else:
            try:
                reply = await exchange(self.client, job.url, job.body, headers, job.timeout,
                                       RESPONSE_BODY_CAP)
                judgement = judge_status(reply.status or 0, reply.retry_after,
                                         self.clock.now())
            except DeadlineExceeded as exc:
                reply = exc.reply
                judgement = judge_error(AttemptOutcome.TIMEOUT, exc.sentence())
                error_class = type(exc).__name__
            except httpx.HTTPError as exc:
                judgement = judge_error(*classify_transport_error(exc, job.timeout))
                error_class = type(exc).__name__
            except Exception as exc:  # not the target's fault we know of: retry by policy
                log.warning("Attempt %d of %s failed unexpectedly: %r", job.number,
                            job.delivery_id, exc)
                judgement = judge_error(AttemptOutcome.CONNECTION_ERROR,
                                        "The attempt failed unexpectedly "
                                        f"({type(exc).__name__}: {exc}).")
                error_class = type(exc).__name__
        duration_ms = (time.perf_counter() - started) * 1000
        state, next_at, reason = self.decide(job, judgement)
        return Result(job, started_at, self.clock.now(), [[k, v] for k, v in headers.items()],
                      reply.status, reply.headers, bytes(reply.body),
                      reply.size if reply.status is not None else None, duration_ms,
                      judgement.outcome, error_class,
                      None if state == DeliveryState.DELIVERED else judgement.reason, state,
                      next_at, reason)

    def decide(self, job: Job, judgement: Judgement) -> tuple[str, float | None, str | None]:
        """``(state, next attempt time, reason)`` after this attempt."""
        if judgement.decision is Decision.DELIVERED:
            return DeliveryState.DELIVERED, None, None
        if judgement.decision is Decision.DISABLE:
            return DeliveryState.DISABLED, None, judgement.reason
        if judgement.decision is Decision.GIVE_UP:
            return DeliveryState.FAILED, None, judgement.reason
        delay = policy_from_dict(job.retry_policy).delay_before(job.number + 1, self.rng)
        if delay is None:
            return DeliveryState.FAILED, None, (f"Gave up after {job.number} attempt(s); last: "
                                    f"{judgement.reason}")
        if judgement.retry_after is not None:
            delay = max(delay, judgement.retry_after)
        return DeliveryState.PENDING, self.clock.now() + delay, None
