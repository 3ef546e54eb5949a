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
  is at most 10 MiB whichever way it comes in (``replay --body-file`` or the API's resend, whose
  JSON request may carry it as base64, so the API reads up to :data:`API_REQUEST_BYTES`); a
  stored response body is cut at 64 KiB.
- Secrets: up to 16 KiB, so a pasted PEM private key fits (a 4096-bit RSA key is about 3.3 KB,
  with room for a certificate chain); one line otherwise (the scheme decides the format).
- Events in one ``POST /events/batch``: 1,000. One transaction holds them all and the answer
  waits for its commit, so a batch stays a fraction of a second of store work; 1,000 events of
  up to ~15 KB of JSON each fit the API's body limit (:data:`API_REQUEST_BYTES`, ~14.3 MiB).
  A bigger batch is split by the client (the 422 says so).
- Texts: URLs 2,000 characters (what browsers and proxies agree on), header names 200 and
  values 8,000 (the common server limit per line), event types 200, paths 500.
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

#: A secret as pasted: long enough for a PEM private key (RSA 4096 is ~3.3 KB).
SECRET_CHARS = 16 * 1024
#: URLs (subscription targets, forward targets, public URLs, replay targets).
URL_CHARS = 2000
#: One header: an HTTP token name, a one-line value.
HEADER_NAME_CHARS = 200
HEADER_VALUE_CHARS = 8000
#: Custom headers a subscription sends, or an endpoint answers with.
MAX_HEADERS = 50
#: Headers of an edited request (edit and resend).
MAX_EDITED_HEADERS = 200
#: An HTTP method as edited: a token like POST.
METHOD_CHARS = 20
#: Events in one ``POST /events/batch`` request (one transaction).
MAX_BATCH_EVENTS = 1000
#: Event types and patterns a subscription listens to, and the length of one.
MAX_EVENT_PATTERNS = 100
EVENT_TYPE_CHARS = 200
#: Receiver endpoint paths and names.
PATH_CHARS = 500
NAME_CHARS = 200
#: Free text: a subscription's description.
DESCRIPTION_CHARS = 2000
#: A provider profile's name as given to the API.
PROFILE_NAME_CHARS = 64
#: An endpoint's canned response body.
RESPONSE_BODY_CHARS = 1024 * 1024
#: CIDR networks in an endpoint's allow-list.
MAX_ALLOWLIST = 100
#: How long a rotated-out secret keeps signing (seconds; default 7 days).
OVERLAP_SECONDS = Range(0, 30 * 86400)
#: The API's request body: an edited body of EDITED_BODY_BYTES as base64 (4/3) and room for the
#: JSON around it (headers, url), so the API takes every body ``replay --body-file`` takes.
API_REQUEST_BYTES = EDITED_BODY_BYTES * 4 // 3 + 1024 * 1024
