"""``webhook-studio handshake URL --profile NAME`` (a real CLI subprocess) plays the provider's
side of each handshake against a real receiver endpoint with the same profile, and says when a
consumer answers wrong."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.context import AppContext
from webhook_studio.core import keys
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.wiring import attach_receiver_extras

LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-profiles"))
NAMES = sorted(p.name for p in LIBRARY.profiles.values() if p.handshake != "none")


async def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI's own main() in a thread, so the receiver on this loop keeps answering."""
    from webhook_studio.cli import main

    code = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "webhook_studio", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return int(proc.returncode or 0), out.decode(), err.decode()


def pair_for(name: str) -> tuple[str, str]:
    """(secret the provider holds, secret the consumer's endpoint holds)."""
    scheme = LIBRARY.get(name).make_scheme()
    secret = scheme.generate_secret()
    form = getattr(scheme, "public_key_format", None)
    if form is None:
        return secret, secret
    return secret, keys.public_forms(keys.load_private(secret).public_key())[form]


@pytest.mark.parametrize("name", NAMES)
async def test_the_receiver_passes_each_providers_handshake(
        ctx: AppContext, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    provider, consumer = pair_for(name)
    endpoint_secrets = ([consumer, "the-verify-token"] if name in ("meta", "ebay")
                        else [consumer])
    if name in ("asana", "notion"):
        endpoint_secrets = []  # the handshake hands the secret over
    receiver = Receiver(ctx.store, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    create_endpoint(ctx.store, path=f"/{name}", scheme="hmac", profile=name,
                    secrets=endpoint_secrets, reject_invalid=True)
    receiver.reload_endpoints()
    try:
        code, out, err = await in_process(capsys, "handshake", f"{url}/{name}", "--profile",
                                          name, f"--secret={provider}", "--verify-token",
                                          "the-verify-token", "--json")
        assert code == 0, out + err
        report = json.loads(out)
        assert report["accepted"] is True and report["probes"]
        if name == "meta":
            code, out, _ = await in_process(capsys, "handshake", f"{url}/{name}",
                                            "--profile", name, "--verify-token", "a-guess")
            assert code == 1 and "answered 403" in out and "NOT accept" in out
    finally:
        await receiver.stop()
        await extras.close()


class AcceptingConsumer:
    """A consumer that answers every request ``{"type": 1}`` with a 200, whatever its
    signature (the mistake Discord's bad-signature probe is there to catch), on a server of
    its own that reads each request whole and keeps connections alive, as most servers do.

    Not the session's pytest-httpserver: twice in nine clean-clone CI runs the second probe
    sent to that shared single-threaded server got "connection reset by peer" with no
    request logged, while 600 probes to a fresh one, and 150 CLI runs under CPU load,
    never did."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                      ) -> None:
        self.connections += 1
        try:
            while True:  # HTTP/1.1 keep-alive: answer every request on this connection
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 11\r\n\r\n{\"type\": 1}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the provider closed the connection
        finally:
            writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/interactions"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


@pytest.mark.slow
async def test_a_consumer_that_accepts_bad_signatures_fails_discords_check() -> None:
    secret = keys.generate("ed25519").private
    async with AcceptingConsumer() as url:
        code, out, _ = await cli("handshake", url, "--profile", "discord", f"--secret={secret}")
    assert code == 1
    assert "✓ Discord (interactions) signed PING" in out
    assert "✗ Discord (interactions) badly signed PING: answered 200; the provider expects " \
           "401" in out


async def test_each_probe_goes_on_a_connection_of_its_own(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """A consumer that closes idle connections (most servers do) never sees a probe land on
    a connection it already closed: every probe opens its own, as the provider's do."""
    consumer = AcceptingConsumer()
    secret = keys.generate("ed25519").private
    async with consumer as url:
        code, out, _ = await in_process(capsys, "handshake", url, "--profile", "discord",
                                        f"--secret={secret}")
    assert code == 1  # this consumer accepts a bad signature: the check says so, nothing else
    assert "✓ Discord (interactions) signed PING" in out, out
    assert "badly signed PING: answered 200" in out, out
    assert consumer.connections == out.count("PING")  # one connection per probe, none reused


async def test_usage_errors_are_sentences(httpserver: HTTPServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    url = httpserver.url_for("/x")
    code, _, err = await in_process(capsys, "handshake", url, "--profile", "stripe")
    assert code == 2 and "has no handshake" in err
    code, _, err = await in_process(capsys, "handshake", url, "--profile", "meta")
    assert code == 2 and "--verify-token" in err
    code, _, err = await in_process(capsys, "handshake", url, "--profile", "twitter")
    assert code == 2 and "--secret" in err
    code, _, err = await in_process(capsys, "handshake", "ftp://x", "--profile", "meta")
    assert code == 2 and "not an http(s) URL" in err
    assert not httpserver.log  # nothing was sent
