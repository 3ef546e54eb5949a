"""The words stored for states and outcomes, in one place: the engines write them, the store
filters on them, the window and the API show them.

Each is a ``StrEnum``, so a member *is* its stored text (``DeliveryState.PENDING ==
"pending"``) and rows written before these enums existed read back unchanged. Replays wrote
status classes ("2xx", "5xx") into ``attempts.outcome`` while the dispatcher wrote
"success"/"http_error"; schema 3 rewrote those rows into this vocabulary.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or leased to a sender right now)
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: a dead letter (a failed replay is not one: see queries)
    CANCELLED = "cancelled"
    DISABLED = "disabled"  # its subscription was disabled (410 Gone, or by hand)


class CaptureState(StrEnum):
    CAPTURED = "captured"
    REJECTED = "rejected"  # answered 4xx/5xx before storing a body (413, 403, 503…)
    MALFORMED = "malformed"  # not HTTP enough to parse: answered 400


class AttemptOutcome(StrEnum):
    SUCCESS = "success"  # 2xx
    REDIRECT = "redirect"  # 3xx: never followed
    HTTP_ERROR = "http_error"  # 4xx/5xx
    TIMEOUT = "timeout"  # the total deadline passed
    CONNECTION_ERROR = "connection_error"
    TLS_ERROR = "tls_error"
    SIGNING_ERROR = "signing_error"  # the request could not be signed (a bad secret)


def outcome_for_status(status: int) -> AttemptOutcome:
    """The outcome of an attempt that got an answer with this status."""
    if 200 <= status < 300:
        return AttemptOutcome.SUCCESS
    if 300 <= status < 400:
        return AttemptOutcome.REDIRECT
    return AttemptOutcome.HTTP_ERROR


#: What replays stored before schema 3, and the word that replaces it.
LEGACY_OUTCOMES = {"2xx": AttemptOutcome.SUCCESS, "3xx": AttemptOutcome.REDIRECT,
                   "4xx": AttemptOutcome.HTTP_ERROR, "5xx": AttemptOutcome.HTTP_ERROR,
                   "connection": AttemptOutcome.CONNECTION_ERROR,
                   "other": AttemptOutcome.HTTP_ERROR}
