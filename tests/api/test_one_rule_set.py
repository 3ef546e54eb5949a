"""One rule set, proved through each door: any subscription the API accepts (over real HTTP)
the subscription editor's validation accepts, and ``send`` accepts, and the other way round;
and a refused record is refused for the same fields.

The API runs in a thread with its own loop (as in test_fuzz.py) so hypothesis can drive it
synchronously over real HTTP; the CLI runs through its ``main()``.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_fuzz import Server
from webhook_studio.api import load_or_create_token
from webhook_studio.cli import main
from webhook_studio.context import AppContext
from webhook_studio.core import limits
from webhook_studio.core.validation import (
    EndpointForm,
    SubscriptionForm,
    validate_endpoint,
    validate_subscription,
)

WHSEC = "whsec_" + base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    folder = tmp_path_factory.mktemp("rules")
    ctx = AppContext.open(folder / "rules.sqlite3", data_dir=folder)
    server = Server(ctx)
    base = server.start()
    token = load_or_create_token(folder)
    with httpx.Client(base_url=base + "/api/v1", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        yield http
    server.stop()
    ctx.close()


@pytest.fixture(scope="module")
def published(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def _edges(rng: limits.Range) -> tuple[list[Any], list[Any]]:
    """``(inside, outside)``: the edges of a range and a value between; one step beyond."""
    step = 1 if rng.whole else 0.01
    low, high = (int(rng.low), int(rng.high)) if rng.whole else (rng.low, rng.high)
    middle = (low + high) // 2 if rng.whole else round((low + high) / 2, 2)
    return [low, high, middle], [round(low - step, 2), round(high + step, 2)]


#: For each field, values every door must accept and values every door must refuse.
GOOD: dict[str, list[Any]] = {
    "url": ["http://localhost:3000/hook", "https://example.com/a?b=1",
            "http://h/" + "a" * (limits.URL_CHARS - 9)],
    "events": [["*"], ["user.*", "user.created"], ["x" * limits.EVENT_TYPE_CHARS]],
    "retry_policy": ["0", "0,1m,5m", "svix"],
    "timeout": _edges(limits.TIMEOUT_SECONDS)[0],
    "rate_per_minute": [None, *_edges(limits.RATE_PER_MINUTE)[0]],
    "rate_per_hour": [None, *_edges(limits.RATE_PER_HOUR)[0]],
    "max_concurrency": _edges(limits.MAX_CONCURRENCY)[0],
    "description": ["", "orders", "d" * limits.DESCRIPTION_CHARS],
    "headers": [{}, {"X-Env": "test"}, {"x" * limits.HEADER_NAME_CHARS: "v"},
                {"X-Big": "v" * limits.HEADER_VALUE_CHARS}, {"X-A": "a b", "X-B": ""}],
}
BAD: dict[str, list[Any]] = {
    "url": ["localhost:3000", "ftp://x/", "http://x:0/", "http://exa mple.com/",
            "http://h/" + "a" * (limits.URL_CHARS - 8)],
    "events": [[], ["user."], ["a b"], [".x"], ["x" * (limits.EVENT_TYPE_CHARS + 1)]],
    "retry_policy": ["5x", "0,soon"],
    "timeout": _edges(limits.TIMEOUT_SECONDS)[1],
    "rate_per_minute": _edges(limits.RATE_PER_MINUTE)[1],
    "rate_per_hour": _edges(limits.RATE_PER_HOUR)[1],
    "max_concurrency": _edges(limits.MAX_CONCURRENCY)[1],
    "description": ["d" * (limits.DESCRIPTION_CHARS + 1)],
    "headers": [{"X A": "v"}, {"Ä": "v"}, {"x" * (limits.HEADER_NAME_CHARS + 1): "v"},
                {"X-Big": "v" * (limits.HEADER_VALUE_CHARS + 1)}],
}
GOOD_SECRETS = {"standard-webhooks": [WHSEC], "github": ["s3cret", "p" * limits.SECRET_CHARS],
                "stripe": ["whsec_test"]}
BAD_SECRETS = {"standard-webhooks": ["hello", "whsec_abc"],
               "github": ["p" * (limits.SECRET_CHARS + 1), ""], "stripe": ["a\nb", ""]}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A subscription with none, one or two fields broken (so acceptance is common enough
    to compare what each door stored, and each refusal has a known cause)."""
    broken = draw(st.sets(st.sampled_from([*GOOD, "secret"]), max_size=2))
    scheme = draw(st.sampled_from(sorted(GOOD_SECRETS)))
    record: dict[str, Any] = {"scheme": scheme}
    for key in GOOD:
        record[key] = draw(st.sampled_from(BAD[key] if key in broken else GOOD[key]))
    record["secret"] = draw(st.sampled_from(
        (BAD_SECRETS if "secret" in broken else GOOD_SECRETS)[scheme]))
    if "max_concurrency" not in broken and draw(st.booleans()):
        del record["max_concurrency"]  # the editor's empty field: keep the default
    return record


