"""Deleting captures: by id or all, one transaction, and what pointed at them keeps working."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.cli import main
from webhook_studio.relay.replay import replay_capture
from webhook_studio.store import Store, open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import (
    count_captures,
    delete_captures,
    existing_capture_ids,
    list_captures,
)
from webhook_studio.store.sender_queries import delivery_to_dict, get_delivery


def _captures(store: Store, n: int) -> list[int]:
    with store.session() as session:
        rows = [Capture(received_at=time.time(), method="POST", path=f"/h/{i}", query="",
                        headers=[["X-N", str(i)]], body=b"{}", body_size=2, state="captured")
                for i in range(n)]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def test_deleting_some_ids_removes_exactly_those_and_counts_them(store: Store) -> None:
    ids = _captures(store, 5)
    assert delete_captures(store, [ids[1], ids[3], ids[3]]) == 2
    with store.session() as session:
        assert [c.id for c in list_captures(session)] == [ids[4], ids[2], ids[0]]
    # Deleting again (or an id that never existed) removes nothing and is not an error.
    assert delete_captures(store, [ids[1], 10**9]) == 0
    assert delete_captures(store, []) == 0


def test_deleting_all_empties_the_inbox(store: Store) -> None:
    _captures(store, 3)
    assert delete_captures(store, None) == 3
    with store.session() as session:
        assert count_captures(session) == 0
    assert delete_captures(store, None) == 0


def test_a_long_id_list_is_deleted_in_one_call(store: Store) -> None:
    ids = _captures(store, 1300)  # more than one statement's worth of bound ids
    assert delete_captures(store, ids[:1200]) == 1200
    with store.session() as session:
        assert count_captures(session) == 100


async def test_a_replayed_delivery_survives_its_capture_being_deleted(
        store: Store, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/t").respond_with_data("ok")
    capture_id, other = _captures(store, 2)
    result = await replay_capture(store, capture_id, httpserver.url_for("/t"))
    assert delete_captures(store, [capture_id]) == 1
    with store.session() as session:
        delivery = delivery_to_dict(session, get_delivery(session, result.delivery_id))
        assert delivery["source_capture_id"] == capture_id
        assert delivery["state"] == "delivered" and delivery["attempts"][0]["status"] == 200
        # what a reader asks to decide to show "capture deleted"
        assert existing_capture_ids(session, [capture_id, other]) == {other}


def test_captures_delete_from_the_command_line(
        db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(db_url)
    ids = _captures(store, 4)
    store.dispose()
    db = db_url
    assert main(["captures", "delete", str(ids[0]), str(ids[1]), "--db", db]) == 0
    assert capsys.readouterr().out == "deleted 2 capture(s)\n"
    # an id that is not there: the others still go, and the exit code says something was off
    assert main(["captures", "delete", str(ids[2]), str(ids[0]), "--db", db]) == 1
    out, err = capsys.readouterr()
    assert out == "deleted 1 capture(s)\n" and f"No capture with id {ids[0]}" in err
    assert main(["--db", db, "captures", "delete", "--all", "--yes"]) == 0
    assert capsys.readouterr().out == "deleted 1 capture(s)\n"
    assert main(["captures", "list", "--db", db]) == 0
    assert "No captures yet" in capsys.readouterr().out


def test_the_delete_routes_are_in_the_openapi_document() -> None:
    from webhook_studio.api.app import all_routes
    from webhook_studio.api.openapi import build_document

    paths = build_document(all_routes())["paths"]
    assert set(paths["/api/v1/captures/{id}"]["delete"]["responses"]) >= {"204", "404"}
    bulk = paths["/api/v1/captures"]["delete"]
    assert {p["name"] for p in bulk["parameters"]} == {"ids", "all"}
