"""``webhook-studio serve`` (receiver + sender + management API, headless) and ``token``.

Contract: ``serve`` prints ``listening on http://HOST:PORT`` (the receiver) and then
``api on http://HOST:API_PORT`` once both are ready, runs until SIGINT or SIGTERM, then stops
the API, flushes every capture, stops the sender and exits 0. Health changes (``sender
degraded: ...``, ``store ok: ...``) are logged to stderr once each, not per retry. The API
token is never printed by ``serve``; ``webhook-studio token`` prints it.

``--tls``: the receiver serves HTTPS (``listening on https://...``) with the self-signed
certificate kept in the data folder, the same pair ``listen --tls`` and the window's Serve
HTTPS use; its path and SHA-256 fingerprint go to stderr first, as ``listen --tls`` prints
them. The API stays plain HTTP: it listens on loopback unless ``--allow-remote``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    fail,
    tls_context,
    wait_for_stop_signal,
)
from webhook_studio.context import AppContext
from webhook_studio.heap import settle_heap


def _check_args(args: argparse.Namespace) -> str:
    """The API's bind address, after the usage checks (UsageError: exit 2)."""
    from webhook_studio.api import is_loopback

    for option, port in (("--port", args.port), ("--api-port", args.api_port)):
        if not 0 <= port <= 65535:
            raise UsageError(f"{option} {port} is not a port number (0 to 65535).")
    api_host = args.api_host or args.host
    if not is_loopback(api_host) and not args.allow_remote:
        raise UsageError(
            f"The API would listen on {api_host}, which other machines can reach; pass "
            "--allow-remote to allow that, or bind it to 127.0.0.1 with --api-host.")
    if not is_loopback(api_host):
        print(f"webhook-studio: warning: the management API listens on {api_host} and can be "
              "reached from other machines; anyone with the token controls this workspace.",
              file=sys.stderr, flush=True)
    return str(api_host)


def _log_to_stderr() -> None:
    """Health changes (``sender degraded: ...``) and engine errors, one line each."""
    import logging

    package = logging.getLogger("webhook_studio")
    if not package.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("webhook-studio: %(message)s"))
        package.addHandler(handler)
        package.setLevel(logging.INFO)
        package.propagate = False


async def run_serve(args: argparse.Namespace, api_host: str) -> int:
    from webhook_studio.api import ApiServer, ApiServices, load_or_create_token, token_path
    from webhook_studio.health import Health, watching
    from webhook_studio.receiver import BindError, EndpointConfig, Receiver
    from webhook_studio.receiver.health import follow_receiver
    from webhook_studio.sender import Dispatcher
    from webhook_studio.wiring import attach_receiver_extras, sender_hooks

    _log_to_stderr()
    ctx = AppContext.open(args.db)
    async with contextlib.AsyncExitStack() as stack:
        # Unwound in reverse: API first (no new work), then the receiver (flushes captures),
        # then the sender, extras and the store. One failing stop() does not skip the others.
        stack.callback(ctx.close)
        token = load_or_create_token(ctx.data_dir)
        health = Health(ctx.clock.now)
        receiver = Receiver(ctx.store, ctx.clock, host=args.host, port=args.port,
                            default_endpoint=EndpointConfig(path="/", name="serve"),
                            ssl_context=tls_context(ctx) if args.tls else None)
        extras = attach_receiver_extras(receiver, ctx)
        stack.push_async_callback(extras.close)
        envelope_for, header_hook = sender_hooks(ctx)
        dispatcher = Dispatcher(ctx.store, ctx.clock, envelope_for=envelope_for,
                                header_hook=header_hook, health=health)
        stack.push_async_callback(dispatcher.stop)  # also closes its client if never started
        api = ApiServer(ApiServices(ctx.store, ctx.clock, dispatcher, receiver, health=health,
                                    profiles=ctx.profiles), token)
        try:
            url = await receiver.start()
            stack.push_async_callback(follow_receiver(health, receiver))
            health.set("receiver", "ok", f"receiving on {url}", expected=True)
            await dispatcher.start()
            api_url = await api.start(api_host, args.api_port)
            stack.push_async_callback(api.stop)
            stack.push_async_callback(watching(health, ctx.store, receiver))
        except BindError as exc:
            return fail(str(exc), EXIT_FAILED)
        settle_heap()  # everything is up: full collections skip the startup heap
        print(f"listening on {url}", flush=True)
        print(f"api on {api_url}", flush=True)
        print(f"api token in {token_path(ctx.data_dir)} (print it with: webhook-studio token)",
              file=sys.stderr, flush=True)
        await wait_for_stop_signal()
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    api_host = _check_args(args)
    return asyncio.run(run_serve(args, api_host))


def _cmd_token(args: argparse.Namespace) -> int:
    from webhook_studio.api import load_or_create_token

    ctx = AppContext.open(args.db)
    try:
        print(load_or_create_token(ctx.data_dir))
    finally:
        ctx.close()
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Any]) -> None:
    serve = sub.add_parser(
        "serve", help="run the receiver, the sender and the management API, headless")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address of the receiver (and of the API unless --api-host)")
    serve.add_argument("--port", type=int, default=8000, help="receiver port; 0 picks one")
    serve.add_argument("--api-host", metavar="HOST",
                       help="address of the management API (default: --host)")
    serve.add_argument("--api-port", type=int, default=8001, help="API port; 0 picks one")
    serve.add_argument("--tls", action="store_true",
                       help="receive over HTTPS with the kept self-signed certificate "
                       "(its SHA-256 fingerprint is printed to stderr)")
    add_db_option(serve)
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow the API on an address other machines can reach")
    serve.set_defaults(func=_cmd_serve)

    token = sub.add_parser("token", help="print the management API's bearer token")
    add_db_option(token)
    token.set_defaults(func=_cmd_token)
