"""``webhook-studio listen`` and ``webhook-studio captures list|show|forward``.

Contract (other tools depend on it): ``listen`` prints ``listening on http://HOST:PORT`` once
ready, runs until SIGINT or SIGTERM, then exits 0 after flushing every capture.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    fail,
    print_json,
    profile_library,
    tls_context,
    wait_for_stop_signal,
)
from webhook_studio.cli.public import add_public_options, parse_public, start_public
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.schemes import SCHEME_NAMES
from webhook_studio.heap import settle_heap
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_queries import (
    capture_to_dict,
    get_capture,
    iso,
    list_captures,
)

#: The ``captures`` sub-command group; other modules add commands to it (export, import).
captures_commands: argparse._SubParsersAction[Any] | None = None


def default_endpoint_from(args: argparse.Namespace) -> Any:
    from webhook_studio.receiver import EndpointConfig
    from webhook_studio.receiver.endpoints import apply_profile

    scheme_name = args.scheme
    profile_name = getattr(args, "profile", None)
    profile = None
    if profile_name:
        profile = profile_library(args).get(profile_name)
        scheme_name = profile.scheme
    elif scheme_name and scheme_name not in SCHEME_NAMES:
        raise UsageError(f"Unknown scheme {scheme_name!r}; choose one of: "
                         f"{', '.join(SCHEME_NAMES)}.")
    if args.secret and not scheme_name:
        raise UsageError("--secret needs --scheme or --profile to know how to verify.")
    from webhook_studio.core.validation import secret_problem

    for secret in args.secret or ():
        options = profile.scheme_options if profile else None
        if problem := secret_problem(str(scheme_name), secret, options, verify_only=True):
            raise UsageError(f"--secret: {problem}")
    try:
        config = EndpointConfig(
            path=args.path or "/", name="listen",
            scheme_name=None if profile else scheme_name, profile=profile_name,
            secrets=tuple(args.secret or ()), tolerance=args.tolerance,
            response_status=args.respond_status, max_body_bytes=args.max_body,
            forward_to=tuple(getattr(args, "forward_to", None) or ()),
            forward_mode=getattr(args, "forward_mode", None) or "async",
        )
        # The profile's scheme, tolerance, duplicate-id header and nonce rules, as for stored
        # endpoints.
        return config if profile is None else apply_profile(config, profile)
    except CoreError as exc:
        raise UsageError(str(exc)) from exc


async def run_listen(args: argparse.Namespace) -> int:
    from webhook_studio.receiver import BindError, Receiver

    endpoint = default_endpoint_from(args)
    ctx = AppContext.open(args.db, profiles=profile_library(args))
    receiver = Receiver(ctx.store, ctx.clock, host=args.host, port=args.port,
                        default_endpoint=endpoint,
                        ssl_context=tls_context(ctx) if args.tls else None)
    from webhook_studio.wiring import attach_receiver_extras

    extras = attach_receiver_extras(receiver, ctx, forward_retry=forward_retry_policy(args))
    log = None
    closed = asyncio.Event()  # set when nobody reads our output any more
    if not args.quiet:
        from webhook_studio.cli.listen_log import RequestLog

        log = RequestLog(as_json=args.json, on_closed=closed.set)
        receiver.hub.subscribe(log)
    try:
        url = await receiver.start()
    except BindError as exc:
        ctx.close()
        return fail(str(exc), EXIT_FAILED)
    if args.json:
        print(json.dumps({"event": "listening", "url": url}), flush=True)
    else:
        print(f"listening on {url}", flush=True)
    settle_heap()  # up and bound: full collections no longer walk the startup heap
    tunnel = None
    try:
        if (spec := parse_public(args)) is not None:
            tunnel = start_public(spec, receiver, ctx, int(url.rsplit(":", 1)[1]),
                                  args.trust_new_host_key, as_json=args.json)
        await wait_for_stop_signal(closed)
    finally:
        if tunnel is not None:
            await tunnel.stop()
        await receiver.stop()
        if log is not None:
            log.flush()
        await extras.close()
        ctx.close()
    return EXIT_OK


def forward_retry_policy(args: argparse.Namespace) -> Any:
    """``--forward-retry`` as a Policy (None: the relay's default), or a UsageError."""
    text = getattr(args, "forward_retry", None)
    if text is None:
        return None
    from webhook_studio.core.retry import parse_policy

    try:
        return parse_policy(text)
    except CoreError as exc:  # its sentence names the presets where they could be meant
        raise UsageError(f"--forward-retry: {exc}") from exc


def _cmd_listen(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number (0 to 65535).")
    if args.forward_mode == "proxy" and not args.forward_to:
        raise UsageError("--forward-mode proxy answers with a target's response: give the "
                         "target with --forward-to URL.")
    forward_retry_policy(args)  # a bad schedule is a usage error before anything starts
    parse_public(args)  # a bad --public is a usage error before anything starts
    from webhook_studio.core import limits
    from webhook_studio.core.validation import range_problem

    for option, value, rng, what in (
            ("--max-body", args.max_body, limits.ENDPOINT_BODY_BYTES, "The body limit"),
            ("--tolerance", args.tolerance, limits.TOLERANCE_SECONDS, "The tolerance"),
            ("--respond-status", args.respond_status, limits.RESPONSE_STATUS, "The status")):
        if problem := range_problem(value, rng, what):
            raise UsageError(f"{option}: {problem}")
    return asyncio.run(run_listen(args))


def _verdict_word(valid: bool | None) -> str:
    return {True: "valid", False: "INVALID", None: "-"}[valid]


def _cmd_list(args: argparse.Namespace) -> int:
    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            rows = list_captures(session, limit=args.limit, with_body=args.json)
            if args.json:
                print_json([capture_to_dict(c) for c in rows])
                return EXIT_OK
            print(f"{'ID':>6}  {'RECEIVED (UTC)':<24} {'METHOD':<7} {'STATUS':>6}  "
                  f"{'VERDICT':<8} {'SIZE':>8}  PATH")
            for c in rows:
                dup = f"  (duplicate of #{c.duplicate_of})" if c.duplicate_of else ""
                print(f"{c.id:>6}  {iso(c.received_at) or '':<24} {c.method:<7} "
                      f"{c.response_status or 0:>6}  {_verdict_word(c.verify_valid):<8} "
                      f"{c.body_size:>8}  {c.path}{'?' + c.query if c.query else ''}{dup}")
            if not rows:
                print("No captures yet. Start a receiver with: webhook-studio listen")
    finally:
        ctx.close()
    return EXIT_OK


def render_capture(data: dict[str, Any], body: bytes) -> str:
    lines = [f"Capture #{data['id']}  {data['received_at'] or '(time unreadable)'}  "
             f"from {data['remote_addr']}",
             "",
             f"{data['method']} {data['path']}{'?' + data['query'] if data['query'] else ''}"]
    lines += [f"{k}: {v}" for k, v in data["headers"]]
    lines.append("")
    if body:
        try:
            lines.append(body.decode("utf-8"))
        except UnicodeDecodeError:
            preview = body[:256]
            lines.append(f"({len(body)} bytes, not UTF-8; first {len(preview)} as hex)")
            lines += [preview[i:i + 32].hex(" ") for i in range(0, len(preview), 32)]
    else:
        lines.append("(empty body)")
    v = data["verification"]
    lines += ["", f"State: {data['state']}" + (f" ({data['error']})" if data["error"] else "")]
    if v["scheme"]:
        lines.append(f"Verification ({v['scheme']}): {v['message']}")
    else:
        lines.append("Verification: no scheme configured for this endpoint.")
    if data["duplicate_of"]:
        lines.append(f"Duplicate of capture #{data['duplicate_of']} (same delivery id).")
    lines.append(f"Response: {data['response_status']}"
                 + (f" after {data['duration_ms']:.1f} ms" if data["duration_ms"] else ""))
    for f in data["forwards"]:
        lines.append(f"Forwarded to {f.get('url')}: {f.get('status') or f.get('error')}")
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            try:
                capture = get_capture(session, args.id)
            except NotFound as exc:
                return fail(f"{exc} List them with: webhook-studio captures list")
            print(render_capture(capture_to_dict(capture), capture.body or b""))
    finally:
        ctx.close()
    return EXIT_OK


def _cmd_forward(args: argparse.Namespace) -> int:
    """``captures forward ID``: the inspector's Retry forward, from a shell. A one-off relay
    sends it (a ``listen`` running elsewhere keeps its own automatic retries)."""
    from webhook_studio.relay.errors import ForwardTargetError
    from webhook_studio.relay.forward import retry_forward

    ctx = AppContext.open(args.db)
    try:
        result = asyncio.run(retry_forward(ctx.store, None, args.id, args.target))
    except NotFound as exc:
        return fail(f"{exc} List them with: webhook-studio captures list")
    except ForwardTargetError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        ctx.close()
    if args.json:
        print_json(result)
    else:
        answer = (f"{result['status']}" if result["status"] is not None
                  else f"failed: {result['error']}")
        print(f"forwarded capture #{args.id} again to {result['url']}: {answer} in "
              f"{result['duration_ms']} ms (forward {result['attempt']} to that target)")
    return EXIT_OK if result["ok"] else EXIT_FAILED


def register(sub: argparse._SubParsersAction[Any]) -> None:
    global captures_commands
    listen = sub.add_parser(
        "listen", help="receive webhooks, verify and store them",
        description="Receive webhooks on a local port, verify and store each one, and print "
        "a line per request: time, method, path, verdict, status answered, size, capture id.")
    listen.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    listen.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    add_db_option(listen)
    group = listen.add_mutually_exclusive_group()
    group.add_argument("--scheme", metavar="NAME",
                       help=f"verify signatures under this scheme ({', '.join(SCHEME_NAMES)})")
    group.add_argument("--profile", metavar="NAME",
                       help="verify as this provider profile: its scheme, tolerance, "
                       "duplicate-id header and nonce rules (profiles list)")
    listen.add_argument("--secret", action="append", metavar="S",
                        help="verification secret; repeat for rotation (newest first)")
    listen.add_argument("--tolerance", type=int, metavar="SECONDS",
                        help="clock skew accepted on signed timestamps (-1: no check)")
    listen.add_argument("--path", metavar="PREFIX", help="path the default endpoint claims")
    listen.add_argument("--respond-status", type=int, default=200, metavar="CODE",
                        help="status to answer each request with (default 200)")
    listen.add_argument("--max-body", type=int, default=10 * 1024 * 1024, metavar="BYTES",
                        help="bodies above this are answered 413 (default 10 MiB)")
    output = listen.add_mutually_exclusive_group()
    output.add_argument("--quiet", action="store_true",
                        help="print no line per request (only the listening line)")
    output.add_argument("--json", action="store_true",
                        help="print one JSON object per line instead of text")
    listen.add_argument("--forward-to", action="append", metavar="URL",
                        help="relay each capture to this URL too (repeatable)")
    listen.add_argument("--forward-mode", choices=("async", "proxy"), default="async",
                        help="async (default): answer the provider at once with "
                        "--respond-status and forward in the background; proxy: forward "
                        "first and answer with the first --forward-to target's response")
    listen.add_argument("--forward-retry", metavar="SCHEDULE",
                        help="when a forward fails, try again on this schedule: a comma "
                        "list of delays (the first is the forward itself), e.g. 0,1s,5s,30s "
                        "(the default), or a preset name as for send --retry; 0 never "
                        "retries")
    listen.add_argument("--tls", action="store_true",
                        help="serve HTTPS with a self-signed certificate kept in the data folder")
    add_public_options(listen)
    listen.set_defaults(func=_cmd_listen)

    captures = sub.add_parser("captures", help="list, show, export and import captures")
    captures_commands = captures.add_subparsers(dest="captures_command", metavar="COMMAND",
                                                required=True, help="one of these")
    lst = captures_commands.add_parser("list", help="newest first")
    add_db_option(lst)
    lst.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lst.add_argument("--json", action="store_true", help="print them as JSON")
    lst.set_defaults(func=_cmd_list)
    show = captures_commands.add_parser("show", help="one capture, readable")
    show.add_argument("id", type=int, help="the capture's id (captures list)")
    add_db_option(show)
    show.set_defaults(func=_cmd_show)
    forward = captures_commands.add_parser(
        "forward", help="forward a capture to its endpoint's target again, now",
        description="Forward a capture again, once, now, to one of its forward targets (the "
        "endpoint's Forward to, or where it was forwarded before), as the inspector's Retry "
        "forward does; the outcome is added to the capture's forwards. Exits 1 unless the "
        "target answers 2xx. To send it anywhere else: replay ID --to URL.")
    forward.add_argument("id", type=int, help="the capture's id (captures list)")
    forward.add_argument("--target", metavar="URL",
                         help="which target, when the capture has several")
    forward.add_argument("--json", action="store_true", help="print the forward as JSON")
    add_db_option(forward)
    forward.set_defaults(func=_cmd_forward)