def editor_form(record: dict[str, Any]) -> SubscriptionForm:
    """The editor's fields as a person would type the record."""
    def text(value: Any) -> str:
        return "" if value is None else repr(value)

    return SubscriptionForm(
        url=record["url"], events=", ".join(record["events"]), scheme=record["scheme"],
        secret=record["secret"], retry=record["retry_policy"], timeout=text(record["timeout"]),
        rate_per_minute=text(record["rate_per_minute"]),
        rate_per_hour=text(record["rate_per_hour"]),
        max_concurrency=text(record.get("max_concurrency")),
        description=record["description"],
        headers="\n".join(f"{k}: {v}" for k, v in record["headers"].items()))


ACCEPTED: list[int] = []
SENT: list[int] = []

#: The editor's field names where they differ from the API's.
EDITOR_NAMES = {"retry": "retry_policy"}


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=records())
def test_the_api_and_the_editor_accept_and_refuse_the_same_subscriptions(
        client: httpx.Client, published: dict[str, Any], record: dict[str, Any]) -> None:
    resp = client.post("/webhooks", content=json.dumps(record),
                       headers={"Content-Type": "application/json"})
    assert resp.status_code in (201, 422), resp.text
    fields, errors = validate_subscription(editor_form(record))
    if resp.status_code == 201:
        assert errors == {}
        ACCEPTED.append(1)
        sub = resp.json()
        assert fields["timeout_seconds"] == sub["timeout"] == record["timeout"]
        assert fields["events"] == sub["events"] and fields["headers"] == sub["headers"]
        for key in ("rate_per_minute", "rate_per_hour", "max_concurrency"):
            if key in record:
                assert fields[key] == sub[key] == record[key]
        # what the handler took, the published schema takes too
        schema = {"$ref": "#/components/schemas/Subscription",
                  "components": published["components"]}
        jsonschema.Draft202012Validator(schema).validate(record)
    else:
        refused = set(resp.json()["fields"])
        assert {EDITOR_NAMES.get(k, k) for k in errors} == refused, (errors, refused)
        assert all(m.endswith(".") and m[:1].isupper() for m in errors.values()), errors


EP_GOOD: dict[str, list[Any]] = {
    "path": ["/hooks", "/a/b-c_d.e", "/" + "p" * (limits.PATH_CHARS - 20)],
    "name": ["", "GitHub", "n" * limits.NAME_CHARS],
    "tolerance": [None, *_edges(limits.TOLERANCE_SECONDS)[0]],
    "response_status": _edges(limits.RESPONSE_STATUS)[0],
    "response_delay_ms": _edges(limits.RESPONSE_DELAY_MS)[0],
    "max_body_bytes": _edges(limits.ENDPOINT_BODY_BYTES)[0],
    "forward_to": [[], ["http://127.0.0.1:3000/a"],
                   [f"http://127.0.0.1:3000/{i}" for i in range(limits.MAX_FORWARD_TARGETS)]],
    "public_url": [None, "https://abc.example.com"],
    "forward_mode": ["async", "proxy"],
    "ip_allowlist": [[], ["10.0.0.7/8", "2001:db8::/32"], ["127.0.0.1"]],
    "response_headers": [{}, {"X-A": "1", "Cache-Control": "no-store"}],
    "is_active": [True, False],
    "secrets": [("github", ["s3cret"]), ("standard-webhooks", [WHSEC, WHSEC[:-4] + "AAA="]),
                (None, [])],
}
EP_BAD: dict[str, list[Any]] = {
    "path": ["hooks", "/a b", "/x?y", "/" + "p" * limits.PATH_CHARS],
    "name": ["n" * (limits.NAME_CHARS + 1)],
    "tolerance": _edges(limits.TOLERANCE_SECONDS)[1],
    "response_status": _edges(limits.RESPONSE_STATUS)[1],
    "response_delay_ms": _edges(limits.RESPONSE_DELAY_MS)[1],
    "max_body_bytes": _edges(limits.ENDPOINT_BODY_BYTES)[1],
    "forward_to": [["localhost:3000"],
                   [f"http://h/{i}" for i in range(limits.MAX_FORWARD_TARGETS + 1)]],
    "public_url": ["ftp://x", "example.com"],
    "forward_mode": ["sync", "PROXY"],
    "ip_allowlist": [["300.1.1.1"], ["10.0.0.0/33"],
                     [f"10.0.{i}.0/24" for i in range(limits.MAX_ALLOWLIST + 1)]],
    "response_headers": [{"X(A": "1"}],
    "is_active": [True],  # a check box cannot be anything else
    "secrets": [("github", []), ("standard-webhooks", ["hello"]), (None, ["s3cret"]),
                ("github", [f"s{i}" for i in range(limits.MAX_ENDPOINT_SECRETS + 1)])],
}
PATHS = itertools.count()


