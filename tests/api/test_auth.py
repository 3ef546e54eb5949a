"""Token, generic errors (401, 404, 405, 413, 400) and the OpenAPI document."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.conftest import Api
from webhook_studio.api import all_routes, is_loopback, load_or_create_token, token_path
from webhook_studio.api.routes import Route
from webhook_studio.core import limits


def test_token_file_is_private_and_stable(tmp_path: Path) -> None:
    token = load_or_create_token(tmp_path)
    assert len(token) >= 40
    mode = stat.S_IMODE(os.stat(token_path(tmp_path)).st_mode)
    assert mode == 0o600
    assert load_or_create_token(tmp_path) == token


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("example.com")


@pytest.mark.parametrize("route", all_routes(), ids=lambda r: f"{r.method} {r.path}")
async def test_every_route_needs_the_token(api: Api, route: Route) -> None:
    path = route.path.replace("{id}", "1")
    status, body = await api.call(route.method, path, json={}, token=None)
    assert status == 401 and body["error"] == "missing bearer token"
    status, body = await api.call(route.method, path, json={}, token="wrong-token")
    assert status == 401 and body["error"] == "wrong bearer token"


async def test_401_sets_www_authenticate(api: Api) -> None:
    async with api.http.get(api.url("/webhooks"),
                            headers={"Authorization": "Basic abc"}) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unknown_path_is_404_json(api: Api) -> None:
    status, body = await api.call("GET", "/nope")
    assert status == 404 and body == {"error": "not found", "detail": None}


async def test_wrong_method_is_405_json(api: Api) -> None:
    status, body = await api.call("PUT", "/webhooks")
    assert status == 405
    assert body["error"] == "method not allowed"
    assert set(body["detail"]["allowed"]) == {"GET", "POST"}


async def test_large_body_is_413(api: Api) -> None:
    big = b'{"url": "' + b"a" * (limits.API_REQUEST_BYTES + 10) + b'"}'
    status, body = await api.call("POST", "/webhooks", data=io.BytesIO(big),
                                  headers={"Content-Type": "application/json"})
    assert status == 413 and body["error"] == "request body too large"


async def test_chunked_large_body_is_413(api: Api) -> None:
    # no Content-Length: the limit applies while reading
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limits.API_REQUEST_BYTES // 1_000_000 + 2):
            yield b"x" * 1_000_000

    status, body = await api.call("POST", "/webhooks", data=chunks())
    assert status == 413 and body["error"] == "request body too large"


async def test_malformed_json_is_400(api: Api) -> None:
    status, body = await api.call("POST", "/webhooks", data=b"{nope",
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"] == "invalid JSON"
    status, body = await api.call("POST", "/webhooks", data=b'{"timeout": NaN}')
    assert status == 400


async def test_openapi_document_matches_route_table(api: Api) -> None:
    status, doc = await api.call("GET", "/openapi.json")
    assert status == 200
    assert doc["openapi"] == "3.1.0"
    for route in all_routes():
        assert route.method.lower() in doc["paths"]["/api/v1" + route.path]
    create = doc["paths"]["/api/v1/webhooks"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["required"] == ["url", "events"]
    assert "secret" in schema["properties"]
    patch = doc["paths"]["/api/v1/webhooks/{id}"]["patch"]
    ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "secret" not in doc["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_odd_ids_are_404_not_500(api: Api) -> None:
    for path in ("/captures/%C2%B2", "/endpoints/-1", "/captures/99999999999999999"):
        status, body = await api.call("GET", path)
        assert status == 404, (path, body)
    status, body = await api.call("GET", "/captures?limit=%D9%A1")
    assert status == 422
