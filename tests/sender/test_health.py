"""The health model the sender, ``serve``, ``/health`` and the window share."""

from __future__ import annotations

import logging

import pytest

from tests.sender.test_faults import until
from tests.team.faults import store_locked
from webhook_studio.health import Backoff, ComponentHealth, Health, watching
from webhook_studio.store import Store
from webhook_studio.store.db_errors import DbErrorKind
from webhook_studio.store.errors import StoreUnavailable


def test_a_state_change_is_announced_and_logged_once_a_new_sentence_is_not(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="webhook_studio.health")
    now = [100.0]
    health = Health(lambda: now[0])
    heard: list[ComponentHealth] = []
    health.listeners.append(heard.append)
    health.set("sender", "ok", "running", expected=True)
    now[0] = 200.0
    for delay in (0.5, 1, 2, 4):
        health.set("sender", "degraded", f"locked; retrying in {delay} s")
    assert [(h.state, h.since) for h in heard] == [("ok", 100.0), ("degraded", 200.0)]
    assert health.get("sender").sentence == "locked; retrying in 4 s", "the latest is kept"
    assert health.get("sender").since == 200.0
    assert [r.levelname for r in caplog.records] == ["INFO", "WARNING"]
    with pytest.raises(ValueError, match="Unknown health"):
        health.set("sender", "fine", "?")


def test_the_overall_status_is_the_worst_and_a_receiver_cannot_store_without_a_store() -> None:
    health = Health()
    assert health.status == "down", "nothing started yet"
    health.set("receiver", "ok", "receiving on http://127.0.0.1:8000")
    health.set("sender", "ok", "running")
    assert health.status == "ok"
    health.store_failed(StoreUnavailable("The disk holding the database is full (database or "
                                         "disk is full).", DbErrorKind.DISK_FULL))
    assert health.get("store").state == "down", "a full disk does not pass by itself"
    assert health.get("receiver").state == "degraded" and health.status == "down"
    health.store_failed(StoreUnavailable("The database is locked by another program (database "
                                         "is locked).", DbErrorKind.BUSY))
    assert health.get("store").state == "degraded" and health.status == "degraded"
    body = health.to_dict()
    assert body["status"] == "degraded" and body["store"]["since"].endswith("+00:00")


def test_backoff_doubles_from_half_a_second_to_ten() -> None:
    backoff = Backoff()
    assert [backoff.next() for _ in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    backoff.reset()
    assert backoff.next() == 0.5


async def test_the_store_watch_sees_a_lock_while_nothing_writes(
        store: Store, db_url: str) -> None:
    health = Health()
    stop = watching(health, store)
    try:
        with store_locked(db_url):
            await until(lambda: health.get("store").state == "degraded", "the watch to see it",
                        limit=40)
            assert "locked" in health.get("store").sentence
        await health.check_store(store)
        assert health.get("store").state == "ok"
    finally:
        await stop()


class ReportingReceiver:
    """Stands in for a receiver that reports on itself (``Receiver.health()``: connection cap,
    captures refused), which this branch's receiver does not have yet."""

    url = "http://127.0.0.1:8000"

    def __init__(self) -> None:
        self.report: dict[str, object] = {
            "state": "ok", "sentence": "Receiving; 2 connection(s) open.",
            "counters": {"connections_open": 2, "connections_shed": 0}}

    def health(self) -> dict[str, object]:
        return self.report


def test_a_receiver_that_reports_on_itself_is_taken_at_its_word() -> None:
    from webhook_studio.health import sync_receiver

    health = Health()
    receiver = ReportingReceiver()
    sync_receiver(health, receiver)
    assert health.get("receiver").state == "ok"
    assert health.to_dict()["receiver"]["counters"] == {"connections_open": 2,
                                                        "connections_shed": 0}
    receiver.report = {"state": "degraded", "sentence": "the connection cap was reached",
                       "counters": {"connections_open": 300, "connections_shed": 40}}
    sync_receiver(health, receiver)
    assert health.get("receiver").state == "degraded"
    assert "cap" in health.to_dict()["receiver"]["sentence"]


def test_a_receiver_without_a_report_is_judged_by_whether_it_listens() -> None:
    from webhook_studio.health import sync_receiver

    class Plain:
        url: str | None = "http://127.0.0.1:8000"

    health = Health()
    plain = Plain()
    sync_receiver(health, plain)
    assert health.get("receiver").sentence == "receiving on http://127.0.0.1:8000"
    plain.url = None
    sync_receiver(health, plain)
    assert health.get("receiver").state == "down"