@st.composite
def endpoints(draw: st.DrawFn) -> dict[str, Any]:
    broken = draw(st.sets(st.sampled_from(sorted(EP_GOOD)), max_size=2))
    record: dict[str, Any] = {k: draw(st.sampled_from(EP_BAD[k] if k in broken else EP_GOOD[k]))
                              for k in EP_GOOD}
    if "path" not in broken:  # each accepted endpoint needs a path of its own
        record["path"] = f"{record['path']}-{next(PATHS)}"
    scheme, secrets = record.pop("secrets")
    record["scheme"], record["secrets"] = scheme, secrets
    if not record["name"]:
        del record["name"]
    return record


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=endpoints())
def test_the_api_and_the_endpoint_editor_agree(client: httpx.Client,
                                               record: dict[str, Any]) -> None:
    resp = client.post("/endpoints", content=json.dumps(record),
                       headers={"Content-Type": "application/json"})
    assert resp.status_code in (201, 422), resp.text
    form = EndpointForm(
        path=record["path"], scheme=record["scheme"], secrets="\n".join(record["secrets"]),
        name=record.get("name", ""), tolerance=record["tolerance"],
        response_status=record["response_status"],
        response_delay_ms=record["response_delay_ms"],
        max_body_bytes=record["max_body_bytes"], forward_to="\n".join(record["forward_to"]),
        public_url=record["public_url"] or "", forward_mode=record["forward_mode"],
        ip_allowlist=", ".join(record["ip_allowlist"]), active=record["is_active"],
        response_headers="\n".join(f"{k}: {v}" for k, v in record["response_headers"].items()))
    fields, errors = validate_endpoint(form)
    if resp.status_code == 201:
        assert errors == {}
        ENDPOINTS_ACCEPTED.append(1)
        ep = resp.json()
        for key in ("path", "tolerance", "response_status", "response_delay_ms",
                    "max_body_bytes", "forward_to", "public_url", "scheme", "forward_mode",
                    "ip_allowlist"):
            assert fields[key] == ep[key], key
        assert fields["active"] == ep["is_active"]
        assert dict(fields["response_headers"]) == ep["response_headers"]
        assert ep["secrets_count"] == len(fields["secrets"])
    else:
        assert set(errors) == set(resp.json()["fields"]), (errors, resp.json())


ENDPOINTS_ACCEPTED: list[int] = []


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/hook").respond_with_data("ok")
    server.start()
    yield server.url_for("/hook")
    server.clear()
    server.stop()


SEND_EVENTS = ["user.created", "user.created", "user.created", "user.", "a b", "user.*",
               "x" * (limits.EVENT_TYPE_CHARS + 1)]


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=records(), event=st.sampled_from(SEND_EVENTS),
       reachable=st.sampled_from([True, True, False]))
def test_send_accepts_what_the_api_accepts(
        client: httpx.Client, target: str, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str], record: dict[str, Any], event: str,
        reachable: bool) -> None:
    """``send URL --event T --scheme --secret --retry --timeout --header``: the options it
    has, checked as the API checks them (exit 2 and one sentence when refused)."""
    record = {k: v for k, v in record.items()
              if k in ("url", "scheme", "secret", "retry_policy", "timeout", "headers")}
    if reachable and record["url"] in GOOD["url"]:
        record["url"] = target  # send delivers it: to a real server on 127.0.0.1
    record["events"] = [event]
    if not record["secret"]:  # no --secret: both doors generate one
        del record["secret"]
    resp = client.post("/webhooks", content=json.dumps(record),
                       headers={"Content-Type": "application/json"})
    api_ok = resp.status_code == 201 and "*" not in event  # send needs an exact type
    db = tmp_path_factory.getbasetemp() / "send.sqlite3"
    argv = ["send", record["url"], "--event", event, "--scheme", record["scheme"],
            "--retry", record["retry_policy"], "--timeout", repr(record["timeout"]),
            "--db", str(db)]
    if "secret" in record:
        argv += ["--secret", record["secret"]]
    for name, value in record["headers"].items():
        argv += ["--header", f"{name}: {value}"]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert (code != 2) == api_ok, (code, err, resp.text)
    if code != 2:
        SENT.append(code)
    if code == 2:
        assert "\n" not in err and err.endswith(".") and "Traceback" not in err


def test_a_cli_refusal_names_the_option_and_the_range(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["send", "http://127.0.0.1:9/", "--event", "a", "--timeout", "300.01",
                 "--db", str(tmp_path / "s.db")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "webhook-studio: --timeout: The timeout must be a number of seconds from 0.1 to 300.")


def test_the_property_saw_records_accepted() -> None:
    """The properties above compared stored values and real sends, not only refusals (runs
    after them)."""
    assert len(ACCEPTED) >= 10 and len(ENDPOINTS_ACCEPTED) >= 10
    assert len(SENT) >= 3 and 0 in SENT  # delivered to the real target
