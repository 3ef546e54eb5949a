"""Public URLs for the local receiver through tunnels people already trust (SSH reverse
tunnels to your server or localhost.run, a running ngrok agent, cloudflared quick tunnels).

No tunnel service of our own: bytes go through the tunnel as TCP or HTTP and reach the
receiver unchanged, so signatures still verify. ``open_tunnel`` builds one from its spec.
"""

from __future__ import annotations

from pathlib import Path

from webhook_studio import paths
from webhook_studio.core.tunnels import TunnelSpec, TunnelSpecError, parse_tunnel_spec
from webhook_studio.tunnel.base import Tunnel, TunnelError, TunnelState


def open_tunnel(spec: str | TunnelSpec, local_port: int, *, data_dir: Path | None = None,
                accept_new_host_key: bool = False, ngrok_api: str | None = None,
                cloudflared: str = "cloudflared") -> Tunnel:
    """A tunnel (not started) for ``spec``; raises TunnelSpecError for bad text."""
    parsed = parse_tunnel_spec(spec) if isinstance(spec, str) else spec
    if parsed.kind == "ngrok":
        from webhook_studio.tunnel.ngrok import DEFAULT_API, NgrokAgentTunnel

        return NgrokAgentTunnel(local_port, api_url=ngrok_api or DEFAULT_API)
    if parsed.kind == "cloudflared":
        from webhook_studio.tunnel.cloudflared import CloudflaredTunnel

        return CloudflaredTunnel(local_port, executable=cloudflared)
    from webhook_studio.tunnel.ssh import SshTunnel

    known = paths.known_hosts_file(data_dir) if data_dir is not None else None
    return SshTunnel(parsed, local_port, known_hosts=known,
                     accept_new_host_key=accept_new_host_key or parsed.kind == "localhost.run")


__all__ = ["Tunnel", "TunnelError", "TunnelSpec", "TunnelSpecError", "TunnelState",
           "open_tunnel", "parse_tunnel_spec"]
