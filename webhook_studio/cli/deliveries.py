"""``webhook-studio deliveries list|show|stats|resume|retry|cancel``: the queue from the shell.

* ``list`` (newest first; ``--state dead_letter``, ``--kind``, ``--subscription``) and ``show``
  (every attempt, with the handler's last answer) print a table or, with ``--json``, the
  deliveries as ``send --json`` does.
* ``resume`` takes back deliveries whose sender died and works the queue (``--wait``: until no
  delivery is pending).
* ``retry ID`` makes a delivery due now (a replay is replayed again as a new replay);
  ``retry --dead-letters [--subscription ID] [--since DURATION]`` makes every dead letter due.
  ``cancel ID`` stops a pending one. These only change the store: a running app, ``serve`` or
  ``resume`` sends what is due.
* Usage errors are one sentence and exit 2; an unknown id is one sentence and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from webhook_studio.cli import delivery_views
from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    fail,
    print_json,
)
from webhook_studio.cli.delivery_runs import make_dispatcher, positive_delay, report, work
from webhook_studio.context import AppContext
from webhook_studio.core.vocabulary import AttemptOutcome, DeliveryState
from webhook_studio.store import NotFound
from webhook_studio.store.sender_queries import (
    DEAD_LETTER,
    DELIVERY_KINDS,
    delivery_to_dict,
    list_deliveries,
)


def _cmd_list(args: argparse.Namespace) -> int:
    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            rows = list_deliveries(session, state=args.state, limit=args.limit,
                                   subscription_id=args.subscription, kind=args.kind)
            if args.json:
                print_json([delivery_to_dict(session, d) for d in rows])
                return EXIT_OK
            print(f"{'ID':<28} {'STATE':<10} {'TRIES':>5}  {'EVENT':<24} TARGET")
            for d in rows:
                state = d.state + ("*" if d.source_capture_id is not None else "")
                print(f"{d.id:<28} {state:<10} {d.attempt_count:>5}  {d.event_type:<24} "
                      f"{d.target_url}")
            if any(d.source_capture_id is not None for d in rows):
                print("* a one-off replay of a capture: never retried, not a dead letter")
            if not rows:
                print("No deliveries yet. Send one with: webhook-studio send URL --event TYPE")
    finally:
        ctx.close()
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    ctx = AppContext.open(args.db)
    try:
        report(ctx, args.id, args.json, answer=True)
    except NotFound as exc:
        return fail(f"{exc} List them with: webhook-studio deliveries list")
    finally:
        ctx.close()
    return EXIT_OK


async def _resume(args: argparse.Namespace) -> int:
    """Take back deliveries whose sender crashed (or whose lease expired), then work the
    queue. Deliveries another running sender holds are left to it: never sent twice."""
    ctx = AppContext.open(args.db)
    try:
        dispatcher = make_dispatcher(ctx)
        try:
            recovered = dispatcher.recover()
            if recovered:
                print(f"recovered {recovered} delivery(ies) left in flight", file=sys.stderr)
            cut_short = await work(dispatcher, None, args.wait, args.wait_timeout)
        finally:
            await dispatcher.stop()
        with ctx.store.session() as session:
            from webhook_studio.store.sender_queries import count_by_state

            counts = count_by_state(session)
    finally:
        ctx.close()
    if args.json:
        print_json(counts)
    else:
        print(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no deliveries")
    return fail(cut_short) if cut_short else EXIT_OK


def _cmd_resume(args: argparse.Namespace) -> int:
    return asyncio.run(_resume(args))


def _cmd_control(args: argparse.Namespace) -> int:
    from webhook_studio.sender import SenderError
    from webhook_studio.sender.control import cancel_delivery, reschedule_now

    if args.action == "retry":
        bulk = args.dead_letters
        if bulk == bool(args.id):
            raise UsageError("Name one delivery's id, or retry every dead letter with "
                             "--dead-letters (not both).")
        if not bulk and (args.subscription or args.since is not None or args.json):
            raise UsageError("--subscription, --since and --json go with --dead-letters.")
        if bulk:
            return _retry_dead_letters(args)
    ctx = AppContext.open(args.db)
    try:
        if args.action == "retry" and _is_replay(ctx, args.id):
            return _replay_again(ctx, args.id)
        with ctx.store.session() as session:
            if args.action == "cancel":
                cancel_delivery(session, args.id, ctx.clock.now())
            else:
                reschedule_now(session, args.id, ctx.clock.now())
        print(f"delivery {args.id}: "
              f"{DeliveryState.CANCELLED if args.action == 'cancel' else 'due now'}")
    except (SenderError, NotFound) as exc:
        return fail(str(exc))
    finally:
        ctx.close()
    return EXIT_OK


def _retry_dead_letters(args: argparse.Namespace) -> int:
    """``deliveries retry --dead-letters``: every dead letter due now, for whichever sender
    runs (this command sends nothing itself, as ``retry ID`` does not)."""
    from webhook_studio.sender.control import retry_dead_letters

    ctx = AppContext.open(args.db)
    try:
        now = ctx.clock.now()
        since = None if args.since is None else now - args.since
        with ctx.store.session() as session:
            ids = retry_dead_letters(session, args.subscription, now, since=since)
    except NotFound as exc:
        return fail(f"{exc} List them with: webhook-studio deliveries list --state "
                    f"{DEAD_LETTER}")
    finally:
        ctx.close()
    if args.json:
        print_json({"retried": len(ids), "delivery_ids": ids})
    elif ids:
        print(f"{len(ids)} dead letter(s) due now: {', '.join(ids[:5])}"
              + (f" and {len(ids) - 5} more" if len(ids) > 5 else ""))
        print("A running app or `webhook-studio serve` sends them; or run: "
              "webhook-studio deliveries resume --wait", file=sys.stderr)
    else:
        print("No dead letters" + (" of that subscription" if args.subscription else "")
              + (" in that time" if args.since is not None else "") + ": nothing to retry.")
    return EXIT_OK


def _is_replay(ctx: AppContext, delivery_id: str) -> bool:
    from webhook_studio.store.sender_models import Delivery

    with ctx.store.session() as session:
        delivery = session.get(Delivery, delivery_id)
        return delivery is not None and delivery.source_capture_id is not None


def _replay_again(ctx: AppContext, delivery_id: str) -> int:
    """A replay is retried by replaying its capture again, as a new replay record."""
    from webhook_studio.relay.replay import replay_again

    result = asyncio.run(replay_again(ctx.store, delivery_id, profiles=ctx.profiles.get))
    print(f"delivery {delivery_id} was a replay of capture #{result.capture_id}: replayed it "
          f"again as delivery {result.delivery_id}: "
          f"{result.status if result.status is not None else result.error}")
    return EXIT_OK if result.outcome == AttemptOutcome.SUCCESS else EXIT_FAILED


def register(sub: argparse._SubParsersAction[Any]) -> None:
    deliveries = sub.add_parser("deliveries", help="list, show, stats, resume, retry, cancel")
    commands = deliveries.add_subparsers(dest="deliveries_command", metavar="COMMAND",
                                         required=True, help="one of these")
    lst = commands.add_parser("list", help="newest first")
    add_db_option(lst)
    lst.add_argument("--state", choices=[*(s.value for s in DeliveryState), DEAD_LETTER],
                     help=f"only this state; {DEAD_LETTER}: failed subscription deliveries "
                     "(replays are never dead letters)")
    lst.add_argument("--kind", choices=DELIVERY_KINDS,
                     help="only a subscription's deliveries, or only replays of captures")
    lst.add_argument("--subscription", metavar="ID", help="only this subscription's")
    lst.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lst.add_argument("--json", action="store_true", help="print them as JSON")
    lst.set_defaults(func=_cmd_list)
    show = commands.add_parser("show", help="one delivery with its attempts")
    show.add_argument("id", help="the delivery's id (deliveries list)")
    add_db_option(show)
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(func=_cmd_show)
    delivery_views.register(commands)
    resume = commands.add_parser(
        "resume", help="after a crash or quit: make due attempts (all retries with --wait)")
    add_db_option(resume)
    resume.add_argument("--wait", action="store_true",
                        help="run until no delivery is pending")
    resume.add_argument("--wait-timeout", type=positive_delay, metavar="SECONDS",
                        help="with --wait: stop waiting after this long (exit 1)")
    resume.add_argument("--json", action="store_true", help="print the counts as JSON")
    resume.set_defaults(func=_cmd_resume)
    for action, text in (("retry", "make a delivery due now (dead letters too); a replay "
                                   "is replayed again as a new replay; --dead-letters: all "
                                   "of them at once"),
                         ("cancel", "stop retrying a pending delivery")):
        cmd = commands.add_parser(action, help=text, description=text)
        cmd.add_argument("id", nargs="?" if action == "retry" else None,
                         help="the delivery's id (deliveries list)")
        add_db_option(cmd)
        cmd.set_defaults(func=_cmd_control, action=action)
        if action == "retry":
            cmd.add_argument("--dead-letters", action="store_true",
                             help="instead of one id: every dead letter (failed subscription "
                             "delivery), due now")
            cmd.add_argument("--subscription", metavar="ID",
                             help="with --dead-letters: only this subscription's")
            cmd.add_argument("--since", type=positive_delay, metavar="DURATION",
                             help="with --dead-letters: only those created in the last "
                             "DURATION (30m, 2h, 1d)")
            cmd.add_argument("--json", action="store_true",
                             help="with --dead-letters: print the ids as JSON")
