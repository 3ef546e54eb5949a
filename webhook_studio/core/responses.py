"""What a response (or a failure to get one) means for a delivery: the sender's rules.

2xx success; 3xx failure (redirects are never followed); 4xx final except 408, 409, 425, 429;
429 and 503 retry honouring a sane ``Retry-After``; 410 Gone disables the subscription;
timeouts, connection and TLS errors retry (docs/architecture.md#how-a-delivery-flows, after
the Standard Webhooks spec).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum

from webhook_studio.core.vocabulary import AttemptOutcome

RETRYABLE_4XX = frozenset({408, 409, 425, 429})
RETRY_AFTER_MIN, RETRY_AFTER_MAX = 1.0, 3600.0


class Decision(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give_up"
    DISABLE = "disable"


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    outcome: str  # success, redirect, http_error, timeout, connection_error, tls_error
    reason: str
    retry_after: float | None = None


_SECONDS = re.compile(r"[0-9]{1,12}", re.ASCII)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or HTTP date), clamped; garbage is None.

    Digits are ASCII digits only: ``str.isdigit`` also accepts ``²`` (a Latin-1 byte 0xB2),
    which ``float`` then refuses, and that once failed a retryable 503 for good.
    """
    if value is None:
        return None
    text = value.strip(" \t")
    if _SECONDS.fullmatch(text):
        seconds = float(text)
    else:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except Exception:  # any garbage at all means "no usable hint"
            return None
    if seconds != seconds:  # NaN cannot be clamped
        return None
    return min(RETRY_AFTER_MAX, max(RETRY_AFTER_MIN, seconds))


def judge_status(status: int, retry_after: str | None, now: float) -> Judgement:
    if 200 <= status < 300:
        return Judgement(Decision.DELIVERED, AttemptOutcome.SUCCESS, f"HTTP {status}")
    if 300 <= status < 400:
        return Judgement(Decision.RETRY, AttemptOutcome.REDIRECT,
                         f"HTTP {status}: redirects are not followed; point the subscription "
                         "at the final URL")
    if status == 410:
        return Judgement(Decision.DISABLE, AttemptOutcome.HTTP_ERROR,
                         "HTTP 410 Gone: the endpoint asked to stop, so the subscription was "
                         "disabled")
    if status in (429, 503):
        hint = parse_retry_after(retry_after, now)
        if hint is None and retry_after is not None:
            shown = retry_after if len(retry_after) <= 40 else retry_after[:40] + "…"
            return Judgement(Decision.RETRY, AttemptOutcome.HTTP_ERROR,
                             f"HTTP {status}; its Retry-After {shown!r} is neither seconds nor "
                             "an HTTP date, so the retry schedule decides when to try again")
        return Judgement(Decision.RETRY, AttemptOutcome.HTTP_ERROR, f"HTTP {status}", hint)
    if 400 <= status < 500 and status not in RETRYABLE_4XX:
        return Judgement(Decision.GIVE_UP, AttemptOutcome.HTTP_ERROR,
                         f"HTTP {status}: a client error is final, no retry")
    return Judgement(Decision.RETRY, AttemptOutcome.HTTP_ERROR, f"HTTP {status}")


def judge_error(kind: str, message: str) -> Judgement:
    """Transport failures all retry; ``kind`` is timeout, connection_error or tls_error."""
    return Judgement(Decision.RETRY, kind, message)
