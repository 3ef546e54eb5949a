"""Run a chaos schedule (:mod:`webhook_studio.core.chaos`) against a consumer, and ask the
consumer afterwards what it applied.

Every copy of a capture carries the same delivery id: re-signed copies share one message id
(so ``webhook-id``, ``X-GitHub-Delivery``… are equal, as a provider's retry would be), with a
fresh timestamp and signature each; without re-signing the recorded headers go as they are.
Sends in one burst go at once; bursts follow each other after the scheduled pause. Each send
is recorded as a replay delivery (as every replay is), so Deliveries shows the run too.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from webhook_studio.core.chaos import CheckResult, Schedule, Send, assess, state_problem
from webhook_studio.core.errors import CoreError
from webhook_studio.core.limits import RESPONSE_BODY_CAP
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.vocabulary import outcome_for_status
from webhook_studio.relay.headers import forwardable
from webhook_studio.relay.replay import Resign, check_target, renewed_headers
from webhook_studio.relay.replay import _record as record_replay
from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.transport import make_client
from webhook_studio.store import NotFound, Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_queries import new_id


class CheckError(CoreError):
    """The consumer's state could not be read; the message says why."""


@dataclass(frozen=True)
class Outcome:
    send: Send
    status: int | None
    error: str | None
    duration_ms: float
    delivery_id: str | None = None


@dataclass
class ChaosReport:
    schedule: Schedule
    url: str
    outcomes: list[Outcome] = field(default_factory=list)
    event_ids: dict[int, str] = field(default_factory=dict)
    check: CheckResult | None = None

    def by_capture(self) -> dict[int, list[Outcome]]:
        out: dict[int, list[Outcome]] = {}
        for outcome in sorted(self.outcomes, key=lambda o: o.send.position):
            out.setdefault(outcome.send.capture_id, []).append(outcome)
        return out

    def to_dict(self) -> dict[str, Any]:
        check = None
        if self.check is not None:
            check = {"applied": self.check.applied, "duplicated": self.check.duplicated,
                     "lost": self.check.lost}
        return {
            "url": self.url, "seed": self.schedule.seed, "chaos": self.schedule.spec.describe(),
            "sent": len(self.outcomes),
            "captures": [{"capture_id": cid, "event_id": self.event_ids.get(cid),
                          "sends": [{"position": o.send.position, "copy": o.send.copy,
                                     "burst": o.send.burst, "status": o.status,
                                     "error": o.error, "duration_ms": o.duration_ms,
                                     "delivery_id": o.delivery_id}
                                    for o in outs]}
                         for cid, outs in self.by_capture().items()],
            "check": check,
        }


@dataclass(frozen=True)
class _Prepared:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    message_id: str


