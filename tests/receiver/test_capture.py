"""What arrives is what is stored: bytes, headers, verdicts, duplicates; over real sockets."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

from tests.receiver.conftest import StartReceiver
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.receiver import CaptureStored, EndpointConfig
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint

GH_SECRET = "It's a Secret to Everybody"


async def post(url: str, body: bytes | AsyncIterator[bytes],
               headers: list[tuple[str, str]] | None = None,
               **kw: object) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers=headers or [], **kw) as resp:  # type: ignore[arg-type]
        text = await resp.read()
        return resp.status, json.loads(text) if text.startswith(b"{") else {}


async def test_valid_and_invalid_signatures_under_several_schemes(
        start_receiver: StartReceiver, store: Store, fetch: Callable[[int], Capture]) -> None:
    receiver = await start_receiver()
    secrets = {"github": GH_SECRET, "stripe": "whsec_stripe",
               "standard-webhooks": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "slack": "sl"}
    for name, secret in secrets.items():
        create_endpoint(store, path=f"/hooks/{name}", scheme=name, secrets=[secret])
    receiver.reload_endpoints()
    body = b'{"type":"ping","n":"\xc3\xa9"}\n'
    now = int(receiver.clock.now())
    for name, secret in secrets.items():
        headers = get_scheme(name).sign(secret, SignInput(body, "msg_1" + name, now))
        status, reply = await post(f"{receiver.url}/hooks/{name}", body, list(headers.items()))
        assert status == 200
        good = fetch(int(reply["capture"]))
        assert good.verify_valid is True, good.verification
        assert good.body == body
        status, reply = await post(f"{receiver.url}/hooks/{name}", body + b" ",
                                   list(headers.items()))
        bad = fetch(int(reply["capture"]))
        assert bad.verify_valid is False
        assert bad.verification is not None and bad.verification["reason"] == \
            "no_signature_matched"


async def test_binary_invalid_utf8_gzip_and_chunked_bodies_are_kept_exactly(
        start_receiver: StartReceiver, fetch: Callable[[int], Capture]) -> None:
    receiver = await start_receiver()
    binary = bytes(range(256)) * 3 + b"\xff\xfe\x00invalid\xc3\x28"
    _, reply = await post(f"{receiver.url}/bin", binary,
                          [("Content-Type", "application/json")])  # wrong content type
    capture = fetch(int(reply["capture"]))
    assert capture.body == binary and capture.body_size == len(binary)
    assert capture.content_type == "application/json"

    packed = gzip.compress(b'{"zipped": true}')
    _, reply = await post(f"{receiver.url}/gz", packed, [("Content-Encoding", "gzip")])
    capture = fetch(int(reply["capture"]))
    assert capture.body == packed and capture.content_encoding == "gzip"

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"part-one|", b"part-two|", b"\x00\xff"):
            yield part

    _, reply = await post(f"{receiver.url}/chunked", chunks())
    capture = fetch(int(reply["capture"]))
    assert capture.body == b"part-one|part-two|\x00\xff"
    assert ["Transfer-Encoding", "chunked"] in capture.headers


async def test_headers_keep_order_case_and_duplicates(
        start_receiver: StartReceiver, fetch: Callable[[int], Capture]) -> None:
    receiver = await start_receiver()
    assert receiver.url is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", int(receiver.url.rsplit(":")[-1]))
    writer.write(b"POST /h?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nX-Dup: one\r\nx-dup: Two\r\n"
                 b"X-CaSe: MiXeD\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert raw.startswith(b"HTTP/1.1 200")
    capture_id = json.loads(raw.split(b"\r\n\r\n", 1)[1])["capture"]
    capture = fetch(capture_id)
    assert capture.headers[1:4] == [["X-Dup", "one"], ["x-dup", "Two"], ["X-CaSe", "MiXeD"]]
    assert capture.query == "a=1&b=%20"
    assert capture.path == "/h"


async def test_duplicate_delivery_ids_are_flagged(
        start_receiver: StartReceiver, fetch: Callable[[int], Capture]) -> None:
    receiver = await start_receiver()
    ids = []
    for delivery in ("d-1", "d-2", "d-1", "d-1"):
        _, reply = await post(f"{receiver.url}/gh", b"{}", [("X-GitHub-Delivery", delivery)])
        ids.append(int(reply["capture"]))
    flags = [fetch(i).duplicate_of for i in ids]
    assert flags == [None, None, ids[0], ids[0]]


async def test_endpoint_response_rule_and_live_feed(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver()
    create_endpoint(store, path="/teapot", response_status=418, response_body=b"short and stout",
                    response_headers=[["X-Reply", "yes"]], response_delay_ms=50)
    receiver.reload_endpoints()
    seen: list[CaptureStored] = []
    receiver.hub.subscribe(lambda e: seen.append(e) if isinstance(e, CaptureStored) else None)
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/teapot/brew", data=b"x") as resp:
        assert resp.status == 418
        assert await resp.read() == b"short and stout"
        assert resp.headers["X-Reply"] == "yes"
    assert [e.path for e in seen] == ["/teapot/brew"]


async def test_unclaimed_paths_go_to_the_default_endpoint(
        start_receiver: StartReceiver, store: Store, fetch: Callable[[int], Capture]) -> None:
    receiver = await start_receiver(EndpointConfig(scheme_name="github", secrets=(GH_SECRET,)))
    endpoint_id = create_endpoint(store, path="/claimed")
    receiver.reload_endpoints()
    _, claimed = await post(f"{receiver.url}/claimed/deeper", b"a")
    status, other = await post(f"{receiver.url}/anything/else", b"a")
    assert status == 200
    assert fetch(int(claimed["capture"])).endpoint_id == endpoint_id
    unclaimed = fetch(int(other["capture"]))
    assert unclaimed.endpoint_id is None
    assert unclaimed.verification is not None
    assert unclaimed.verification["reason"] == "missing_header"


async def test_reject_invalid_answers_401_and_still_captures(
        start_receiver: StartReceiver, store: Store, fetch: Callable[[int], Capture]) -> None:
    receiver = await start_receiver()
    create_endpoint(store, path="/strict", scheme="github", secrets=["s"], reject_invalid=True)
    receiver.reload_endpoints()
    status, reply = await post(f"{receiver.url}/strict", b"{}",
                               [("X-Hub-Signature-256", "sha256=00")])
    assert status == 401
    assert reply["reason"] == "no_signature_matched"


async def test_ip_allowlist_refuses_other_clients(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver()
    create_endpoint(store, path="/only-lan", ip_allowlist=["10.0.0.0/8"])
    create_endpoint(store, path="/only-local", ip_allowlist=["127.0.0.1/32"])
    receiver.reload_endpoints()
    assert (await post(f"{receiver.url}/only-lan", b"x"))[0] == 403
    assert (await post(f"{receiver.url}/only-local", b"x"))[0] == 200


async def test_https_with_a_kept_self_signed_certificate(
        start_receiver: StartReceiver, tmp_path: object, fetch: Callable[[int], Capture]) -> None:
    import ssl
    from pathlib import Path

    from webhook_studio.receiver.tls import ensure_certificate, server_context

    folder = Path(str(tmp_path)) / "tls"
    cert = ensure_certificate(folder)
    assert ensure_certificate(folder).fingerprint == cert.fingerprint  # kept, not remade
    assert oct(cert.key_path.stat().st_mode & 0o777) == "0o600"
    receiver = await start_receiver(ssl_context=server_context(cert))
    assert receiver.url is not None and receiver.url.startswith("https://")
    client = ssl.create_default_context(cafile=str(cert.cert_path))
    status, reply = await post(f"{receiver.url}/secure", b"over tls", ssl=client)
    assert status == 200
    assert fetch(int(reply["capture"])).body == b"over tls"
