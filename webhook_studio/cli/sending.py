"""``webhook-studio send``, ``deliveries list`` and ``deliveries resume``.

Contract: ``send URL --event TYPE … [--wait] [--json]``. With ``--wait`` it runs until the
delivery is delivered or given up and exits 0 if delivered, 1 otherwise. Without ``--wait`` it
makes the first attempt, leaves any retries pending in the store (``deliveries resume`` or the
app carries them out), and exits 0 if that attempt delivered, 1 if not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any
from urllib.parse import urlsplit

from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    print_json,
    read_body,
)
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.retry import parse_policy
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme
from webhook_studio.store.receiver_queries import iso
from webhook_studio.store.sender_queries import (
    create_subscription,
    delivery_to_dict,
    get_delivery,
    list_deliveries,
)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{url!r} is not an http(s) URL; give the full target, e.g. "
                         "http://localhost:3000/webhook.")
    return url


def _load_data(source: str | None) -> Any:
    if source is None:
        return {}
    raw = read_body(source)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"The event data is not JSON ({exc}); --data-file takes a JSON "
                         "document.") from exc


async def _send(args: argparse.Namespace) -> int:
    from webhook_studio.sender import Dispatcher
    from webhook_studio.wiring import sender_hooks

    url = _check_url(args.url)
    data = _load_data(args.data_file)
    profile = None
    scheme_name, options = args.scheme or "standard-webhooks", None
    retry = args.retry
    timeout = args.timeout
    if args.profile:
        from webhook_studio.profile_library import ProfileLibrary

        profile = ProfileLibrary.load().get(args.profile)
        scheme_name, options = profile.scheme, profile.scheme_options
        retry = retry or profile.retry
        timeout = timeout or profile.timeout
    elif scheme_name not in SCHEME_NAMES:
        raise UsageError(f"Unknown scheme {scheme_name!r}; choose one of: "
                         f"{', '.join(SCHEME_NAMES)}.")
    try:
        scheme = get_scheme(scheme_name, options)
        policy = parse_policy(retry or "0")
    except CoreError as exc:
        raise UsageError(str(exc)) from exc
    secret = args.secret
    if not secret:
        secret = scheme.generate_secret()
        print(f"webhook-studio: signing with a generated secret: {secret}", file=sys.stderr)
    ctx = AppContext.open(args.db)
    try:
        sub_id = create_subscription(
            ctx.store, secret=secret, url=url, events=[args.event], scheme=scheme_name,
            scheme_options=options, profile=args.profile, retry_policy=policy.to_dict(),
            timeout_seconds=timeout or 15.0, adhoc=True, description="webhook-studio send")
        envelope_for, header_hook = sender_hooks()
        dispatcher = Dispatcher(ctx.store, ctx.clock, envelope_for=envelope_for,
                                header_hook=header_hook)
        try:
            delivery_id = dispatcher.emit(args.event, data, subscription_id=sub_id)[0]
            if args.wait:
                await dispatcher.start()
                state = await dispatcher.wait_final(delivery_id)
            else:
                await dispatcher.run_due()
                with ctx.store.session() as session:
                    state = get_delivery(session, delivery_id).state
        finally:
            await dispatcher.stop()
        with ctx.store.session() as session:
            result = delivery_to_dict(session, get_delivery(session, delivery_id))
    finally:
        ctx.close()
    if args.json:
        print_json(result)
    else:
        for a in result["attempts"]:
            print(f"attempt {a['number']} at {a['started_at']}: "
                  f"{a['status'] or a['outcome']} ({a['duration_ms']} ms)"
                  + (f" - {a['error']}" if a["error"] else ""))
        print(f"delivery {result['id']}: {state}"
              + (f" ({result['reason']})" if result["reason"] else "")
              + (f"; next attempt at {result['next_attempt_at']}"
                 if result["next_attempt_at"] else ""))
    return EXIT_OK if state == "delivered" else EXIT_FAILED


def _cmd_send(args: argparse.Namespace) -> int:
    return asyncio.run(_send(args))


def _cmd_list(args: argparse.Namespace) -> int:
    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            rows = list_deliveries(session, state=args.state, limit=args.limit)
            if args.json:
                print_json([delivery_to_dict(session, d) for d in rows])
                return EXIT_OK
            print(f"{'DELIVERY':<30} {'STATE':<10} {'TRIES':>5}  {'EVENT':<24} {'NEXT':<25} "
                  "TARGET")
            for d in rows:
                print(f"{d.id:<30} {d.state:<10} {d.attempt_count:>5}  {d.event_type:<24} "
                      f"{iso(d.next_attempt_at) or '-':<25} {d.target_url}")
            if not rows:
                print("No deliveries yet. Send one with: webhook-studio send URL --event TYPE")
    finally:
        ctx.close()
    return EXIT_OK


async def _resume(args: argparse.Namespace) -> int:
    """Carry out pending deliveries (after a crash or a send without --wait)."""
    from sqlalchemy import select

    from webhook_studio.sender import Dispatcher
    from webhook_studio.store.sender_models import Delivery
    from webhook_studio.wiring import sender_hooks

    ctx = AppContext.open(args.db)
    envelope_for, header_hook = sender_hooks()
    dispatcher = Dispatcher(ctx.store, ctx.clock, envelope_for=envelope_for,
                            header_hook=header_hook)
    try:
        await dispatcher.start()
        with ctx.store.session() as session:
            pending = list(session.scalars(select(Delivery.id).where(
                Delivery.state == "pending")))
        states = [await dispatcher.wait_final(d) for d in pending] if args.wait else []
    finally:
        await dispatcher.stop()
        ctx.close()
    print(f"resumed {len(pending)} pending deliveries"
          + (f": {states.count('delivered')} delivered" if args.wait else ""))
    return EXIT_OK if all(s == "delivered" for s in states) else EXIT_FAILED


def register(sub: argparse._SubParsersAction[Any]) -> None:
    send = sub.add_parser("send", help="send one signed event to a URL, with retries")
    send.add_argument("url")
    send.add_argument("--event", required=True, metavar="TYPE")
    send.add_argument("--data-file", metavar="PATH|-", help="event data as JSON (default {})")
    group = send.add_mutually_exclusive_group()
    group.add_argument("--scheme", metavar="NAME", help="default: standard-webhooks")
    group.add_argument("--profile", metavar="NAME")
    send.add_argument("--secret", metavar="S", help="default: a generated one, printed")
    send.add_argument("--retry", metavar="SCHEDULE",
                      help="delays like 0,1s,5m,1h or a preset (svix, seed-004, …); default 0")
    send.add_argument("--timeout", type=float, metavar="SECONDS", help="per attempt (15)")
    add_db_option(send)
    send.add_argument("--wait", action="store_true", help="run until delivered or given up")
    send.add_argument("--json", action="store_true")
    send.set_defaults(func=_cmd_send)

    deliveries = sub.add_parser("deliveries", help="list or resume deliveries")
    commands = deliveries.add_subparsers(dest="deliveries_command", metavar="COMMAND",
                                         required=True)
    lst = commands.add_parser("list")
    add_db_option(lst)
    lst.add_argument("--state", choices=["pending", "delivered", "failed", "disabled",
                                         "cancelled"])
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_cmd_list)
    resume = commands.add_parser("resume", help="carry out pending deliveries")
    add_db_option(resume)
    resume.add_argument("--wait", action="store_true",
                        help="until each is delivered or given up")
    resume.set_defaults(func=lambda args: asyncio.run(_resume(args)))
