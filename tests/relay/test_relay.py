"""Forward-to keeps signatures valid at the target; replay and re-sign; HAR; fan-out."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook
from werkzeug import Request, Response

from webhook_studio.context import AppContext
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.relay.export import import_har, to_curl, to_har
from webhook_studio.relay.replay import Edit, Resign, bulk_replay, replay_capture
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint, get_capture, list_captures
from webhook_studio.store.sender_queries import delivery_to_dict, get_delivery
from webhook_studio.wiring import attach_receiver_extras

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STRIPE_SECRET = "whsec_stripe_test"
GH_SECRET = "gh-secret"
BODY = '{"type":"invoice.paid","customer":"Zoë Ångström","note":"naïve café"}\n'.encode()


def official_check(request: Request) -> str:
    """The providers' documented verification, written independently of our schemes."""
    body = request.get_data()
    if "webhook-signature" in request.headers:
        Webhook(SW_SECRET).verify(body, dict(request.headers))
        return "standard-webhooks"
    if "Stripe-Signature" in request.headers:
        items = dict(p.split("=", 1) for p in request.headers["Stripe-Signature"].split(","))
        expected = hmac.new(STRIPE_SECRET.encode(), items["t"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        assert hmac.compare_digest(expected, items["v1"])
        return "stripe"
    expected = "sha256=" + hmac.new(GH_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, request.headers["X-Hub-Signature-256"])
    return "github"


@pytest.fixture
async def relay_receiver(ctx: AppContext) -> AsyncIterator[tuple[Receiver, Any]]:
    receiver = Receiver(ctx.store, port=0, default_endpoint=EndpointConfig())
    extras = attach_receiver_extras(receiver, ctx)
    await receiver.start()
    yield receiver, extras
    await receiver.stop()
    await extras.close()


async def until(predicate: Any, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def test_forwarded_requests_still_verify_at_the_target(
        relay_receiver: tuple[Receiver, Any], store: Store, httpserver: HTTPServer) -> None:
    receiver, _ = relay_receiver
    verified: list[str] = []

    def target(request: Request) -> Response:
        verified.append(official_check(request))
        assert request.path == "/webhook/deep" and request.query_string == b"a=1&b=%C3%A9"
        return Response("fine", status=200)

    httpserver.expect_request("/webhook/deep").respond_with_handler(target)
    create_endpoint(store, path="/relay", forward_to=[httpserver.url_for("/webhook")])
    receiver.reload_endpoints()
    now = int(time.time())
    signed = [
        get_scheme("standard-webhooks").sign(SW_SECRET, SignInput(BODY, "msg_fwd", now)),
        get_scheme("stripe").sign(STRIPE_SECRET, SignInput(BODY, timestamp=now)),
        get_scheme("github").sign(GH_SECRET, SignInput(BODY)),
    ]
    async with aiohttp.ClientSession() as session:
        for headers in signed:
            async with session.post(f"{receiver.url}/relay/deep?a=1&b=%C3%A9", data=BODY,
                                    headers=headers) as resp:
                assert resp.status == 200
    await until(lambda: len(verified) == 3)
    assert sorted(verified) == ["github", "standard-webhooks", "stripe"]
    with store.session() as db:
        for capture in list_captures(db):
            await until(lambda c=capture: bool(_forwards(store, c.id)))
            assert _forwards(store, capture.id)[0]["status"] == 200


def _forwards(store: Store, capture_id: int) -> list[dict[str, Any]]:
    with store.session() as session:
        return list(get_capture(session, capture_id).forwards or [])


async def test_fan_out_to_three_targets_with_one_down(
        relay_receiver: tuple[Receiver, Any], store: Store, httpserver: HTTPServer) -> None:
    receiver, extras = relay_receiver
    httpserver.expect_request("/a").respond_with_data("a")
    httpserver.expect_request("/b").respond_with_data("b")
    down = "http://127.0.0.1:9/c"
    create_endpoint(store, path="/fan", forward_to=[httpserver.url_for("/a"),
                                                   httpserver.url_for("/b"), down])
    receiver.reload_endpoints()
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/fan", data=b"payload") as resp:
        capture_id = (await resp.json())["capture"]
    await until(lambda: len(_forwards(store, capture_id)) >= 3)
    results = {f["target"]: f for f in _forwards(store, capture_id)}
    assert results[httpserver.url_for("/a")]["status"] == 200
    assert results[httpserver.url_for("/b")]["status"] == 200
    assert results[down]["ok"] is False and results[down]["outcome"] == "connection_error"
    assert sorted(r.path for r, _ in httpserver.log) == ["/a", "/b"]
    # Retryable: by hand (here to a target that is up now), and it is recorded.
    retried = await extras.forwarder.retry(capture_id, httpserver.url_for("/a"))
    assert retried["status"] == 200 and retried["manual"] is True


async def test_proxy_mode_answers_with_the_first_targets_response(
        relay_receiver: tuple[Receiver, Any], store: Store, httpserver: HTTPServer) -> None:
    receiver, _ = relay_receiver
    httpserver.expect_request("/p").respond_with_data("from target", status=202,
                                                      headers={"X-From": "target"})
    create_endpoint(store, path="/proxy", forward_to=[httpserver.url_for("/p")],
                    forward_mode="proxy")
    receiver.reload_endpoints()
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/proxy", data=b"x") as resp:
        assert resp.status == 202
        assert await resp.read() == b"from target"
        assert resp.headers["X-From"] == "target"


def _stored_capture(store: Store, body: bytes, headers: dict[str, str],
                    received_at: float) -> int:
    with store.session() as session:
        capture = Capture(received_at=received_at, method="POST", path="/hooks", query="",
                          headers=[[k, v] for k, v in headers.items()], body=body,
                          body_size=len(body), state="captured", response_status=200)
        session.add(capture)
        session.flush()
        return capture.id


async def test_old_capture_fails_as_is_and_passes_resigned(
        store: Store, httpserver: HTTPServer) -> None:
    yesterday = int(time.time()) - 86400
    headers = get_scheme("standard-webhooks").sign(SW_SECRET, SignInput(BODY, "msg_old",
                                                                        yesterday))
    capture_id = _stored_capture(store, BODY, {**headers, "Content-Type": "application/json"},
                                 yesterday)
    verdicts: list[bool] = []

    def target(request: Request) -> Response:
        try:
            Webhook(SW_SECRET).verify(request.get_data(), dict(request.headers))
        except Exception:
            verdicts.append(False)
            return Response("stale", status=400)
        verdicts.append(True)
        return Response("ok")

    httpserver.expect_request("/check").respond_with_handler(target)
    as_is = await replay_capture(store, capture_id, httpserver.url_for("/check"))
    resigned = await replay_capture(store, capture_id, httpserver.url_for("/check"),
                                    resign=Resign("standard-webhooks", SW_SECRET))
    assert verdicts == [False, True]
    assert (as_is.status, resigned.status) == (400, 200)
    sent = dict(resigned.request_headers)
    assert sent["webhook-id"] != "msg_old" and int(sent["webhook-timestamp"]) > yesterday
    with store.session() as session:
        delivery = delivery_to_dict(session, get_delivery(session, resigned.delivery_id))
    assert delivery["source_capture_id"] == capture_id and delivery["state"] == "delivered"
    assert delivery["attempts"][0]["status"] == 200


async def test_edit_and_resend_keeps_the_original(store: Store, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/e", method="PUT").respond_with_data("ok")
    capture_id = _stored_capture(store, b'{"v":1}', {"X-A": "1"}, time.time())
    result = await replay_capture(store, capture_id, httpserver.url_for("/e"),
                                  edit=Edit(method="put", headers=[("X-A", "2")],
                                            body=b'{"v":2}'))
    assert httpserver.log[0][0].get_data() == b'{"v":2}'
    with store.session() as session:
        original = get_capture(session, capture_id)
        edited = get_capture(session, result.capture_id)
        assert original.body == b'{"v":1}' and original.headers == [["X-A", "1"]]
        assert edited.edited_from == capture_id and edited.source == "edited"
        assert edited.method == "PUT"


async def test_bulk_replay_in_received_order_with_progress(
        store: Store, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/bulk").respond_with_data("ok")
    later = _stored_capture(store, b"second", {}, 2000.0)
    earlier = _stored_capture(store, b"first", {}, 1000.0)
    seen: list[int] = []
    progress = await bulk_replay(store, [later, earlier], httpserver.url_for("/bulk"),
                                 pacing=0.01, on_progress=lambda p: seen.append(p.done))
    assert [r.get_data() for r, _ in httpserver.log] == [b"first", b"second"]
    assert (progress.succeeded, seen) == (2, [1, 2])


def test_har_round_trip_is_exact(store: Store, tmp_path: Path) -> None:
    binary = bytes(range(256))
    ids = [_stored_capture(store, BODY, {"Content-Type": "application/json", "X-Dup": "1"},
                           1_700_000_000.5),
           _stored_capture(store, binary, {"X-Dup": "a", "x-dup": "b"}, 1_700_000_001.0),
           # two captures in the same millisecond keep their order through an import
           _stored_capture(store, b"#a", {}, 1_700_000_001.0004),
           _stored_capture(store, b"#b", {}, 1_700_000_001.0007)]
    with store.session() as session:
        first = to_har([get_capture(session, i) for i in ids], "http://127.0.0.1:8000")
    fresh = AppContext.open(tmp_path / "fresh.sqlite3", data_dir=tmp_path)
    try:
        new_ids = import_har(fresh.store, json.loads(json.dumps(first)))
        with fresh.store.session() as session:
            second = to_har([get_capture(session, i) for i in new_ids], "http://127.0.0.1:8000")
            assert get_capture(session, new_ids[1]).body == binary
    finally:
        fresh.close()
    for a, b in zip(first["log"]["entries"], second["log"]["entries"], strict=True):
        assert a["request"] == b["request"]
        assert a["startedDateTime"] == b["startedDateTime"]
    times = [e["startedDateTime"] for e in second["log"]["entries"]]
    assert times[1] < times[2] < times[3], times


def test_a_browser_har_imports(store: Store) -> None:
    document = json.loads((Path(__file__).parent / "fixtures" / "browser.har").read_text())
    ids = import_har(store, document)
    with store.session() as session:
        post = get_capture(session, ids[0])
        get = get_capture(session, ids[1])
    assert (post.method, post.path, post.query) == ("POST", "/api/webhooks/stripe", "mode=test")
    assert json.loads(post.body)["type"] == "payment_intent.succeeded"
    assert ["Stripe-Signature", "t=1763629442,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e5"
            "6ff536d0ce8e108d8bd"] in post.headers
    assert (get.method, get.body, get.response_status) == ("GET", b"", 204)


def test_curl_export_reproduces_the_exact_bytes(store: Store, tmp_path: Path) -> None:
    import subprocess

    for body in (BODY, b"it's \x00 binary \xff", b""):
        capture_id = _stored_capture(store, body, {"X-Q": "it's \"quoted\""}, 1.0)
        with store.session() as session:
            command = to_curl(get_capture(session, capture_id), "http://127.0.0.1:9")
        if body:
            # Run the body-producing half of the command and compare the bytes it yields.
            producer = command.split(" | ")[0] if command.startswith("printf") else \
                "printf '%s' " + command.split("--data-binary ", 1)[1]
            out = subprocess.run(["bash", "-c", producer], capture_output=True, check=True)
            assert out.stdout == body
        assert "-H 'X-Q: it'\"'\"'s \"quoted\"'" in command
