"""How the sender reports a failure of its store work, and how long it then waits.

Apart from the delivery loop because four places share one rule (claiming, renewing leases,
recording attempts, waiting for the queue to empty): the failure goes to ``health`` (the
sender ``degraded``, the store's own state from the failure's code), an unexpected error is
logged once per episode rather than once per retry, and the wait grows with a capped backoff
(``webhook_studio/health.py``).
"""

from __future__ import annotations

import logging

from webhook_studio.health import Backoff, Health
from webhook_studio.store import StoreUnavailable

log = logging.getLogger(__name__)


def report_fault(health: Health, exc: BaseException, backoff: Backoff, doing: str) -> float:
    """Report a failure of store work to ``health`` (and the log, once per episode);
    returns how long to wait before trying again."""
    delay = backoff.next()
    first = health.get("sender").state == "ok"
    if isinstance(exc, StoreUnavailable):
        health.store_failed(exc)
        sentence = f"{exc} The sender retries in {delay:g} s."
    else:
        if first:
            log.error("The sender failed while %s; it keeps retrying.", doing, exc_info=exc)
        sentence = (f"Failed while {doing} ({type(exc).__name__}: {exc}); retrying in "
                    f"{delay:g} s.")
    health.set("sender", "degraded", sentence)
    return delay
