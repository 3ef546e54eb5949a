"""Live updates on a team database: what one process commits, another hears through
LISTEN/NOTIFY, also after its listening connection was killed server-side (issue 17)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from tests.team.pgserver import PgServer
from tests.team.procs import Serve, until
from webhook_studio.store import open_store
from webhook_studio.store.live import Change, LiveListener, decode_ids, encode_ids
from webhook_studio.store.receiver_models import Capture

pytestmark = pytest.mark.slow


def newest_capture(url: str) -> int:
    store = open_store(url)
    try:
        with store.session() as session:
            return int(session.scalar(select(func.max(Capture.id))) or 0)
    finally:
        store.dispose()


async def test_a_capture_from_another_process_is_heard_and_again_after_the_connection_dies(
        pg_server: PgServer, pg_database: str, tmp_path: Path) -> None:
    heard: list[Change] = []
    states: list[bool] = []
    # A poll far longer than the test: what arrives must come by NOTIFY or the reconnect's
    # catch-up, never by the backstop.
    listener = LiveListener(pg_database, heard.append, on_state=states.append,
                            kinds=("captures",), poll_s=600)
    listener.start()
    serve = Serve(pg_database, tmp_path / "serve")
    try:
        await until(lambda: listener.connected is True, "the listener to connect")
        await serve.ready()
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{serve.receiver}/hook", data=b"first") as resp:
                assert resp.status == 200
            first = newest_capture(pg_database)
            await until(lambda: any(str(first) in c.ids for c in heard),
                        "the first capture to be heard", limit=10)
            assert not any(c.caught_up for c in heard), "announced, not found by polling"

            old_pid = listener.backend_pid
            assert old_pid is not None
            assert pg_server.terminate_backend(old_pid)
            # Written while the listener is (probably) still down: NOTIFY has no replay, so
            # only the catch-up after the reconnect can bring it.
            async with http.post(f"{serve.receiver}/hook", data=b"second") as resp:
                assert resp.status == 200
            second = newest_capture(pg_database)
            await until(lambda: any(str(second) in c.ids for c in heard),
                        "the second capture after the reconnect", limit=20)
        assert listener.connections >= 2 and listener.backend_pid != old_pid
        assert False in states and states[-1] is True
    finally:
        await listener.stop()
        serve.stop()


def test_payloads_stay_small_and_say_when_they_were_cut() -> None:
    ids, more = decode_ids(encode_ids(range(10)))
    assert ids == [str(i) for i in range(10)] and not more
    long = encode_ids(range(100_000))
    assert len(long) <= 410
    ids, more = decode_ids(long)
    assert more and ids[:3] == ["0", "1", "2"]
