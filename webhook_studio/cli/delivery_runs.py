"""What ``send`` and the ``deliveries`` commands share: a delivery printed (summary or JSON,
with the handler's last answer on request), the dispatcher a command runs, and the queue worked
until it is done or a wait runs out."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from webhook_studio.cli import delivery_views
from webhook_studio.cli.common import print_json
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.retry import parse_delay
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.store.sender_queries import delivery_to_dict, get_delivery


def positive_delay(text: str) -> float:
    try:
        return parse_delay(text)
    except CoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def summary(data: dict[str, Any]) -> str:
    lines = [f"delivery {data['id']}: {data['state']}  ({data['event_type']} -> "
             f"{data['target_url']})"]
    for a in data["attempts"]:
        result = f"HTTP {a['status']}" if a["error"] is None else a["error"]
        lines.append(f"  attempt {a['number']}  {a['started_at']}  {result}  "
                     f"{a['duration_ms']:.1f} ms")
    if data["state"] == DeliveryState.PENDING and data["next_attempt_at"]:
        lines.append(f"  next attempt at {data['next_attempt_at']} "
                     "(run: webhook-studio deliveries resume --wait)")
    if data["reason"]:
        lines.append(f"  {data['reason']}")
    return "\n".join(lines)


def report(ctx: AppContext, delivery_id: str, as_json: bool, answer: bool = False) -> str:
    """The delivery as JSON or a summary; ``answer``: with the handler's last response."""
    with ctx.store.session() as session:
        data = delivery_to_dict(session, get_delivery(session, delivery_id))
    if as_json:
        print_json(data)
    else:
        print(summary(data))
        if answer and data["attempts"]:
            print("\n".join(delivery_views.response_lines(data["attempts"][-1])))
    return str(data["state"])


def make_dispatcher(ctx: AppContext) -> Any:
    from webhook_studio.sender import Dispatcher
    from webhook_studio.wiring import sender_hooks

    envelope_for, header_hook = sender_hooks(ctx)
    return Dispatcher(ctx.store, ctx.clock, envelope_for=envelope_for, header_hook=header_hook)


async def work(dispatcher: Any, only: list[str] | None, wait: bool,
                limit: float | None) -> str | None:
    """Run the queue; with ``wait`` until nothing (of ``only``) is pending or ``limit`` s
    passed. Returns a sentence when the limit cut the wait short."""
    if not wait:
        await dispatcher.run_due(only)
        return None
    try:
        async with asyncio.timeout(limit):
            await dispatcher.run_until_final(only)
    except TimeoutError:
        what = "the delivery is" if only else "deliveries are"
        return (f"Stopped waiting after --wait-timeout {limit:g} s; {what} still pending. "
                "Carry on with: webhook-studio deliveries resume --wait")
    return None
