"""Chaos replay against a small consumer on a real port: a non-idempotent one (counts
``payment.succeeded`` per event id) is caught applying duplicates, an idempotent one (dedupes
by delivery id) is not; the same seed gives the same schedule."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.cli import main
from webhook_studio.core.chaos import ChaosSpec, ChaosSpecError, parse_spec, plan
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Consumer:
    """An aiohttp app in its own thread: POST /webhook applies payment.succeeded events,
    GET /state answers {event id: times applied}."""

    def __init__(self, idempotent: bool) -> None:
        self.idempotent = idempotent
        self.counts: dict[str, int] = {}
        self.seen: set[str] = set()
        self.drop: set[str] = set()
        self.delivery_ids: list[tuple[str, str | None]] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        assert ready.wait(30)

    async def webhook(self, request: web.Request) -> web.Response:
        event = json.loads(await request.read())
        delivery = request.headers.get("webhook-id") or request.headers.get("X-Delivery")
        self.delivery_ids.append((event["id"], delivery))
        await asyncio.sleep(0.001)
        if event["type"] != "payment.succeeded" or event["id"] in self.drop:
            return web.Response(status=204)
        if self.idempotent:
            if delivery in self.seen:
                return web.Response(status=200, text="already applied")
            self.seen.add(str(delivery))
        self.counts[event["id"]] = self.counts.get(event["id"], 0) + 1
        return web.Response(status=200)

    async def state(self, request: web.Request) -> web.Response:
        return web.json_response(self.counts)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        app.router.add_get("/state", self.state)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "studio.sqlite3"
    store = open_store(path)
    now = time.time()
    try:
        with store.session() as session:
            for n in range(12):
                body = json.dumps({"id": f"evt_{n}", "type": "payment.succeeded",
                                   "data": {"amount": 100 + n}}).encode()
                session.add(Capture(received_at=now + n, method="POST", path="/hooks",
                                    headers=[["Content-Type", "application/json"],
                                             ["X-Delivery", f"dlv_{n}"]],
                                    body=body, body_size=len(body)))
    finally:
        store.dispose()
    return path


def _consumer(idempotent: bool) -> Iterator[Consumer]:
    consumer = Consumer(idempotent)
    yield consumer
    consumer.stop()


@pytest.fixture
def careless() -> Iterator[Consumer]:
    yield from _consumer(False)


@pytest.fixture
def careful() -> Iterator[Consumer]:
    yield from _consumer(True)


CHAOS = "duplicates=0.5,shuffle,burst=4,delay=0-30ms"


def _run(db: Path, consumer: Consumer, capsys: pytest.CaptureFixture[str],
         *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["replay", "--chaos", CHAOS, "--to", consumer.url + "/webhook", "--seed", "7",
                 "--check", consumer.url + "/state", "--json", "--db", str(db), *extra])
    return code, json.loads(capsys.readouterr().out)


def _expected_duplicates() -> list[str]:
    schedule = plan(list(range(1, 13)), parse_spec(CHAOS), 7)
    return sorted(f"evt_{cid - 1}" for cid in schedule.duplicated)


@pytest.mark.slow
def test_non_idempotent_consumer_is_named(db: Path, careless: Consumer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _run(db, careless, capsys)
    expected = _expected_duplicates()
    assert len(expected) >= 2  # the seed makes duplicates; otherwise the test proves nothing
    assert code == 1
    assert report["check"]["duplicated"] == expected
    assert report["check"]["lost"] == []
    assert report["seed"] == 7 and report["sent"] == 12 + len(expected)
    # Each duplicate went out with the same delivery id as its original.
    for event in expected:
        ids = {d for e, d in careless.delivery_ids if e == event}
        assert len(ids) == 1, ids
    sends = {c["event_id"]: [s["status"] for s in c["sends"]] for c in report["captures"]}
    assert all(sends[e] == [200, 200] for e in expected)
    # Every send is a replay in Deliveries, as any replay is.
    assert main(["deliveries", "list", "--kind", "replay", "--json", "--db", str(db)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == report["sent"]
    recorded = {s["delivery_id"] for c in report["captures"] for s in c["sends"]}
    assert recorded == {d["id"] for d in listed}


@pytest.mark.slow
def test_idempotent_consumer_reports_none_even_re_signed(
        db: Path, careful: Consumer, capsys: pytest.CaptureFixture[str]) -> None:
    # Re-signed copies share one webhook-id: the consumer's dedupe key holds across copies.
    code, report = _run(db, careful, capsys, "--resign", "--scheme", "standard-webhooks",
                        "--secret", SECRET)
    assert report["check"]["duplicated"] == [] and report["check"]["lost"] == []
    assert code == 0
    assert report["sent"] == 12 + len(_expected_duplicates())
    assert len({d for _, d in careful.delivery_ids}) == 12


@pytest.mark.slow
def test_lost_events_and_a_shell_command_check(db: Path, careless: Consumer,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    careless.drop.add("evt_3")  # answered 200, never applied
    command = (f"{sys.executable} -c \"import urllib.request;"
               f"print(urllib.request.urlopen('{careless.url}/state').read().decode())\"")
    code = main(["replay", "--chaos", "none", "--to", careless.url + "/webhook",
                 "--ids", "3", "4", "5", "--check", command, "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 1
    assert "LOST (never applied): evt_3" in out and "MORE THAN ONCE" not in out
    assert "seed" in out
    # Counts from earlier runs are subtracted: evt_2 was applied before, once more now.
    code = main(["replay", "--chaos", "none", "--to", careless.url + "/webhook", "--ids", "3",
                 "--check", careless.url + "/state", "--db", str(db)])
    assert code == 0
    assert "every event applied exactly once (1 event(s))" in capsys.readouterr().out
    assert careless.counts["evt_2"] == 2
    code = main(["replay", "--chaos", "none", "--to", careless.url + "/webhook", "--ids", "3",
                 "--check", careless.url + "/state", "--event-id", "data.nope", "--db", str(db)])
    assert code == 1 and "give --event-id PATH" in capsys.readouterr().out


def test_same_seed_same_schedule() -> None:
    spec = parse_spec("duplicates=0.3,shuffle,burst=5,delay=0-2s")
    ids = list(range(1, 60))
    first, again, other = plan(ids, spec, 42), plan(ids, spec, 42), plan(ids, spec, 43)
    assert first == again
    assert first.sends != other.sends
    assert sorted(s.capture_id for s in first.sends if s.copy == 0) == ids
    assert all(s.wait_s == 0 or 0 <= s.wait_s <= 2 for s in first.sends)
    assert {len(b) for b in first.bursts()[:-1]} == {5}
    # Without shuffle, received order is kept and each copy comes after its original.
    calm = plan(ids, ChaosSpec(duplicates=1.0), 1)
    assert [s.capture_id for s in calm.sends if s.copy == 0] == ids
    for send in calm.sends:
        if send.copy:
            assert send.position > next(s.position for s in calm.sends
                                        if s.capture_id == send.capture_id and not s.copy)


@pytest.mark.parametrize(("text", "said"), [
    ("duplicates=2", "probability from 0 to 1"),
    ("burst=0", "whole number from 1"),
    ("delay=3-1s", "A ≤ B"),
    ("reorder", "is not a chaos option"),
])
def test_bad_chaos_specs_are_sentences(text: str, said: str,
                                       capsys: pytest.CaptureFixture[str], db: Path) -> None:
    with pytest.raises(ChaosSpecError, match=said):
        parse_spec(text)
    code = main(["replay", "--chaos", text, "--to", "http://127.0.0.1:9/x", "--ids", "1",
                 "--db", str(db)])
    assert code == 2 and said in capsys.readouterr().err


def test_chaos_takes_ids_not_an_id(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "3", "--chaos", "shuffle", "--to", "http://127.0.0.1:9/x",
                 "--db", str(db)]) == 2
    assert "give --ids or --filter" in capsys.readouterr().err
    assert main(["replay", "--to", "http://127.0.0.1:9/x", "--db", str(db)]) == 2
    assert "needs a capture ID" in capsys.readouterr().err


@settings(max_examples=200, deadline=None)
@given(duplicates=st.sampled_from([0.0, 0.1, 0.25, 1.0]), shuffle=st.booleans(),
       burst=st.integers(1, 1000), low=st.sampled_from([0.0, 0.5, 2.0]),
       extra=st.sampled_from([0.0, 1.5]))
def test_a_spec_reads_back_from_its_description(duplicates: float, shuffle: bool, burst: int,
                                                low: float, extra: float) -> None:
    spec = ChaosSpec(duplicates, shuffle, burst, (low, low + extra))
    assert parse_spec(spec.describe() if spec.describe() != "none" else "") == spec


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="duplicatesshufflebursdelay=,-0123456789.ms ", max_size=40))
def test_any_spec_text_is_read_or_refused_with_a_sentence(text: str) -> None:
    message = ""
    try:
        parse_spec(text)
    except ChaosSpecError as exc:
        message = str(exc)
    assert not message or "=" in message or "chaos option" in message or "time" in message
