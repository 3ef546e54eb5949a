"""``GET /health`` (no token, state words) and ``GET /api/v1/health`` (token, details); a store
locked by another program is a 503 with Retry-After, not a 500 (issue 14, items 5 and 7)."""

from __future__ import annotations

import time

from tests.api.conftest import Api
from tests.team.faults import store_locked


async def liveness(api: Api) -> tuple[int, dict[str, str]]:
    async with api.http.get(f"{api.base}/health") as resp:
        assert resp.headers["Cache-Control"] == "no-store"
        return resp.status, await resp.json()


async def test_health_without_a_token_is_status_words_only(api: Api) -> None:
    status, body = await liveness(api)
    assert status == 200
    assert body == {"status": "ok", "receiver": "ok", "sender": "ok", "store": "ok"}


async def test_health_with_the_token_has_sentences_and_since(api: Api) -> None:
    status, body = await api.call("GET", "/health")
    assert status == 200 and body["status"] == "ok"
    assert body["receiver"]["sentence"].lower().startswith(f"receiving on {api.receiver_url}")
    assert body["sender"]["state"] == "ok" and body["sender"]["since"].endswith("+00:00")
    status, _ = await api.call("GET", "/health", token=None)
    assert status == 401, "details need the token"


async def test_a_locked_store_is_503_with_retry_after_and_degraded_health(
        api: Api, db_url: str) -> None:
    """Guards: with the store locked, the API answered 500 "internal error"."""
    with store_locked(db_url):
        started = time.monotonic()
        async with api.http.post(
                api.url("/webhooks"), json={"url": "http://127.0.0.1:9/x", "events": ["*"]},
                headers={"Authorization": f"Bearer {api.token}"}) as resp:
            assert resp.status == 503
            assert resp.headers["Retry-After"] == "5"
            body = await resp.json()
        waited = time.monotonic() - started
        assert body["error"] == "store unavailable" and "locked" in body["detail"]
        assert waited < 30, "a bounded wait (the busy timeout), not a hang"
        status, words = await liveness(api)
        assert status == 200, "degraded still serves"
        assert words == {"status": "degraded", "receiver": "degraded", "sender": "ok",
                         "store": "degraded"}
        status, details = await api.call("GET", "/health")
        assert "locked" in details["store"]["sentence"]
        assert "503" in details["receiver"]["sentence"]
    status, words = await liveness(api)
    assert (status, words["status"], words["store"]) == (200, "ok", "ok"), \
        "the sender had nothing to write: it never noticed the lock"


async def test_a_stopped_sender_makes_liveness_503(api: Api) -> None:
    await api.dispatcher.stop()
    status, words = await liveness(api)
    assert status == 503 and words["sender"] == "down" and words["status"] == "down"
    status, details = await api.call("GET", "/health")
    assert status == 503 and details["sender"]["sentence"] == "stopped"


async def test_openapi_documents_both_health_answers(api: Api) -> None:
    status, doc = await api.call("GET", "/openapi.json")
    assert status == 200
    public = doc["paths"]["/health"]["get"]
    assert public["security"] == [] and {"200", "503"} <= set(public["responses"])
    detailed = doc["paths"]["/api/v1/health"]["get"]
    assert "sentence" in str(detailed["responses"]["200"])
    assert doc["paths"]["/api/v1/events"]["post"]["responses"]["503"]["$ref"].endswith("E503")
