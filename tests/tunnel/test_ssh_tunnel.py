"""SSH reverse tunnels against a real OpenSSH server on loopback: bytes arrive exactly and
verified, host keys are checked, and a killed session reconnects to the same URL."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.orm import undefer

from tests.tunnel.conftest import Sshd, free_port
from webhook_studio.core.tunnels import parse_tunnel_spec
from webhook_studio.receiver import Receiver
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.tunnel import open_tunnel
from webhook_studio.tunnel.attach import attach
from webhook_studio.tunnel.base import Tunnel, TunnelState

SECRET = b"It's a Secret to Everybody"
BODY = '{"zen":"Keep it logically awesome.","emoji":"🪝","crlf":"a\\r\\nb"}\n'.encode()


def local_port(receiver: Receiver) -> int:
    assert receiver.url is not None
    return int(receiver.url.rsplit(":", 1)[1])


async def until(tunnel: Tunnel, status: str) -> None:
    async with asyncio.timeout(30.0):
        while tunnel.state.status != status:
            await asyncio.sleep(0.05)


async def post_signed(url: str, body: bytes = BODY) -> int:
    signature = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers={"X-Hub-Signature-256": signature,
                                     "X-GitHub-Event": "ping"}) as response:
        await response.read()
        return response.status


async def wait_captures(store: Store, count: int) -> list[Capture]:
    async with asyncio.timeout(20):
        while True:
            with store.session() as session:
                rows = session.query(Capture).options(undefer(Capture.body)).order_by(
                    Capture.id).all()
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.05)


def ssh_tunnel(sshd: Sshd, receiver: Receiver, data_dir: Path, **options: object) -> Tunnel:
    spec = parse_tunnel_spec(sshd.url(key=sshd.client_key, **options))
    tunnel = open_tunnel(spec, local_port(receiver), data_dir=data_dir,
                         accept_new_host_key=True)
    tunnel.backoff_start = 0.2
    attach(tunnel, receiver)
    return tunnel


async def test_a_signed_request_through_the_ssh_tunnel_arrives_byte_exact_and_verified(
        sshd: Sshd, receiver: Receiver, store: Store, tmp_path: Path) -> None:
    tunnel = ssh_tunnel(sshd, receiver, tmp_path)
    tunnel.start()
    try:
        await until(tunnel, "up")
        public = tunnel.state.public_url
        assert public is not None and public.startswith("http://127.0.0.1:")
        assert receiver.public_url == public
        assert await post_signed(public + "/hooks/github") == 200
        (capture,) = await wait_captures(store, 1)
        assert capture.body == BODY
        assert capture.path == "/hooks/github"
        assert capture.verify_valid is True
        # The server's key was recorded on first use and is checked from now on.
        assert "ssh-ed25519" in (tmp_path / "known_hosts").read_text()
    finally:
        await tunnel.stop()
    assert tunnel.state.status == "stopped" and receiver.public_url is None


async def test_a_killed_session_reconnects_and_the_same_url_comes_back(
        sshd: Sshd, receiver: Receiver, store: Store, tmp_path: Path) -> None:
    remote = free_port()
    tunnel = ssh_tunnel(sshd, receiver, tmp_path, remote_port=remote)
    seen: list[str] = []
    tunnel.listeners.append(lambda state: seen.append(state.status))
    tunnel.start()
    try:
        await until(tunnel, "up")
        first_url = tunnel.state.public_url
        assert first_url == f"http://127.0.0.1:{remote}"
        assert sshd.kill_sessions() >= 1
        await until(tunnel, "reconnecting")
        assert tunnel.state.public_url == first_url  # shown until the server says otherwise
        await until(tunnel, "up")
        assert tunnel.state.public_url == first_url
        assert await post_signed(first_url + "/again") == 200
        rows = await wait_captures(store, 1)
        assert rows[-1].path == "/again" and rows[-1].verify_valid is True
        assert seen[:1] == ["connecting"] and "reconnecting" in seen
    finally:
        await tunnel.stop()


async def test_an_unknown_host_key_is_refused_unless_trusted_and_a_changed_one_always(
        sshd: Sshd, receiver: Receiver, tmp_path: Path) -> None:
    spec = parse_tunnel_spec(sshd.url(key=sshd.client_key))
    strict = open_tunnel(spec, local_port(receiver), data_dir=tmp_path / "strict")
    strict.start()
    await until(strict, "failed")
    assert "host key is not known" in strict.state.reason
    await strict.stop()

    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "known_hosts").write_text(
        f"[127.0.0.1]:{sshd.port} ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    liar = open_tunnel(spec, local_port(receiver), data_dir=changed, accept_new_host_key=True)
    liar.start()
    await until(liar, "failed")
    assert "does not match" in liar.state.reason
    await liar.stop()


async def test_wrong_keys_fail_with_a_sentence(sshd: Sshd, receiver: Receiver,
                                               tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)],
                   check=True)
    spec = parse_tunnel_spec(sshd.url(key=stranger))
    tunnel = open_tunnel(spec, local_port(receiver), data_dir=tmp_path,
                         accept_new_host_key=True)
    tunnel.start()
    await until(tunnel, "failed")
    assert "refused our keys" in tunnel.state.reason
    await tunnel.stop()


@pytest.mark.parametrize("bad", ["ssh://host", "ftp://me@host", "ssh://me@host:99999",
                                 "ssh://me@host?port=1", "nonsense"])
def test_bad_tunnel_specs_are_sentences(bad: str) -> None:
    from webhook_studio.core.tunnels import TunnelSpecError

    with pytest.raises(TunnelSpecError) as info:
        parse_tunnel_spec(bad)
    assert str(info.value).endswith(".")


async def test_a_relay_announcing_urls_on_the_channel_is_followed_like_localhost_run(
        relay_sshd: Sshd, receiver: Receiver, tmp_path: Path) -> None:
    """localhost.run's protocol: a remote forward, then the URL it assigned as a JSON event on
    the session channel (a stand-in relay: sshd whose ForceCommand prints those events). The
    shown URL changes only when the relay announces another."""
    from webhook_studio.core.tunnels import LOCALHOST_RUN, TunnelSpec
    from webhook_studio.tunnel.ssh import SshTunnel

    spec = TunnelSpec(LOCALHOST_RUN, host="127.0.0.1", port=relay_sshd.port,
                      user=relay_sshd.user, remote_port=0, key_file=str(relay_sshd.client_key))
    tunnel = SshTunnel(spec, local_port(receiver), known_hosts=tmp_path / "known_hosts",
                       accept_new_host_key=True)
    attach(tunnel, receiver)
    urls: list[str] = []

    def seen(state: TunnelState) -> None:
        if state.status == "up":
            urls.append(str(state.public_url))

    tunnel.listeners.append(seen)
    tunnel.start()
    try:
        await until(tunnel, "up")
        assert tunnel.state.public_url == "https://4f2a9c1e7b3d5a.lhr.life"
        assert tunnel.state.client_ip_header == "X-Forwarded-For"
        async with asyncio.timeout(20):
            while tunnel.state.public_url != "https://9b8c7d6e5f4a3b.lhr.life":
                await asyncio.sleep(0.05)
        assert receiver.public_url == "https://9b8c7d6e5f4a3b.lhr.life"
        assert urls == ["https://4f2a9c1e7b3d5a.lhr.life", "https://9b8c7d6e5f4a3b.lhr.life"]
    finally:
        await tunnel.stop()
