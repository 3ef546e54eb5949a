"""Wire a tunnel to a receiver: while it is up, the receiver knows its public URL (to verify
URL-signing schemes against it) and which header carries the client's address."""

from __future__ import annotations

from typing import Any

from webhook_studio.tunnel.base import Tunnel, TunnelState


def attach(tunnel: Tunnel, receiver: Any) -> None:
    def follow(state: TunnelState) -> None:
        if state.status == "up":
            receiver.public_url = state.public_url
            receiver.client_ip_header = state.client_ip_header
        elif state.status in ("failed", "stopped"):
            receiver.public_url = None
            receiver.client_ip_header = None
        # connecting/reconnecting: keep the last URL; it changes only when the relay says so

    tunnel.listeners.append(follow)
