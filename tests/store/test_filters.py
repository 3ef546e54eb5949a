"""Filters over a real SQLite store: each key finds the rows a person expects, negation keeps
the rest (NULLs included), and the hot keys use an index (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from webhook_studio.core.filter_syntax import FilterKind
from webhook_studio.store import Store, open_store
from webhook_studio.store.filters import SyntaxFilter, count_matching, known_values, matching_ids
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_models import Attempt, Delivery, Event, Subscription

D = FilterKind.DELIVERIES


def _capture(session: Any, **fields: Any) -> int:
    row = Capture(**{"received_at": 1_700_000_000.0, "method": "POST", "path": "/hooks/github",
                     "headers": [], "body": b"", "body_size": 0, **fields})
    session.add(row)
    session.flush()
    return int(row.id)


@pytest.fixture
def captures(store: Store) -> dict[str, int]:
    gh = create_endpoint(store, path="/hooks/github", name="GitHub", scheme="github")
    with store.session() as s:
        return {
            "push": _capture(s, endpoint_id=gh, verify_valid=True, response_status=200,
                             headers=[["X-GitHub-Event", "push"],
                                      ["Content-Type", "application/json"]],
                             body=b'{"ref":"refs/heads/main"}', body_size=25),
            "bad": _capture(s, endpoint_id=gh, verify_valid=False, response_status=401,
                            headers=[["X-GitHub-Event", "issues"]], body=b'{"action":"opened"}',
                            body_size=19),
            "put": _capture(s, method="PUT", path="/other/x_y", response_status=None,
                            headers=[["Content-Type", 'text/plain; q="1"']],
                            body=b"\x00\xffbinary 100%", body_size=12),
            "rejected": _capture(s, path="/hooks/big", state="rejected", response_status=413,
                                 body_size=20_000_000),
            "dup": _capture(s, endpoint_id=gh, verify_valid=True, response_status=200,
                            duplicate_of=1, headers=[["X-GitHub-Event", "push"]]),
        }


def _ids(store: Store, text_: str, kind: FilterKind = FilterKind.CAPTURES) -> set[Any]:
    return set(matching_ids(store, SyntaxFilter.parse(text_, kind)))


@pytest.mark.parametrize(("query", "names"), [
    ("", {"push", "bad", "put", "rejected", "dup"}),
    ("method:PUT", {"put"}),
    ("method:post,put", {"push", "bad", "put", "rejected", "dup"}),
    ("status:>=400", {"bad", "rejected"}),
    ("status:4xx", {"bad", "rejected"}),
    ("-status:4xx", {"push", "put", "dup"}),  # the capture without a status is kept
    ("verdict:invalid", {"bad"}),
    ("-verdict:valid", {"bad", "put", "rejected"}),
    ("verdict:unverified", {"put"}),
    ("verdict:rejected", {"rejected"}),
    ("header:x-github-event=push", {"push", "dup"}),
    ("header:X-GITHUB-EVENT", {"push", "bad", "dup"}),
    ("header:content-type=*json*", {"push"}),
    ('header:content-type=text/plain;*"1"', {"put"}),
    ("path:/hooks/*", {"push", "bad", "rejected", "dup"}),
    ("path:/hooks", set()),
    ("path:/other/x_y", {"put"}),
    ("path:/other/x?y", set()),  # _ and ? are literal, only * is a wildcard
    ("endpoint:GitHub", {"push", "bad", "dup"}),
    ("endpoint:/hooks/*", {"push", "bad", "dup"}),
    ("-endpoint:github", {"put", "rejected"}),
    ("size:>10k", {"rejected"}),
    ("size:0", {"dup"}),
    ("is:duplicate", {"dup"}),
    ('"refs/heads"', {"push"}),
    ("100%", {"put"}),
    ("big", {"rejected"}),
    ('header:x-github-event=push -is:duplicate "main"', {"push"}),
])
def test_each_key_finds_what_a_person_expects(store: Store, captures: dict[str, int],
                                              query: str, names: set[str]) -> None:
    assert _ids(store, query) == {captures[n] for n in names}
    assert count_matching(store, SyntaxFilter.parse(query)) == len(names)


def test_body_search_finds_bytes_in_a_binary_body(store: Store,
                                                   captures: dict[str, int]) -> None:
    assert _ids(store, "binary") == {captures["put"]}


@pytest.fixture
def deliveries(store: Store) -> dict[str, str]:
    with store.session() as s:
        for sub in ("wh_a", "wh_replay"):
            s.add(Subscription(id=sub, url="http://127.0.0.1:3000/hook", created_at=1.0,
                               updated_at=1.0, adhoc=sub == "wh_replay"))
        s.add(Event(id="ev_1", type="user.created", payload=b"{}", created_at=1.0))
        s.flush()
        rows = {
            "ok": ("user.created", "http://127.0.0.1:3000/hook", "delivered", None, [200]),
            "dead": ("user.deleted", "https://example.test/x", "failed", None, [500, 503]),
            "replay": ("replay", "http://127.0.0.1:3000/hook", "failed", 7, [502]),
            "new": ("invoice.paid", "http://127.0.0.1:4000/", "pending", None, []),
        }
        for n, (event, url, state, source, statuses) in rows.items():
            s.add(Delivery(id=f"msg_{n}", event_id="ev_1",
                           subscription_id="wh_replay" if source else "wh_a",
                           event_type=event, target_url=url, state=state,
                           attempt_count=len(statuses), source_capture_id=source,
                           created_at=2.0, updated_at=2.0))
            s.flush()
            for number, status in enumerate(statuses, 1):
                s.add(Attempt(delivery_id=f"msg_{n}", number=number, started_at=3.0,
                              response_status=status, outcome="http_error"))
    return {n: f"msg_{n}" for n in rows}


@pytest.mark.parametrize(("query", "names"), [
    ("state:dead", {"dead"}),
    ("state:failed", {"dead", "replay"}),
    ("state:pending,delivered", {"ok", "new"}),
    ("target:127.0.0.1:3000", {"ok", "replay"}),
    ("target:https://*", {"dead"}),
    ("event:user.*", {"ok", "dead"}),
    ("status:5xx", {"dead", "replay"}),
    ("status:500", set()),  # the latest attempt's status, not any attempt's
    ("-status:5xx", {"ok", "new"}),
    ("kind:replay", {"replay"}),
    ("kind:delivery -state:delivered", {"dead", "new"}),
    ("subscription:wh_a tries:0", {"new"}),
    ("tries:>1", {"dead"}),
    ("invoice", {"new"}),
])
def test_delivery_keys(store: Store, deliveries: dict[str, str], query: str,
                       names: set[str]) -> None:
    assert _ids(store, query, D) == {deliveries[n] for n in names}


def test_completion_values_come_from_the_store(store: Store, captures: dict[str, int],
                                               deliveries: dict[str, str]) -> None:
    known = known_values(store, FilterKind.CAPTURES)
    assert known["header"] == ("content-type", "x-github-event")
    assert "/hooks/github" in known["endpoint"] and "GitHub" in known["endpoint"]
    known = known_values(store, D)
    assert "user.created" in known["event"] and known["subscription"] == ("wh_a",)


def test_the_sql_is_portable_to_postgresql() -> None:
    flt = SyntaxFilter.parse('"needle" header:a=b* path:/x/* status:5xx')
    sql = str(flt.apply(select(Capture.id)).compile(dialect=postgresql.dialect()))
    assert "position(" in sql and "instr" not in sql
    flt = SyntaxFilter.parse("status:5xx state:dead target:x", D)
    sql = str(flt.apply(select(Delivery.id)).compile(dialect=postgresql.dialect()))
    assert "attempts" in sql and "lower(" in sql


def _plan(store: Store, flt: SyntaxFilter, query: Any) -> str:
    compiled = flt.apply(query).compile(store.engine, compile_kwargs={"literal_binds": True})
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return " | ".join(str(r[-1]) for r in rows)


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[Store]:
    """Query plans are SQLite's (EXPLAIN QUERY PLAN); PostgreSQL's planner differs and is not
    asserted here."""
    s = open_store(db_path)
    yield s
    s.dispose()


@pytest.mark.parametrize(("query", "expected"), [
    # keys an index answers: the planner searches instead of scanning
    ("verdict:invalid", "INDEX ix_captures_verdict_id"),
    ("method:POST", "INDEX ix_captures_method"),
    ("endpoint:3", "INDEX ix_captures_endpoint"),
    ("id:>100", "SEARCH captures USING INTEGER PRIMARY KEY"),
    # keys that read every row: the newest-first walk stops after a page (LIMIT), so the
    # list shows at once; only the count reads them all (docs/benchmarks.md)
    ("header:x-github-event=push", "SCAN captures"),
    ('"text in body"', "SCAN captures"),
    ("path:/hooks/*", "SCAN captures"),
    ("status:>=400", "SCAN captures"),
])
def test_query_plans_for_each_capture_filter_kind(sqlite_store: Store, query: str,
                                                  expected: str) -> None:
    flt = SyntaxFilter.parse(query)
    plan = _plan(sqlite_store, flt, select(Capture.id).order_by(Capture.id.desc()).limit(200))
    assert expected in plan, plan
    assert ("SEARCH captures" in plan) == ("SCAN" not in expected), plan


@pytest.mark.parametrize(("query", "expected"), [
    ("state:pending", "INDEX ix_deliveries_state_next"),
    ("status:5xx", "SEARCH attempts USING INDEX ix_attempts_delivery_id"),
    ("subscription:wh_a", "INDEX ix_deliveries_subscription_id"),
])
def test_query_plans_for_delivery_filters(sqlite_store: Store, query: str, expected: str) -> None:
    flt = SyntaxFilter.parse(query, D)
    plan = _plan(sqlite_store, flt, select(Delivery.id))
    assert expected in plan, plan


def test_verdict_pages_need_no_sort(sqlite_store: Store) -> None:
    plan = _plan(sqlite_store, SyntaxFilter.parse("-verdict:valid verdict:invalid"),
                 select(Capture.id).order_by(Capture.id.desc()).limit(200))
    assert "ix_captures_verdict_id" in plan and "TEMP B-TREE" not in plan, plan


def test_a_version_3_file_gets_the_verdict_index(db_path: Path) -> None:
    import sqlite3

    from webhook_studio.store import open_store

    open_store(db_path).dispose()
    raw = sqlite3.connect(db_path)
    raw.execute("DROP INDEX ix_captures_verdict_id")
    raw.execute("UPDATE studio_meta SET value = '3' WHERE key = 'schema_version'")
    raw.execute("PRAGMA user_version = 3")
    raw.commit()
    raw.close()
    upgraded = open_store(db_path)
    try:
        assert upgraded.upgraded_from == 3
        with upgraded.engine.connect() as conn:
            names = {r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'index'"))}
        assert "ix_captures_verdict_id" in names
    finally:
        upgraded.dispose()
