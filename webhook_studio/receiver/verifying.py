"""Verification off the event loop, with the mistake search bounded.

Verifying a 9 MB body with a bad signature ran the explained-mistake search (re-serialized
JSON, line endings, escapes: a copy and a MAC of the whole body per variant) on the loop, and
stalled every other request for seconds. Now:

* small bodies (the usual webhook) are verified inline: their search costs microseconds and a
  thread hop would cost more;
* bigger ones are verified on a small thread pool (hashing releases the GIL, so the loop keeps
  serving while a MAC of megabytes is computed);
* the body-variant search is skipped above a size limit and stopped at a deadline, and the
  verdict sentence says so.

The verdict is complete before the request is answered and stored with the capture; the status
code depends only on valid/invalid (the endpoint's ``reject_invalid`` rule), never on whether
the search ran.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from webhook_studio.core import diagnose
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.verdict import Reason, Verdict
from webhook_studio.receiver.endpoints import EndpointConfig

#: Bodies up to this size are verified on the loop.
INLINE_BYTES = 16 * 1024


class Verifier:
    def __init__(self, *, search_max_bytes: int, search_seconds: float,
                 workers: int = 2) -> None:
        self.search_max_bytes = search_max_bytes
        self.search_seconds = search_seconds
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify")
        self.searches_skipped = 0

    async def verify(self, endpoint: EndpointConfig, incoming: IncomingRequest, now: float
                     ) -> Verdict | None:
        if endpoint.scheme is None:
            return None
        if len(incoming.body) <= min(INLINE_BYTES, self.search_max_bytes):  # no budget needed
            return endpoint.scheme.verify(incoming, list(endpoint.secrets), now=now,
                                          tolerance=endpoint.tolerance)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._run, endpoint, incoming, now)

    def _run(self, endpoint: EndpointConfig, incoming: IncomingRequest, now: float) -> Verdict:
        assert endpoint.scheme is not None
        with diagnose.bounded(self.search_max_bytes, self.search_seconds) as budget:
            verdict = endpoint.scheme.verify(incoming, list(endpoint.secrets), now=now,
                                             tolerance=endpoint.tolerance)
        if (budget.skipped is None or verdict.valid or verdict.mistake is not None
                or verdict.reason is not Reason.NO_SIGNATURE_MATCHED):
            return verdict
        self.searches_skipped += 1
        return replace(
            verdict,
            message=f"{verdict.message} The search for a known mistake (re-serialized JSON, "
            f"line endings, escapes) was skipped: {budget.skipped}.",
            details={**verdict.details, "diagnosis": "skipped",
                     "diagnosis_skipped": budget.skipped})

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
