"""``webhook-studio send`` and ``webhook-studio deliveries list|show|resume|retry|cancel``.

Contract (other tools depend on it):

* ``send URL --event TYPE`` records an ad-hoc subscription (``adhoc=True``: it never matches
  events emitted to stored subscriptions), an event and one delivery, then makes the first
  attempt if the schedule says it is due now. Without ``--wait`` it exits 0 when the delivery
  is delivered or still pending (its retries are recorded; ``deliveries resume`` carries them
  out) and 1 when it already ended otherwise (a final 4xx, 410). With ``--wait`` it works the
  retries until the delivery ends (ended for real: a delivery another sender holds, or a store
  locked for a while, is waited out): 0 if delivered, 1 if not; ``--wait-timeout SECONDS``
  bounds that wait (exit 1 with a sentence when it passes, the delivery still pending).
* ``send URL --events-file PATH`` sends many events (JSON Lines, ``{"type", "data"}`` a line,
  ``-`` for stdin) to the same ad-hoc subscription: every line is checked first (a bad one is
  named by number, exit 2, nothing stored), then all events and deliveries are written in one
  transaction. One line per delivery is printed (``--json``: an array of deliveries); the exit
  code is 0 only if every delivery is (with ``--wait``) delivered, as for one event.
  ``--concurrency N`` lets N attempts run at once (default 1: in file order).
* ``--json`` prints the delivery: ``id``, ``state``, ``attempts`` (``number``, ``started_at``
  ISO 8601, ``status`` or null, ``duration_ms``, ``error`` or null, ``request_headers`` as an
  object name -> value; the handler's answer: ``response_headers``, ``response_body`` (text,
  or null with ``response_body_base64``), ``response_truncated``, ``error_class``) and more.
* Usage errors (bad URL, schedule, data file, JSON, scheme) are one sentence and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from webhook_studio.cli import delivery_views
from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    fail,
    parse_pairs,
    print_json,
    profile_library,
    read_body,
)
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.event_lines import parse_event_lines
from webhook_studio.core.retry import parse_delay
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.specs import SpecError
from webhook_studio.core.specs_records import (
    EVENT,
    SIGNING_SCHEMES,
    SUBSCRIPTION,
    check_subscription,
)
from webhook_studio.core.vocabulary import AttemptOutcome, DeliveryState
from webhook_studio.store import NotFound
from webhook_studio.store.sender_queries import (
    DEAD_LETTER,
    DELIVERY_KINDS,
    create_subscription,
    delivery_to_dict,
    get_delivery,
    list_deliveries,
)

#: The ``deliveries`` sub-command group; other modules may add commands to it.
deliveries_commands: argparse._SubParsersAction[Any] | None = None


def _read_data(source: str | None) -> Any:
    if source is None:
        return {}
    raw = read_body(source)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = "standard input" if source == "-" else repr(source)
        raise UsageError(f"The data in {where} is not JSON ({exc}).") from exc


#: The spec's field names as ``send`` spells them, for the sentence's prefix.
_OPTIONS = {"url": "URL", "events": "--event", "headers": "--header", "secret": "--secret",
            "scheme": "--scheme", "retry_policy": "--retry", "timeout": "--timeout",
            "max_concurrency": "--concurrency", "rate_per_minute": "--rate-per-minute",
            "rate_per_hour": "--rate-per-hour"}


def _events(args: argparse.Namespace) -> list[tuple[str, Any]]:
    """What to send: ``--event`` with ``--data-file``, or every line of ``--events-file``
    (all checked before anything is stored; core/event_lines.py)."""
    if (args.event is None) == (args.events_file is None):
        raise UsageError("Give either --event TYPE (one event) or --events-file PATH (JSON "
                         "Lines, one {\"type\": ..., \"data\": ...} a line).")
    if args.event is not None:
        return [(args.event, _read_data(args.data_file))]
    if args.data_file is not None:
        raise UsageError("--data-file goes with --event; in --events-file each line carries "
                         "its own data.")
    try:
        return parse_event_lines(read_body(args.events_file))
    except CoreError as exc:
        where = "standard input" if args.events_file == "-" else repr(args.events_file)
        raise UsageError(f"In {where}: {exc}") from exc


def _subscription_fields(args: argparse.Namespace) -> tuple[dict[str, Any], str, bool]:
    """``(fields, secret, generated)`` for the ad-hoc subscription, or a UsageError.

    The options become the record the API's ``POST /webhooks`` takes and are checked by the
    same spec (``core/specs_records.py``), so ``send`` accepts what the API and the editor do.
    """
    scheme_name, options, retry, timeout = (args.scheme or "standard-webhooks", None,
                                            "standard-webhooks", None)
    rates: dict[str, int | None] = {}
    if args.profile:  # the profile signs, shapes, retries and times out as its provider does
        try:
            profile = profile_library(args).get(args.profile)
        except CoreError as exc:
            raise UsageError(str(exc)) from exc
        scheme_name, options = profile.scheme, profile.scheme_options
        retry, timeout = profile.retry, profile.timeout
        rates = {"rate_per_minute": profile.rate_per_minute,
                 "rate_per_hour": profile.rate_per_hour}
    elif scheme_name not in SIGNING_SCHEMES:
        raise UsageError(f"Unknown scheme {scheme_name!r}; choose one of: "
                         f"{', '.join(SIGNING_SCHEMES)}.")
    headers = dict(parse_pairs(args.header, ":", "--header"))
    pattern = args.event or "*"  # --events-file: the events go to it whatever their type
    record: dict[str, Any] = {"url": args.url, "events": [pattern], "headers": headers,
                              "retry_policy": retry if args.retry is None else args.retry}
    if not args.profile:
        record["scheme"] = scheme_name
    if args.timeout is not None:
        record["timeout"] = args.timeout
    if args.secret:
        record["secret"] = args.secret
    if args.concurrency is not None:
        record["max_concurrency"] = args.concurrency
    for name in ("rate_per_minute", "rate_per_hour"):  # the option wins over the profile
        if getattr(args, name) is not None:
            rates[name] = record[name] = getattr(args, name)
    try:
        if args.event is not None:
            EVENT.validate({"type": args.event, "data": None})
    except SpecError as exc:
        raise UsageError(f"--event: {EVENT.sentence('type', exc.fields['type'])}") from exc
    try:
        valid = check_subscription(record, scheme=scheme_name, options=options)
    except SpecError as exc:
        name, message = next(iter(exc.fields.items()))
        raise UsageError(f"{_OPTIONS.get(name, name)}: {SUBSCRIPTION.sentence(name, message)}"
                         ) from exc
    secret, generated = args.secret, False
    if not secret:
        secret, generated = get_scheme(scheme_name, options).generate_secret(), True
    fields: dict[str, Any] = {
        "url": args.url, "events": [pattern], "headers": headers, "scheme": scheme_name,
        "scheme_options": options, "profile": args.profile,
        "retry_policy": valid["retry_policy"].to_dict(), "adhoc": True,
        "description": "ad-hoc send from the command line",
        "max_concurrency": valid.get("max_concurrency", 1), **rates,
    }
    if args.timeout is not None or timeout is not None:
        fields["timeout_seconds"] = args.timeout if args.timeout is not None else timeout
    return fields, secret, generated


def _summary(data: dict[str, Any]) -> str:
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


def _report(ctx: AppContext, delivery_id: str, as_json: bool, answer: bool = False) -> str:
    """The delivery as JSON or a summary; ``answer``: with the handler's last response."""
    with ctx.store.session() as session:
        data = delivery_to_dict(session, get_delivery(session, delivery_id))
    if as_json:
        print_json(data)
    else:
        print(_summary(data))
        if answer and data["attempts"]:
            print("\n".join(delivery_views.response_lines(data["attempts"][-1])))
    return str(data["state"])


