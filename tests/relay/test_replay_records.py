"""Replays are not subscription deliveries; re-signing renews per-delivery headers; targets
are checked before anything is stored."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.core.clock import FixedClock
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.relay.errors import BadReplayTarget, NotAReplay
from webhook_studio.relay.replay import (
    Resign,
    bulk_replay,
    renewed_headers,
    replay_again,
    replay_capture,
    resigned_headers,
    target_problem,
)
from webhook_studio.sender import Dispatcher, SenderError
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Delivery, Subscription
from webhook_studio.store.sender_queries import (
    count_by_state,
    count_dead_letters,
    create_subscription,
    list_deliveries,
)

DOWN = "http://127.0.0.1:9/down"


def capture(store: Store, headers: list[list[str]] | None = None, body: bytes = b"{}") -> int:
    with store.session() as session:
        row = Capture(received_at=time.time(), method="POST", path="/h", query="",
                      headers=headers or [], body=body, body_size=len(body), state="captured",
                      response_status=200)
        session.add(row)
        session.flush()
        return int(row.id)


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://x.test/", "http://", "/relative",
                                 "http://exa mple.com/", "http://x.test:99999/"])
async def test_a_bad_target_is_refused_before_anything_is_stored(store: Store, url: str) -> None:
    capture_id = capture(store)
    assert target_problem(url)
    with pytest.raises(BadReplayTarget):
        await replay_capture(store, capture_id, url)
    with pytest.raises(BadReplayTarget):
        await bulk_replay(store, [capture_id], url)
    with store.session() as session:
        assert session.query(Delivery).count() == 0 and session.query(Capture).count() == 1


def test_good_targets_pass() -> None:
    for url in ("http://localhost:8000", "https://example.com/hook?x=1", "http://[::1]:3000/"):
        assert target_problem(url) is None


async def test_a_failed_replay_is_not_a_dead_letter(store: Store) -> None:
    sub_id = create_subscription(store, secret="s", url=DOWN, events=["*"], scheme="github")
    with store.session() as session:  # a real dead letter beside it
        from webhook_studio.store.sender_models import Event

        session.add(Event(id="evt_1", type="a.b", payload=b"{}", created_at=1.0))
        session.flush()
        session.add(Delivery(id="msg_dead", event_id="evt_1", subscription_id=sub_id,
                             event_type="a.b", target_url=DOWN, state="failed",
                             attempt_count=3, created_at=1.0, updated_at=1.0))
    result = await replay_capture(store, capture(store), DOWN)
    assert result.outcome != "success"
    with store.session() as session:
        assert count_dead_letters(session) == 1
        assert count_by_state(session) == {"failed": 1}
        assert count_by_state(session, kind=None) == {"failed": 2}
        assert [d.id for d in list_deliveries(session, state="dead_letter")] == ["msg_dead"]
        assert [d.id for d in list_deliveries(session, kind="replay")] == [result.delivery_id]


async def test_retry_dead_letter_on_a_replay_disables_nothing_and_replay_again_sends_it(
        store: Store, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/later").respond_with_data("ok")
    capture_id = capture(store, body=b'{"n":1}')
    failed = await replay_capture(store, capture_id, DOWN)
    dispatcher = Dispatcher(store, FixedClock(time.time()))
    with pytest.raises(SenderError, match="one-off replay of capture"):
        dispatcher.retry_dead_letter(failed.delivery_id)
    with pytest.raises(SenderError, match="one-off replay"):
        dispatcher.retry_now(failed.delivery_id)
    with store.session() as session:
        delivery = session.get(Delivery, failed.delivery_id)
        assert delivery is not None and delivery.state == "failed"
    again = await replay_again(store, failed.delivery_id)
    assert again.delivery_id != failed.delivery_id and again.capture_id == capture_id
    assert again.outcome != "success"  # the same target: still down, and said so
    with store.session() as session:
        states = {d.id: d.state for d in list_deliveries(session, kind="replay")}
    assert states == {failed.delivery_id: "failed", again.delivery_id: "failed"}
    sub_id = create_subscription(store, secret="s", url=DOWN, events=["*"])
    with store.session() as session:
        from webhook_studio.store.sender_models import Event

        session.add(Event(id="evt_2", type="a.b", payload=b"{}", created_at=1.0))
        session.flush()
        session.add(Delivery(id="msg_sub", event_id="evt_2", subscription_id=sub_id,
                             event_type="a.b", target_url=DOWN, state="failed",
                             attempt_count=1, created_at=1.0, updated_at=1.0))
    with pytest.raises(NotAReplay):
        await replay_again(store, "msg_sub")


async def test_replay_again_re_signs_as_the_profile_did(store: Store,
                                                        httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gh").respond_with_data("ok")
    github = ProfileLibrary.load().get("github")
    capture_id = capture(store, [["X-GitHub-Delivery", "old-guid"],
                                 ["X-GitHub-Event", "push"]])
    first = await replay_capture(store, capture_id, httpserver.url_for("/gh"),
                                 resign=Resign.for_profile(github, "gh-secret"))
    with store.session() as session:
        delivery = session.get(Delivery, first.delivery_id)
        assert delivery is not None
        sub = session.get(Subscription, delivery.subscription_id)
        assert sub is not None and sub.profile == "github" and sub.adhoc
    again = await replay_again(store, first.delivery_id, profiles={"github": github}.__getitem__)
    ids = [dict(r.request_headers)["X-GitHub-Delivery"] for r in (first, again)]
    assert "old-guid" not in ids and ids[0] != ids[1]
    assert all("X-Hub-Signature-256" in dict(r.request_headers) for r in (first, again))


@pytest.mark.parametrize("name", ["github", "envoyou", "leads", "shopify", "twilio", "zoom",
                                  "svix", "twitch", "standard-webhooks"])
def test_re_signing_renews_every_per_delivery_header(name: str) -> None:
    profile = ProfileLibrary.load().get(name)
    per_delivery = {k for k, v in profile.headers.items()
                    if v in ("$delivery_id", "$nonce", "$id")}
    if profile.duplicate_header:
        per_delivery.add(profile.duplicate_header)
    assert per_delivery, f"{name} names no per-delivery header"
    captured = [(h, "captured-value") for h in sorted(per_delivery)] + [("X-Other", "kept")]
    secret = ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" if profile.secret_format == "whsec"
              or profile.scheme == "standard-webhooks" else "secret")
    sent = resigned_headers(captured, b"{}", "http://localhost/h",
                            Resign.for_profile(profile, secret), time.time())
    values = {k.lower(): v for k, v in sent}
    for header in per_delivery:
        assert values[header.lower()] != "captured-value", header
    assert ("X-Other", "kept") in sent
    assert set(renewed_headers(profile, "msg_1", 1)) >= {
        h for h in per_delivery if h in profile.headers}
