"""Tunnel specs and the public URLs tunnels report, parsed from text (no I/O).

A tunnel gives the local receiver a public URL without a tunnel service of our own:

* ``ssh://user@host[:port][?remote_port=N&key=PATH&public_url=URL]``: an SSH reverse tunnel to
  a server the user controls (``GatewayPorts``/``AllowTcpForwarding`` on);
* ``localhost.run`` (or ``ssh://nokey@localhost.run``): the same protocol to a public relay that
  needs no signup and prints the URL it assigned on the SSH channel;
* ``ngrok``: a running ngrok agent, found through its local API;
* ``cloudflared``: a quick tunnel started with ``cloudflared tunnel --url …``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from webhook_studio.core.errors import CoreError

KINDS = ("ssh", "localhost.run", "ngrok", "cloudflared")
LOCALHOST_RUN = "localhost.run"
#: Which request header each tunnel fills with the original client's address.
CLIENT_IP_HEADERS = {"ngrok": "X-Forwarded-For", "cloudflared": "Cf-Connecting-Ip",
                     "localhost.run": "X-Forwarded-For", "ssh": None}

_CLOUDFLARED_URL = re.compile(r"https://[a-z0-9][a-z0-9-]*\.trycloudflare\.com\b")
_LHR_URL = re.compile(r"https://[a-z0-9][a-z0-9.-]*\.(?:lhr\.life|localhost\.run)\b")


class TunnelSpecError(CoreError):
    """The text does not name a tunnel we can open."""


@dataclass(frozen=True)
class TunnelSpec:
    kind: str
    host: str = ""
    port: int = 22
    user: str = ""
    remote_port: int = 0  # 0: the server assigns one
    key_file: str | None = None
    public_url: str | None = None  # for your own server: the URL providers should call

    def describe(self) -> str:
        if self.kind == "ssh":
            return f"SSH tunnel to {self.user}@{self.host}:{self.port}"
        return {"localhost.run": "localhost.run (SSH, no signup)",
                "ngrok": "the running ngrok agent",
                "cloudflared": "a cloudflared quick tunnel"}[self.kind]


def parse_tunnel_spec(text: str) -> TunnelSpec:
    """``ssh://user@host:2222``, ``localhost.run``, ``ngrok`` or ``cloudflared``."""
    value = text.strip()
    if value in ("ngrok", "cloudflared"):
        return TunnelSpec(value)
    if value in (LOCALHOST_RUN, "lhr"):
        return TunnelSpec(LOCALHOST_RUN, host=LOCALHOST_RUN, user="nokey", remote_port=80)
    parts = urlsplit(value)
    if parts.scheme != "ssh":
        raise TunnelSpecError(
            f"{text!r} is not a tunnel: use ssh://user@host[:port], localhost.run, ngrok or "
            "cloudflared.")
    if not parts.hostname:
        raise TunnelSpecError(f"{text!r} needs a host, e.g. ssh://me@tunnel.example.com.")
    try:
        port = parts.port or 22
    except ValueError as exc:
        raise TunnelSpecError(f"The port in {text!r} is not a number from 1 to 65535.") from exc
    if parts.hostname == LOCALHOST_RUN:
        return TunnelSpec(LOCALHOST_RUN, host=LOCALHOST_RUN, port=port,
                          user=parts.username or "nokey", remote_port=80)
    if not parts.username:
        raise TunnelSpecError(f"{text!r} needs a user name: ssh://USER@{parts.hostname}.")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"remote_port", "key", "public_url"})
    if unknown:
        raise TunnelSpecError(f"Unknown option {unknown[0]!r} in {text!r}; the options are "
                              "remote_port, key and public_url.")
    remote_port = 0
    if "remote_port" in query:
        if not query["remote_port"].isdigit() or not 0 <= int(query["remote_port"]) <= 65535:
            raise TunnelSpecError("remote_port must be a port number (0: let the server pick).")
        remote_port = int(query["remote_port"])
    public_url = query.get("public_url")
    if public_url is not None and urlsplit(public_url).scheme not in ("http", "https"):
        raise TunnelSpecError("public_url must be a full http:// or https:// URL.")
    return TunnelSpec("ssh", host=parts.hostname, port=port, user=parts.username,
                      remote_port=remote_port, key_file=query.get("key"),
                      public_url=public_url)


def url_from_localhost_run(line: str) -> str | None:
    """The public URL in one line localhost.run printed on the SSH channel (its JSON events,
    ``{"event": "tcpip-forward", "address": "…lhr.life", …}``, or its text banner)."""
    text = line.strip()
    if text.startswith("{"):
        try:
            event = json.loads(text)
        except ValueError:
            return None
        if isinstance(event, dict) and isinstance(event.get("address"), str) and \
                event.get("event") in (None, "tcpip-forward", "url"):
            address = event["address"].strip()
            if re.fullmatch(r"[a-z0-9][a-z0-9.-]*", address):
                return f"https://{address}"
        return None
    found = _LHR_URL.search(text)
    return found.group(0) if found else None


def url_from_cloudflared(line: str) -> str | None:
    """The quick tunnel's URL in one line of cloudflared's log (it prints it in a box)."""
    found = _CLOUDFLARED_URL.search(line)
    return found.group(0) if found else None


def url_from_ngrok_api(document: Any, local_port: int) -> str | None:
    """The public URL of the ngrok agent's tunnel that forwards to ``local_port`` (https
    preferred), from ``GET /api/tunnels``."""
    tunnels = document.get("tunnels") if isinstance(document, dict) else None
    if not isinstance(tunnels, list):
        return None
    matches = []
    for tunnel in tunnels:
        if not isinstance(tunnel, dict):
            continue
        config = tunnel.get("config")
        addr = str(config.get("addr", "")) if isinstance(config, dict) else ""
        target = addr if "://" in addr else f"http://{addr}"
        try:
            port = urlsplit(target).port
        except ValueError:
            continue
        url = tunnel.get("public_url")
        if port == local_port and isinstance(url, str) and url.startswith(("http://",
                                                                            "https://")):
            matches.append(url)
    matches.sort(key=lambda u: not u.startswith("https://"))
    return matches[0] if matches else None


def client_ip(header_value: str | None) -> str | None:
    """The original client from a forwarding header (the first address of a list)."""
    if not header_value:
        return None
    first = header_value.split(",")[0].strip()
    return first or None
