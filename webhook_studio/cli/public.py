"""``listen --public TUNNEL`` and ``serve --public TUNNEL``: a public URL for the receiver.

Contract (other tools parse it): once the tunnel is up, ``public URL: https://…`` is printed on
stdout on its own line (with ``--json``: ``{"event": "public_url", "url": …}``), again
whenever the relay assigns a new URL; state changes (reconnecting, failed) go to stderr as
sentences.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from webhook_studio.cli.common import UsageError
from webhook_studio.context import AppContext
from webhook_studio.core.tunnels import TunnelSpec, TunnelSpecError, parse_tunnel_spec


def add_public_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--public", metavar="TUNNEL",
        help="also give the receiver a public URL through a tunnel: ssh://user@host[:port] "
        "(your SSH server; options ?remote_port=N&key=PATH&public_url=URL), localhost.run, "
        "ngrok (a running agent) or cloudflared; prints 'public URL: …' once up")
    parser.add_argument(
        "--trust-new-host-key", action="store_true",
        help="with --public ssh://…: trust the server's host key on first use and record it "
        "in the data folder (a changed key is always refused)")


def parse_public(args: argparse.Namespace) -> TunnelSpec | None:
    if not getattr(args, "public", None):
        return None
    try:
        return parse_tunnel_spec(args.public)
    except TunnelSpecError as exc:
        raise UsageError(f"--public: {exc}") from exc


def start_public(spec: TunnelSpec, receiver: Any, ctx: AppContext, port: int,
                 trust_new_host_key: bool, as_json: bool = False) -> Any:
    from webhook_studio.tunnel import open_tunnel
    from webhook_studio.tunnel.attach import attach
    from webhook_studio.tunnel.base import TunnelState

    tunnel = open_tunnel(spec, port, data_dir=ctx.data_dir,
                         accept_new_host_key=trust_new_host_key)
    attach(tunnel, receiver)
    shown: dict[str, str | None] = {"url": None, "status": None}

    def report(state: TunnelState) -> None:
        if state.status == "up" and state.public_url != shown["url"]:
            shown["url"] = state.public_url
            if as_json:  # ``listen --json``: every stdout line is one JSON object
                print(json.dumps({"event": "public_url", "url": state.public_url}), flush=True)
            else:
                print(f"public URL: {state.public_url}", flush=True)
            if state.client_ip_header:
                print(f"client addresses through the tunnel are read from "
                      f"{state.client_ip_header}", file=sys.stderr, flush=True)
        elif state.status in ("reconnecting", "failed") and state.status != shown["status"]:
            print(f"webhook-studio: {state.sentence()}", file=sys.stderr, flush=True)
        shown["status"] = state.status

    tunnel.listeners.append(report)
    print(f"opening {spec.describe()}…", file=sys.stderr, flush=True)
    tunnel.start()
    return tunnel
