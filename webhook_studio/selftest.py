"""``webhook-studio --self-test``: prove the installed (or frozen) app works end to end.

On port 0 and a temporary store it starts the receiver with a Standard Webhooks endpoint,
sends one signed event through the sender to it, and checks the capture's verdict is valid.
It prints a short report and returns 0, or 1 with the reason.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from webhook_studio.core.vocabulary import DeliveryState


async def _round_trip(folder: Path) -> list[str]:
    from webhook_studio import __version__
    from webhook_studio.context import AppContext
    from webhook_studio.core.schemes import get_scheme
    from webhook_studio.receiver import Receiver
    from webhook_studio.resources import resource_path
    from webhook_studio.sender import Dispatcher
    from webhook_studio.store.receiver_queries import create_endpoint, list_captures
    from webhook_studio.store.sender_queries import create_subscription

    report = [f"webhook-studio {__version__} on Python {sys.version.split()[0]}"
              + (" (frozen)" if getattr(sys, "frozen", False) else "")]
    ctx = AppContext.open(folder / "selftest.sqlite3", data_dir=folder)
    secret = get_scheme("standard-webhooks").generate_secret()
    create_endpoint(ctx.store, name="self-test", path="/self-test", scheme="standard-webhooks",
                    secrets=[secret])
    receiver = Receiver(ctx.store, port=0)
    dispatcher = Dispatcher(ctx.store)
    try:
        url = await receiver.start()
        report.append(f"receiver listening on {url}")
        create_subscription(ctx.store, secret=secret, url=f"{url}/self-test", events=["*"],
                            retry_policy={"kind": "schedule", "delays": [0, 0.2, 0.5]},
                            timeout_seconds=5)
        await dispatcher.start()
        started = time.perf_counter()
        (delivery_id,) = dispatcher.emit("selftest.ping", {"hello": "world"})
        state = await asyncio.wait_for(dispatcher.wait_final(delivery_id), 15)
        report.append(f"delivery {delivery_id}: {state} in "
                      f"{(time.perf_counter() - started) * 1000:.0f} ms")
        if state != DeliveryState.DELIVERED:
            raise RuntimeError(f"the delivery ended {state}")
        with ctx.store.session() as session:
            captures = list_captures(session)
        if not captures:
            raise RuntimeError("the receiver stored no capture")
        verdict = captures[0].verification or {}
        report.append(f"capture #{captures[0].id}: {verdict.get('message')}")
        if not verdict.get("valid"):
            raise RuntimeError(f"the verdict is not valid: {verdict.get('message')}")
        profiles = resource_path("profiles")
        found = "found" if profiles.is_dir() else "MISSING"
        report.append(f"resources at {profiles.parent} ({found})")
        if not profiles.is_dir():
            raise RuntimeError("the bundled resources folder is missing")
    finally:
        await dispatcher.stop()
        await receiver.stop()
        ctx.close()
    return report


def run_self_test() -> int:
    with tempfile.TemporaryDirectory(prefix="webhook-studio-selftest-") as tmp:
        try:
            report = asyncio.run(asyncio.wait_for(_round_trip(Path(tmp)), 60))
        except Exception as exc:  # the report says why; no traceback for users
            reason = "it took longer than 60 s" if isinstance(exc, TimeoutError) else exc
            print(f"self-test FAILED: {reason}", file=sys.stderr)
            return 1
    for line in report:
        print(line)
    print("self-test passed")
    return 0