def _dispatcher(ctx: AppContext) -> Any:
    from webhook_studio.sender import Dispatcher
    from webhook_studio.wiring import sender_hooks

    envelope_for, header_hook = sender_hooks(ctx)
    return Dispatcher(ctx.store, ctx.clock, envelope_for=envelope_for, header_hook=header_hook)


async def _work(dispatcher: Any, only: list[str] | None, wait: bool,
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


async def _send(args: argparse.Namespace) -> int:
    events = _events(args)
    fields, secret, generated = _subscription_fields(args)
    ctx = AppContext.open(args.db, profiles=profile_library(args))
    try:
        sub_id = create_subscription(ctx.store, secret=secret, now=ctx.clock.now(), **fields)
        if generated:
            print(f"generated secret: {secret}", file=sys.stderr, flush=True)
        dispatcher = _dispatcher(ctx)
        try:
            ids = dispatcher.emit_many(events, subscription_id=sub_id)
            cut_short = await _work(dispatcher, ids, args.wait, args.wait_timeout)
        finally:
            await dispatcher.stop()
        if args.events_file is None:
            states = [_report(ctx, ids[0], args.json)]
        else:
            states = _report_many(ctx, ids, args.json)
    finally:
        ctx.close()
    if cut_short:
        return fail(cut_short)
    good = ({DeliveryState.DELIVERED} if args.wait
            else {DeliveryState.DELIVERED, DeliveryState.PENDING})
    return EXIT_OK if all(state in good for state in states) else EXIT_FAILED


def _report_many(ctx: AppContext, ids: list[str], as_json: bool) -> list[str]:
    """``--events-file``: one line per delivery (or a JSON array of them), then a count."""
    with ctx.store.session() as session:
        rows = [delivery_to_dict(session, get_delivery(session, i)) for i in ids]
    if as_json:
        print_json(rows)
    else:
        for data in rows:
            last = data["attempts"][-1] if data["attempts"] else None
            result = ("" if last is None else f"HTTP {last['status']}" if last["error"] is None
                      else last["error"])
            print(f"{data['id']}  {data['state']:<9}  {data['event_type']}  {result}".rstrip())
        counts: dict[str, int] = {}
        for data in rows:
            counts[data["state"]] = counts.get(data["state"], 0) + 1
        print(f"{len(rows)} deliveries: " + ", ".join(f"{n} {state}"
                                                        for state, n in sorted(counts.items())))
    return [str(data["state"]) for data in rows]


def _cmd_send(args: argparse.Namespace) -> int:
    return asyncio.run(_send(args))


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
        _report(ctx, args.id, args.json, answer=True)
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
        dispatcher = _dispatcher(ctx)
        try:
            recovered = dispatcher.recover()
            if recovered:
                print(f"recovered {recovered} delivery(ies) left in flight", file=sys.stderr)
            cut_short = await _work(dispatcher, None, args.wait, args.wait_timeout)
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


def _positive_delay(text: str) -> float:
    try:
        return parse_delay(text)
    except CoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def register(sub: argparse._SubParsersAction[Any]) -> None:
    global deliveries_commands
    send = sub.add_parser("send", help="send signed events to a URL, with retries")
    send.add_argument("url", metavar="URL", help="where to send it (http:// or https://)")
    send.add_argument("--event", metavar="TYPE", help="event type (one event)")
    send.add_argument("--data-file", metavar="PATH", help="JSON for the data field; - = stdin")
    send.add_argument("--events-file", metavar="PATH",
                      help='many events, JSON Lines: {"type": "user.created", "data": {...}} '
                           "a line (- = stdin); all checked before any is stored")
    send.add_argument("--concurrency", type=int, metavar="N",
                      help="at most N attempts to URL at once (1-64, default 1: in order)")
    for unit in ("minute", "hour"):
        send.add_argument(f"--rate-per-{unit}", type=int, metavar="N",
                          help=f"at most N attempts to URL a {unit} (default: the profile's, "
                          "else no limit)")
    group = send.add_mutually_exclusive_group()
    group.add_argument("--scheme", metavar="NAME", help="signature scheme "
                       "(default standard-webhooks)")
    group.add_argument("--profile", metavar="NAME",
                       help="provider profile: its scheme, envelope, headers, retry schedule, "
                       "timeout and rate limits (profiles list)")
    send.add_argument("--secret", metavar="S", help="signing secret (generated if omitted)")
    send.add_argument("--retry", metavar="POLICY",
                      help="a preset name, a comma list of delays (0,1s,5m,1h) or "
                      "'exp 30s x2 cap 1h 10 attempts jitter 20%%' (default standard-webhooks)")
    send.add_argument("--timeout", type=_positive_delay, metavar="SECONDS",
                      help="per-attempt deadline, connect to last byte of the answer "
                      "(default 15)")
    send.add_argument("--header", action="append", metavar="NAME:VALUE",
                      help="extra request header (repeatable)")
    add_db_option(send)
    send.add_argument("--wait", action="store_true",
                      help="keep retrying until delivered or given up; exit 1 unless delivered")
    send.add_argument("--wait-timeout", type=_positive_delay, metavar="SECONDS",
                      help="with --wait: stop waiting after this long (exit 1, still pending)")
    send.add_argument("--json", action="store_true", help="print the delivery as JSON")
    send.set_defaults(func=_cmd_send)

    deliveries = sub.add_parser("deliveries", help="list, show, resume, retry, cancel")
    deliveries_commands = deliveries.add_subparsers(dest="deliveries_command",
                                                    metavar="COMMAND", required=True,
                                                    help="one of these")
    lst = deliveries_commands.add_parser("list", help="newest first")
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
    show = deliveries_commands.add_parser("show", help="one delivery with its attempts")
    show.add_argument("id", help="the delivery's id (deliveries list)")
    add_db_option(show)
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(func=_cmd_show)
    delivery_views.register(deliveries_commands)
    resume = deliveries_commands.add_parser(
        "resume", help="after a crash or quit: make due attempts (all retries with --wait)")
    add_db_option(resume)
    resume.add_argument("--wait", action="store_true",
                        help="run until no delivery is pending")
    resume.add_argument("--wait-timeout", type=_positive_delay, metavar="SECONDS",
                        help="with --wait: stop waiting after this long (exit 1)")
    resume.add_argument("--json", action="store_true", help="print the counts as JSON")
    resume.set_defaults(func=_cmd_resume)
    for action, text in (("retry", "make a delivery due now (dead letters too); a replay "
                                   "is replayed again as a new replay; --dead-letters: all "
                                   "of them at once"),
                         ("cancel", "stop retrying a pending delivery")):
        cmd = deliveries_commands.add_parser(action, help=text, description=text)
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
            cmd.add_argument("--since", type=_positive_delay, metavar="DURATION",
                             help="with --dead-letters: only those created in the last "
                             "DURATION (30m, 2h, 1d)")
            cmd.add_argument("--json", action="store_true",
                             help="with --dead-letters: print the ids as JSON")
