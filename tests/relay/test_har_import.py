"""HAR import: every entry checked before any is stored, one sentence for the first bad one,
all or nothing; whatever is stored can be read back by every reader (issue 14, items 7 and 12).
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.team.faults import refuse_capture_path
from webhook_studio.relay.batch import import_har_file
from webhook_studio.relay.errors import BadHarFile
from webhook_studio.relay.export import har_entry, to_jsonl
from webhook_studio.relay.har_import import import_har, parse_har_text
from webhook_studio.store import Store
from webhook_studio.store.receiver_queries import (
    capture_to_dict,
    count_captures,
    get_capture,
    list_captures,
)


def entry(**changes: Any) -> dict[str, Any]:
    """A good entry, with ``changes`` applied at dotted paths (``response.status=...``)."""
    base: dict[str, Any] = {
        "startedDateTime": "2026-11-24T12:00:00.123456Z", "time": 12.5,
        "request": {"method": "POST", "url": "http://127.0.0.1:8000/hooks?x=1",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Content-Type", "value": "application/json"}],
                    "postData": {"mimeType": "application/json", "text": '{"a":1}'}},
        "response": {"status": 200, "headers": [], "content": {"text": "ok"}},
    }
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = base
        for key in parents:
            target = target[key]
        target[last] = value
    return base


def har(*entries: Any) -> dict[str, Any]:
    return {"log": {"version": "1.2", "entries": list(entries)}}


#: Each crafted entry of the issue (and its neighbours), the field the sentence must name.
POISONED = [
    ("year 10000 once converted to UTC", entry(startedDateTime="9999-12-31T23:59:59.999999-23:59"),
     "startedDateTime"),
    ("a date before 1970", entry(startedDateTime="0001-01-01T00:00:00+23:59"), "startedDateTime"),
    ("a date that is not a date", entry(startedDateTime="yesterday"), "startedDateTime"),
    ("a date that is a number", entry(startedDateTime=1e300), "startedDateTime"),
    ("time that overflows to infinity", entry(time=math.inf), "time"),
    ("time that is negative", entry(time=-5), "time"),
    ("time that is a string", entry(time="12"), "time"),
    ("a string response", entry(response="oops"), "response"),
    ("a string postData", entry(request__postData="oops"), "request.postData"),
    ("status 1e400", entry(response__status=math.inf), "response.status"),
    ("status 1e9", entry(response__status=1e9), "response.status"),
    ("status 200.5", entry(response__status=200.5), "response.status"),
    ("status as a boolean", entry(response__status=True), "response.status"),
    ("a header value that is a number", entry(request__headers=[{"name": "A", "value": 5}]),
     "request.headers[0].value"),
    ("a header that is a list", entry(request__headers=[["A", "b"]]), "request.headers[0]"),
    ("headers that are an object", entry(request__headers={"A": "b"}), "request.headers"),
    ("a lone surrogate in a header", entry(request__headers=[{"name": "A", "value": "\ud800"}]),
     "request.headers[0].value"),
    ("a lone surrogate in the body", entry(request__postData={"text": "\udfff"}),
     "request.postData.text"),
    ("a body text that is nested", entry(request__postData={"text": [[["x"]]]}),
     "request.postData.text"),
    ("bad base64", entry(request__postData={"text": "@@@", "encoding": "base64"}),
     "request.postData.text"),
    ("an unknown body encoding", entry(request__postData={"text": "x", "encoding": "rot13"}),
     "request.postData.encoding"),
    ("a URL that is a number", entry(request__url=7), "request.url"),
    ("an unparseable URL", entry(request__url="http://[::1/x"), "request.url"),
    ("a method with spaces", entry(request__method="PO ST"), "request.method"),
    ("a method too long to store", entry(request__method="X" * 40), "request.method"),
    ("no request", {"startedDateTime": "2026-01-01T00:00:00Z"}, "request"),
    ("an entry that is a string", "entry", "the entry"),
]


@pytest.mark.parametrize(("why", "bad", "field"), POISONED, ids=[p[0] for p in POISONED])
def test_a_crafted_entry_is_named_and_nothing_is_stored(
        store: Store, why: str, bad: Any, field: str) -> None:
    document = har(entry(), entry(), bad, entry())
    with pytest.raises(BadHarFile) as caught:
        import_har(store, json.loads(json.dumps(document)))
    message = str(caught.value)
    assert message.startswith(f"HAR entry #3: {field} "), message
    assert "Nothing was imported" in message
    with store.session() as session:
        assert count_captures(session) == 0


def test_600_entries_with_a_bad_550th_store_none(store: Store, tmp_path: Path) -> None:
    entries = [entry(request__url=f"http://h/n{i}") for i in range(600)]
    entries[549] = entry(response="oops")
    path = tmp_path / "big.har"
    path.write_text(json.dumps(har(*entries)), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    with pytest.raises(BadHarFile, match=r"^HAR entry #550: response must be an object"):
        asyncio.run(import_har_file(store, path, lambda d, t: seen.append((d, t))))
    with store.session() as session:
        assert count_captures(session) == 0
    assert seen == [(500, 600)]  # the first step was checked, then #550 stopped it
    entries[549] = entry(request__url="http://h/n549")
    path.write_text(json.dumps(har(*entries)), encoding="utf-8")
    ids = asyncio.run(import_har_file(store, path, lambda d, t: None))
    assert len(ids) == 600
    with store.session() as session:
        assert count_captures(session) == 600
        assert get_capture(session, ids[549]).path == "/n549"


def test_a_failure_while_writing_leaves_nothing(store: Store) -> None:
    """All or nothing also holds when the database refuses a row mid-way (here a path column
    made to fail by a trigger on the 3rd row): the earlier rows are rolled back."""
    refuse_capture_path(store, "/boom")
    document = har(entry(), entry(), entry(request__url="http://h/boom"), entry())
    with pytest.raises(Exception, match="refused"):
        import_har(store, document)
    with store.session() as session:
        assert count_captures(session) == 0


def test_nesting_too_deep_for_the_parser_names_the_entry_and_field() -> None:
    good = json.dumps(entry())
    deep = good.replace('"text": "{\\"a\\":1}"', '"text": ' + "[" * 50_000 + "]" * 50_000)
    text = '{"log": {"pages": [{"id": [1, 2]}], "entries": [' + good + ", " + good + ", " \
        + deep + "]}}"
    with pytest.raises(BadHarFile) as caught:
        parse_har_text(text, "deep.har")
    message = str(caught.value)
    assert message.startswith("HAR entry #3: request.postData.text is nested more than"), message
    assert "deep.har" in message and "Nothing was imported" in message


def test_nan_and_infinity_literals_are_refused() -> None:
    with pytest.raises(BadHarFile, match="NaN, which JSON does not allow"):
        parse_har_text('{"log": {"entries": [{"time": NaN}]}}', "x.har")


def test_naive_dates_are_utc_and_missing_optional_fields_are_fine(store: Store) -> None:
    minimal = {"request": {"url": "http://h/p"}, "startedDateTime": "2026-01-02T03:04:05",
               "time": -1, "response": None}
    (capture_id,) = import_har(store, har(minimal))
    with store.session() as session:
        data = capture_to_dict(get_capture(session, capture_id))
    assert data["received_at"] == "2026-01-02T03:04:05.000Z"
    assert (data["method"], data["path"], data["duration_ms"], data["response_status"]) == \
        ("GET", "/p", None, None)


# -- property: whatever an entry holds, import either refuses it with a sentence or stores a
# row that every reader renders ----------------------------------------------------------------

JSON_LEAF = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
             | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


@st.composite
def entries(draw: st.DrawFn) -> Any:
    """Mostly well-shaped entries with any field swapped for arbitrary JSON."""
    e = entry()
    fields = ["startedDateTime", "time", "request", "response", "request__url",
              "request__method", "request__headers", "request__postData", "response__status",
              "response__headers", "response__content", "request__httpVersion"]
    for name in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
        value = draw(JSON | st.sampled_from([
            "9999-12-31T23:59:59.999999-23:59", "1969-12-31T23:59:59Z", "2099-12-31T23:00:00Z",
            1e400, -1, 0, 999, 1000, "HTTP/2", [{"name": "a", "value": "b"}],
            {"text": "aGk=", "encoding": "base64"}]))
        *parents, last = name.split("__")
        target: Any = e
        for key in parents:
            target = target[key] if isinstance(target, dict) else {}
        if isinstance(target, dict):
            target[last] = value
    return e


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(e=entries())
def test_any_entry_is_refused_with_a_sentence_or_reads_back(store: Store, e: Any) -> None:
    try:
        ids = import_har(store, har(e))
    except BadHarFile as exc:
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        assert refusal.startswith("HAR entry #1: ") and refusal.endswith("again.")
        return
    with store.session() as session:
        capture = get_capture(session, ids[0])
        data = capture_to_dict(capture)
        json.dumps(data, allow_nan=False)
        json.dumps(har_entry(capture, "http://127.0.0.1:8000"), allow_nan=False)
        to_jsonl([capture])
        assert data["received_at"] is not None
        assert list_captures(session, limit=1)[0].id == ids[0]
