"""A record the API accepts passes the editors unchanged, and the other way round."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.api.conftest import Api
from webhook_studio.core import limits
from webhook_studio.core.validation import (
    EndpointForm,
    SubscriptionForm,
    validate_endpoint,
    validate_subscription,
)

WHSEC = "whsec_" + base64.b64encode(bytes(range(32))).decode()
LOW = {"timeout": limits.TIMEOUT_SECONDS.low, "rate_per_minute": int(limits.RATE_PER_MINUTE.low),
       "rate_per_hour": int(limits.RATE_PER_HOUR.low)}
HIGH = {"timeout": limits.TIMEOUT_SECONDS.high,
        "rate_per_minute": int(limits.RATE_PER_MINUTE.high),
        "rate_per_hour": int(limits.RATE_PER_HOUR.high)}


def editor_form(sub: dict[str, Any], secret: str) -> SubscriptionForm:
    """The subscription editor's fields filled from a record, as the editor loads it."""
    return SubscriptionForm(
        url=sub["url"], events=", ".join(sub["events"]), scheme=sub["scheme"], secret=secret,
        retry=sub["retry_policy"], timeout=f"{sub['timeout']:g}",
        rate_per_minute=str(sub["rate_per_minute"] or ""),
        rate_per_hour=str(sub["rate_per_hour"] or ""),
        headers="\n".join(f"{k}: {v}" for k, v in sub["headers"].items()))


@pytest.mark.parametrize("extreme", [LOW, HIGH], ids=["low", "high"])
async def test_an_api_subscription_at_the_limits_resaves_from_the_editor(
        api: Api, extreme: dict[str, Any]) -> None:
    status, sub = await api.call("POST", "/webhooks", {
        "url": "http://localhost:3000/hook", "events": ["user.*"], "secret": WHSEC,
        "retry_policy": "0,1m", **extreme})
    assert status == 201, sub
    fields, errors = validate_subscription(editor_form(sub, WHSEC))
    assert errors == {}
    assert fields["timeout_seconds"] == extreme["timeout"]
    assert fields["rate_per_minute"] == extreme["rate_per_minute"]
    assert fields["rate_per_hour"] == extreme["rate_per_hour"]


@pytest.mark.parametrize("extreme", [LOW, HIGH], ids=["low", "high"])
async def test_an_editor_subscription_at_the_limits_is_accepted_by_the_api(
        api: Api, extreme: dict[str, Any]) -> None:
    form = SubscriptionForm(url="http://localhost:3000/hook", events="user.*",
                            scheme="github", secret="s3cret", retry="0,1m",
                            timeout=f"{extreme['timeout']:g}",
                            rate_per_minute=str(extreme["rate_per_minute"]),
                            rate_per_hour=str(extreme["rate_per_hour"]))
    fields, errors = validate_subscription(form)
    assert errors == {}
    status, sub = await api.call("POST", "/webhooks", {
        "url": fields["url"], "events": fields["events"], "scheme": "github",
        "secret": "s3cret", "timeout": fields["timeout_seconds"],
        "rate_per_minute": fields["rate_per_minute"], "rate_per_hour": fields["rate_per_hour"]})
    assert status == 201, sub
    assert sub["timeout"] == extreme["timeout"]


async def test_just_outside_is_refused_by_both(api: Api) -> None:
    outside = {"timeout": 300.5, "rate_per_minute": 100_001, "rate_per_hour": 0}
    status, body = await api.call("POST", "/webhooks", {
        "url": "http://localhost:3000/hook", "events": ["*"], **outside})
    assert status == 422 and set(body["fields"]) == set(outside)
    _, errors = validate_subscription(SubscriptionForm(
        url="http://localhost:3000/hook", events="*", scheme="standard-webhooks",
        secret=WHSEC, retry="0", timeout="300.5", rate_per_minute="100001", rate_per_hour="0"))
    assert set(errors) == {"timeout", "rate_per_minute", "rate_per_hour"}


async def test_the_api_refuses_the_secret_the_editors_refuse(api: Api) -> None:
    status, body = await api.call("POST", "/webhooks", {
        "url": "http://localhost:3000/hook", "events": ["*"], "secret": "hello"})
    _, errors = validate_subscription(SubscriptionForm(
        url="http://localhost:3000/hook", events="*", scheme="standard-webhooks",
        secret="hello", retry="0", timeout="15"))
    assert status == 422 and body["fields"]["secret"] == errors["secret"]
    status, body = await api.call("POST", "/endpoints", {
        "path": "/sw", "scheme": "standard-webhooks", "secrets": ["hello"]})
    _, ep_errors = validate_endpoint(EndpointForm("/sw", "standard-webhooks", "hello"))
    assert status == 422 and body["fields"]["secrets"] == ep_errors["secrets"]


@pytest.mark.parametrize("high", [False, True], ids=["low", "high"])
async def test_endpoints_at_the_limits_agree(api: Api, high: bool) -> None:
    def pick(r: limits.Range) -> int:
        return int(r.high if high else r.low)

    values = {"tolerance": pick(limits.TOLERANCE_SECONDS),
              "response_status": pick(limits.RESPONSE_STATUS),
              "response_delay_ms": pick(limits.RESPONSE_DELAY_MS),
              "max_body_bytes": pick(limits.ENDPOINT_BODY_BYTES)}
    status, ep = await api.call("POST", "/endpoints", {
        "path": "/edge", "scheme": "standard-webhooks", "secrets": [WHSEC], **values})
    assert status == 201, ep
    fields, errors = validate_endpoint(EndpointForm(
        ep["path"], ep["scheme"], WHSEC, tolerance=ep["tolerance"],
        response_status=ep["response_status"], response_delay_ms=ep["response_delay_ms"],
        max_body_bytes=ep["max_body_bytes"]))
    assert errors == {} and all(fields[k] == v for k, v in values.items())
    beyond = {k: v + (1 if high else -1) for k, v in values.items()}
    status, body = await api.call("PATCH", f"/endpoints/{ep['id']}", beyond)
    _, errors = validate_endpoint(EndpointForm(
        "/edge", "standard-webhooks", WHSEC, tolerance=beyond["tolerance"],
        response_status=beyond["response_status"], response_delay_ms=beyond["response_delay_ms"],
        max_body_bytes=beyond["max_body_bytes"]))
    assert status == 422 and set(body["fields"]) == set(errors) == set(values)
