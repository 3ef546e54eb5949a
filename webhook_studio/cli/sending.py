"""``webhook-studio send``: signed events to a URL, with retries (the ``deliveries`` commands
that follow them up are in ``cli/deliveries.py``).

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

from webhook_studio.cli import deliveries
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
from webhook_studio.cli.delivery_runs import make_dispatcher, positive_delay, report, work
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.event_lines import parse_event_lines
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.specs import SpecError
from webhook_studio.core.specs_records import (
    EVENT,
    SIGNING_SCHEMES,
    SUBSCRIPTION,
    check_subscription,
)
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.store.sender_queries import (
    create_subscription,
    delivery_to_dict,
    get_delivery,
)


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


async def _send(args: argparse.Namespace) -> int:
    events = _events(args)
    fields, secret, generated = _subscription_fields(args)
    ctx = AppContext.open(args.db, profiles=profile_library(args))
    try:
        sub_id = create_subscription(ctx.store, secret=secret, now=ctx.clock.now(), **fields)
        if generated:
            print(f"generated secret: {secret}", file=sys.stderr, flush=True)
        dispatcher = make_dispatcher(ctx)
        try:
            ids = dispatcher.emit_many(events, subscription_id=sub_id)
            cut_short = await work(dispatcher, ids, args.wait, args.wait_timeout)
        finally:
            await dispatcher.stop()
        if args.events_file is None:
            states = [report(ctx, ids[0], args.json)]
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


def register(sub: argparse._SubParsersAction[Any]) -> None:
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
    send.add_argument("--timeout", type=positive_delay, metavar="SECONDS",
                      help="per-attempt deadline, connect to last byte of the answer "
                      "(default 15)")
    send.add_argument("--header", action="append", metavar="NAME:VALUE",
                      help="extra request header (repeatable)")
    add_db_option(send)
    send.add_argument("--wait", action="store_true",
                      help="keep retrying until delivered or given up; exit 1 unless delivered")
    send.add_argument("--wait-timeout", type=positive_delay, metavar="SECONDS",
                      help="with --wait: stop waiting after this long (exit 1, still pending)")
    send.add_argument("--json", action="store_true", help="print the delivery as JSON")
    send.set_defaults(func=_cmd_send)
    deliveries.register(sub)
