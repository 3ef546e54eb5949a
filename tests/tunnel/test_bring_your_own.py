"""Bring-your-own tunnels, with stand-ins that speak the real interfaces (no ngrok or
cloudflared here): an HTTP server answering the ngrok agent's GET /api/tunnels with its JSON
shape, and a `cloudflared` script on PATH printing cloudflared's real log lines. And the
receiver verifying URL-signing schemes against the tunnel's public URL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import stat
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.tunnel.test_ssh_tunnel import local_port, until, wait_captures
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.store import Store
from webhook_studio.tunnel.attach import attach
from webhook_studio.tunnel.cloudflared import CloudflaredTunnel
from webhook_studio.tunnel.ngrok import NgrokAgentTunnel

# cloudflared's log as it prints it (long lines kept verbatim).
CLOUDFLARED_LOG = """\
2026-11-30T10:00:00Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels for violations of such terms. If you intend to use Tunnels in production you should use a pre-created named tunnel by following: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/
2026-11-30T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...
2026-11-30T10:00:01Z INF +--------------------------------------------------------------------------------------------+
2026-11-30T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
2026-11-30T10:00:01Z INF |  https://{name}.trycloudflare.com                                      |
2026-11-30T10:00:01Z INF +--------------------------------------------------------------------------------------------+
2026-11-30T10:00:01Z INF Version 2024.11.1
"""


def ngrok_tunnels(public_url: str, port: int) -> dict[str, Any]:
    """The agent API's shape (GET /api/tunnels), an https and an http tunnel to one port."""
    return {"tunnels": [
        {"name": "command_line", "ID": "3e4cd1b1ad8e8bb2a2b0c1a0b8d5f0e1",
         "uri": "/api/tunnels/command_line", "public_url": public_url, "proto": "https",
         "config": {"addr": f"http://localhost:{port}", "inspect": True},
         "metrics": {"conns": {"count": 0}, "http": {"count": 0}}},
        {"name": "other", "ID": "aa", "uri": "/api/tunnels/other",
         "public_url": "https://unrelated.ngrok-free.app", "proto": "https",
         "config": {"addr": "http://localhost:9999", "inspect": True}, "metrics": {}}],
        "uri": "/api/tunnels"}


async def test_ngrok_agent_stand_in_gives_its_url_follows_changes_and_outages() -> None:
    answer: dict[str, Any] = ngrok_tunnels("https://1a2b-203-0-113-9.ngrok-free.app", 8123)

    async def tunnels(_request: web.Request) -> web.Response:
        if not answer:
            raise web.HTTPBadGateway
        return web.json_response(answer)

    app = web.Application()
    app.router.add_get("/api/tunnels", tunnels)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    tunnel = NgrokAgentTunnel(8123, api_url=f"http://127.0.0.1:{port}", poll_seconds=0.1)
    tunnel.backoff_start = 0.1
    tunnel.start()
    try:
        await until(tunnel, "up")
        assert tunnel.state.public_url == "https://1a2b-203-0-113-9.ngrok-free.app"
        assert tunnel.state.client_ip_header == "X-Forwarded-For"
        answer.update(ngrok_tunnels("https://5f6e-198-51-100-7.ngrok-free.app", 8123))
        async with asyncio.timeout(10):
            while tunnel.state.public_url != "https://5f6e-198-51-100-7.ngrok-free.app":
                await asyncio.sleep(0.05)
        answer.clear()  # the agent stopped answering
        await until(tunnel, "reconnecting")
        assert tunnel.state.public_url == "https://5f6e-198-51-100-7.ngrok-free.app"
    finally:
        await tunnel.stop()
        await runner.cleanup()


async def test_ngrok_without_an_agent_says_how_to_start_one() -> None:
    tunnel = NgrokAgentTunnel(8123, api_url="http://127.0.0.1:9")
    tunnel.start()
    await until(tunnel, "reconnecting")
    assert "ngrok http 8123" in tunnel.state.reason
    await tunnel.stop()