def event_id_of(body: bytes, path: str = "id") -> str | None:
    """The event id at a dotted path in a JSON body (``id``, ``data.object.id``), or None."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    for step in path.removeprefix("$.").split("."):
        if isinstance(data, dict) and step in data:
            data = data[step]
        else:
            return None
    return None if data is None or isinstance(data, dict | list) else str(data)


def _prepare(store: Store, ids: list[int]) -> dict[int, _Prepared]:
    out = {}
    with store.session() as session:
        for cid in ids:
            capture = session.get(Capture, cid)
            if capture is None:
                raise NotFound(f"No capture with id {cid}.")
            out[cid] = _Prepared(capture.method, capture.path, forwardable(capture.headers or []),
                                 capture.body or b"", new_id("msg"))
    return out


def _headers(item: _Prepared, url: str, resign: Resign | None,
             now: float) -> list[tuple[str, str]]:
    if resign is None:
        return item.headers
    scheme = get_scheme(resign.scheme, resign.options)
    fresh = scheme.sign(resign.secret, SignInput(item.body, item.message_id, int(now), url))
    if resign.profile is not None:
        fresh = {**renewed_headers(resign.profile, item.message_id, int(now)), **fresh}
    replaced = {name.lower() for name in fresh}
    if resign.scheme == "standard-webhooks":
        replaced |= {"webhook-id", "webhook-timestamp", "webhook-signature", "svix-id",
                     "svix-timestamp", "svix-signature"}
    return [(k, v) for k, v in item.headers if k.lower() not in replaced] + list(fresh.items())


async def run_chaos(store: Store, schedule: Schedule, url: str, *,
                    resign: Resign | None = None, timeout_s: float = 15.0,
                    event_id_path: str = "id", record: bool = True,
                    client: httpx.AsyncClient | None = None,
                    on_outcome: Callable[[Outcome], None] | None = None,
                    sleep: Callable[[float], Any] = asyncio.sleep) -> ChaosReport:
    """Send the schedule to ``url`` (the captures' own paths are not appended: the URL is
    the consumer's endpoint). Cancel to stop; what was sent stays in the report."""
    check_target(url)
    ids = list(dict.fromkeys(s.capture_id for s in schedule.sends))
    prepared = _prepare(store, ids)
    report = ChaosReport(schedule, url)
    for cid, item in prepared.items():
        if (eid := event_id_of(item.body, event_id_path)) is not None:
            report.event_ids[cid] = eid
    own = client is None
    http = client or make_client()

    async def one(send: Send) -> None:
        item = prepared[send.capture_id]
        now = time.time()
        headers = _headers(item, url, resign, now)
        started = time.perf_counter()
        status, error = None, None
        answer_headers: list[list[str]] = []
        answer = b""
        try:
            response = await http.request(item.method, url, content=item.body, headers=headers,
                                          timeout=timeout_s)
            status = response.status_code
            answer_headers = [[k, v] for k, v in response.headers.multi_items()]
            answer = response.content[:RESPONSE_BODY_CAP]
            result = str(outcome_for_status(status))
        except httpx.HTTPError as exc:
            kind, error = classify_transport_error(exc, timeout_s)
            result = str(kind)
        duration = (time.perf_counter() - started) * 1000
        delivery_id = None
        if record:
            delivery_id = record_replay(store, send.capture_id, url, item.method, headers,
                                        item.body, status, answer_headers, answer, result,
                                        error, duration, now, resign)
        outcome = Outcome(send, status, error, round(duration, 2), delivery_id)
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    try:
        for burst in schedule.bursts():
            if burst[0].wait_s > 0:
                await sleep(burst[0].wait_s)
            await asyncio.gather(*(one(send) for send in burst))
    finally:
        if own:
            await http.aclose()
    return report


async def read_state(check: str, timeout_s: float = 30.0) -> dict[str, int]:
    """The consumer's map of event id → times applied: an HTTP GET when ``check`` is a URL,
    else a shell command's standard output. CheckError with a sentence when unreadable."""
    if check.startswith(("http://", "https://")):
        try:
            async with httpx.AsyncClient(timeout=timeout_s) as http:
                response = await http.get(check)
        except httpx.HTTPError as exc:
            raise CheckError(f"Cannot ask {check} for the consumer's state: {exc}.") from exc
        if response.status_code != 200:
            raise CheckError(f"{check} answered {response.status_code} when asked for the "
                             "consumer's state; it must answer 200 with JSON.")
        text = response.text
    else:
        try:
            done = await asyncio.to_thread(
                subprocess.run, check, shell=True, capture_output=True, text=True,
                timeout=timeout_s, check=False)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise CheckError(f"Cannot run the check command {check!r}: {exc}.") from exc
        if done.returncode != 0:
            raise CheckError(f"The check command exited with status {done.returncode}: "
                             f"{done.stderr.strip()[:300]}")
        text = done.stdout
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CheckError(f"The consumer's state is not JSON ({exc}); it must be a JSON "
                         "object mapping event id to times applied.") from exc
    if problem := state_problem(data):
        raise CheckError(problem[0].upper() + problem[1:] + ".")
    return {str(k): int(v) for k, v in data.items()}


def check_report(report: ChaosReport, before: Mapping[str, int],
                 after: Mapping[str, int]) -> CheckResult:
    sent = [report.event_ids[s.capture_id] for s in report.schedule.sends
            if s.capture_id in report.event_ids]
    report.check = assess(sent, before, after)
    return report.check
