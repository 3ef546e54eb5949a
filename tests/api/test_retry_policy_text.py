"""``retry_policy`` in the exponential form over real HTTP: set, read back, changed, refused,
and followed by the sender."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.api.conftest import Api
from tests.conftest import REPO
from webhook_studio import paths
from webhook_studio.context import AppContext

NEW = {"url": "https://example.com/hook", "events": ["user.created"]}
JITTERY = "exp 30s x2 cap 1h 10 attempts jitter 20%"


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    """The API's workspace, with a user's profile whose retry is the exponential form."""
    stripe = (REPO / "resources" / "profiles" / "stripe.toml").read_text(encoding="utf-8")
    acme = stripe.replace('name = "stripe"', 'name = "acme"').replace(
        'title = "Stripe"', 'title = "Acme"').replace('retry = "stripe"', f'retry = "{JITTERY}"')
    folder = paths.profiles_dir(tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.toml").write_text(acme, encoding="utf-8")
    c = AppContext.open(db_url, data_dir=tmp_path)
    yield c
    c.close()


async def create(api: Api, **over: Any) -> dict[str, Any]:
    status, body = await api.call("POST", "/webhooks", {**NEW, **over})
    assert status == 201, body
    return dict(body)


async def test_an_exponential_policy_reads_back_as_it_was_set(api: Api) -> None:
    sub = await create(api, retry_policy=JITTERY)
    assert sub["retry_policy"] == JITTERY
    status, one = await api.call("GET", f"/webhooks/{sub['id']}")
    assert status == 200 and one["retry_policy"] == JITTERY
    # written loosely, read back in the one canonical form
    status, patched = await api.call("PATCH", f"/webhooks/{sub['id']}", {
        "retry_policy": "exponential 1 m, factor 1.5, jitter ±5 %, attempts 4"})
    assert status == 200
    assert patched["retry_policy"] == "exp 1m x1.5 cap 30d 4 attempts jitter 5%"
    status, listing = await api.call("GET", "/webhooks")
    assert listing["items"][0]["retry_policy"] == patched["retry_policy"]
    # a policy equal to a preset reads back as the preset's name, which means the same
    status, patched = await api.call("PATCH", f"/webhooks/{sub['id']}",
                                     {"retry_policy": "exp 1s x2 cap 1h 6 attempts"})
    assert status == 200 and patched["retry_policy"] == "leads"


async def test_each_bad_part_is_named_in_the_422(api: Api) -> None:
    for text, words in (
            ("exp 30s x0.5", "The factor x0.5 is out of range"),
            ("exp 1h cap 10m", "The cap 10m is shorter than the first retry's delay 1h"),
            ("exp 30s jitter 150%", "Jitter must be from 0 to 100 %"),
            ("exp 30s 500 attempts", "500 attempts is too many")):
        status, body = await api.call("POST", "/webhooks", {**NEW, "retry_policy": text})
        assert status == 422, body
        assert set(body["fields"]) == {"retry_policy"}
        assert words in body["fields"]["retry_policy"], body
    sub = await create(api, retry_policy=JITTERY)
    status, body = await api.call("PATCH", f"/webhooks/{sub['id']}",
                                  {"retry_policy": "exp 30s cap"})
    assert status == 422 and "'cap' needs a delay" in body["fields"]["retry_policy"]
    _, kept = await api.call("GET", f"/webhooks/{sub['id']}")
    assert kept["retry_policy"] == JITTERY, "a refused change loses nothing stored"


async def test_the_sender_follows_a_custom_exponential_policy(api: Api,
                                                              httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    await create(api, url=httpserver.url_for("/down"),
                 retry_policy="exp 50ms x1 cap 50ms 3 attempts jitter 50%")
    status, body = await api.call("POST", "/events", {"type": "user.created", "data": {}})
    assert status == 202
    (delivery_id,) = body["delivery_ids"]
    assert await asyncio.wait_for(api.dispatcher.wait_final(delivery_id), 30) == "failed"
    _, delivery = await api.call("GET", f"/deliveries/{delivery_id}")
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 500]


async def test_a_profile_file_s_exponential_retry_reaches_its_subscriptions(api: Api) -> None:
    assert api.ctx.profiles.get("acme").retry == JITTERY, api.ctx.profiles.errors
    sub = await create(api, profile="acme")
    assert sub["profile"] == "acme" and sub["retry_policy"] == JITTERY