def fake_cloudflared(folder: Path, name: str, lifetime: str = "sleep 600") -> Path:
    """A `cloudflared` stand-in: prints the real log lines, then runs until stopped."""
    script = folder / "cloudflared"
    log = folder / "cloudflared.log"
    log.write_text(CLOUDFLARED_LOG.replace("{name}", name))
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> "{folder}/calls"\ncat "{log}" >&2\n'
                      f"exec {lifetime}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def test_cloudflared_stand_in_is_started_read_and_stopped_with_us(tmp_path: Path) -> None:
    script = fake_cloudflared(tmp_path, "seasonal-deck-organisms-sf")
    tunnel = CloudflaredTunnel(8124, executable=str(script))
    tunnel.start()
    try:
        await until(tunnel, "up")
        assert tunnel.state.public_url == "https://seasonal-deck-organisms-sf.trycloudflare.com"
        assert tunnel.state.client_ip_header == "Cf-Connecting-Ip"
        pid_text, args = (tmp_path / "calls").read_text().split(" ", 1)
        assert args.strip() == "tunnel --no-autoupdate --url http://127.0.0.1:8124"
        assert alive(int(pid_text))
    finally:
        await tunnel.stop()
    assert not alive(int(pid_text))  # what we started is stopped with us


async def test_cloudflared_stand_in_that_exits_is_started_again(tmp_path: Path) -> None:
    script = fake_cloudflared(tmp_path, "first-quick-tunnel-name", lifetime="sleep 0.5")
    tunnel = CloudflaredTunnel(8125, executable=str(script))
    tunnel.backoff_start = 0.1
    tunnel.start()
    try:
        await until(tunnel, "up")
        await until(tunnel, "reconnecting")
        assert "cloudflared exited" in tunnel.state.reason
        await until(tunnel, "up")
        assert len((tmp_path / "calls").read_text().splitlines()) >= 2
    finally:
        await tunnel.stop()


async def test_missing_cloudflared_fails_with_a_sentence() -> None:
    tunnel = CloudflaredTunnel(8126, executable="no-such-cloudflared-here")
    tunnel.start()
    await until(tunnel, "failed")
    assert "cloudflared is not installed" in tunnel.state.reason
    await tunnel.stop()


async def test_url_signing_schemes_verify_against_the_tunnels_public_url(
        store: Store, tmp_path: Path) -> None:
    """Twilio signs the URL it called (https://…trycloudflare.com/sms), which is not the local
    http://127.0.0.1 URL: with the tunnel up, the receiver checks against the public one, and
    takes the client's address from the tunnel's header for those requests only."""
    token = "12345"
    receiver = Receiver(store, port=0, default_endpoint=EndpointConfig(
        scheme_name="twilio", secrets=(token,)))
    await receiver.start()
    script = fake_cloudflared(tmp_path, "public-hook-name")
    tunnel = CloudflaredTunnel(local_port(receiver), executable=str(script))
    attach(tunnel, receiver)
    public = "https://public-hook-name.trycloudflare.com"
    body = b"Body=Hello&From=%2B14158675310"
    params = "BodyHelloFrom+14158675310"
    signature = base64.b64encode(hmac.new(token.encode(), f"{public}/sms{params}".encode(),
                                          hashlib.sha1).digest()).decode()
    headers = {"X-Twilio-Signature": signature, "Host": "public-hook-name.trycloudflare.com",
               "Content-Type": "application/x-www-form-urlencoded",
               "Cf-Connecting-Ip": "198.51.100.23"}

    async def post() -> None:  # as cloudflared forwards it: plain http, the public Host
        async with aiohttp.ClientSession() as session, session.post(
                f"{receiver.url}/sms", data=body, headers=headers) as response:
            await response.read()

    try:
        await post()  # no tunnel yet: the signed URL does not match the local one
        tunnel.start()
        await until(tunnel, "up")
        await post()
        before, after = await wait_captures(store, 2)
        assert before.verify_valid is False and before.remote_addr == "127.0.0.1"
        assert after.verify_valid is True and after.remote_addr == "198.51.100.23"
        assert after.body == body
    finally:
        await tunnel.stop()
        await receiver.stop()
