"""The limits every way in shares: editors, the API, the CLI and profile files.

One table, so a record created through one door can be re-saved through another: a
subscription the API accepts passes the subscription editor unchanged, and a timeout a profile
names is one ``send --timeout`` accepts. Each range is inclusive and comes with the sentence
fragment used in messages, so the wording cannot drift from the numbers either.

Why these numbers:

- Timeout 0.1 to 300 s per attempt: providers wait 5 to 30 s (GitHub 10, Stripe 20); 300 s
  covers a handler paused in a debugger, and 0.1 s lets a test make a timeout happen quickly.
  (The API allowed up to 600 s and profiles said "1 to 300"; both now follow this range.)
- Rates: at most 100,000 deliveries a minute and 6,000,000 an hour (the minute cap times 60);
  no limit at all is "none", not a large number.
- Concurrency: 1 to 64 requests in flight per subscription, the dispatcher's global cap.
- Bodies: a receiver endpoint buffers at most 100 MiB (10 MiB by default); an edited request
  is at most 10 MiB; a stored response body is cut at 64 KiB.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    """An inclusive range of numbers; :meth:`text` is how messages say it."""

    low: float
    high: float
    #: Only whole numbers (a count), not any number in between.
    whole: bool = True

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.whole and not float(value).is_integer():
            return False
        return self.low <= value <= self.high

    def text(self) -> str:
        """The words every message uses for this range, e.g. "from 0.1 to 300"."""
        return f"from {_num(self.low)} to {_num(self.high)}"


def _num(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


#: Seconds one delivery attempt may take before it counts as a timeout.
TIMEOUT_SECONDS = Range(0.1, 300, whole=False)
DEFAULT_TIMEOUT_SECONDS = 15.0
#: Deliveries per minute / per hour a subscription may send (None: no limit).
RATE_PER_MINUTE = Range(1, 100_000)
RATE_PER_HOUR = Range(1, 6_000_000)
#: Requests in flight at once for one subscription.
MAX_CONCURRENCY = Range(1, 64)
DEFAULT_CONCURRENCY = 4
#: What a receiver endpoint accepts before answering 413 (0: no body at all).
ENDPOINT_BODY_BYTES = Range(0, 100 * 1024 * 1024)
DEFAULT_ENDPOINT_BODY_BYTES = 10 * 1024 * 1024
#: An edited request's body (edit and resend).
EDITED_BODY_BYTES = 10 * 1024 * 1024
#: How much of a response body is stored with an attempt.
RESPONSE_BODY_CAP = 64 * 1024
#: A receiver endpoint's answer: status, artificial delay, clock-skew tolerance (-1: off).
RESPONSE_STATUS = Range(100, 599)
RESPONSE_DELAY_MS = Range(0, 60_000)
TOLERANCE_SECONDS = Range(-1, 30 * 86400)
#: Secrets an endpoint verifies with at once (newest first, rotation keeps a few).
MAX_ENDPOINT_SECRETS = 10
#: Forward targets of one endpoint (fan-out).
MAX_FORWARD_TARGETS = 10
