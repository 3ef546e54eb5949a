"""Fixtures shared by every test package: a real store, SQLite in a temporary folder or (where
a suite asks for both backends) a fresh database on a throwaway PostgreSQL server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.serving import WSGIRequestHandler

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.team.pgserver import PgServer, PgUnavailable
from webhook_studio.context import AppContext
from webhook_studio.core.clock import FixedClock
from webhook_studio.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]
#: Copied from ``../shared/vectors/signatures.json`` so a clone anywhere runs the same tests.
VECTORS = REPO / "tests" / "core" / "fixtures" / "signatures.json"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "studio.sqlite3"


#: What a suite parametrised over both backends runs on (``db_url`` with these params).
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run. Missing binaries skip only the PostgreSQL
    parameter on a developer's machine; in CI (``CI=true``) they are a failure."""
    try:
        server = PgServer()
    except PgUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL backend: {exc}")
        pytest.skip(f"PostgreSQL backend not tested here: {exc}")
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, migrated database of its own."""
    name = pg_server.new_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


def backend_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """``db_url`` for a suite parametrised over :data:`BACKENDS`."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return str(request.getfixturevalue("pg_database"))
    return str(db_path)


@pytest.fixture
def db_url(db_path: Path) -> str:
    """What ``--db`` gets: the SQLite file here; suites that run on both backends override
    this fixture with ``params=BACKENDS`` (see tests/store/conftest.py)."""
    return str(db_path)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(1_700_000_000.0)


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    c = AppContext.open(db_url, data_dir=tmp_path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def vectors() -> list[dict[str, Any]]:
    """Known-answer vectors from the providers' docs and SDK tests (see the file's ``about``)."""
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    return list(data["vectors"])


#: How long the target waits for a request line on a connection it accepted.
TARGET_READ_TIMEOUT = 5.0


class _BoundedReadHandler(WSGIRequestHandler):
    timeout = TARGET_READ_TIMEOUT


class _OwnServer(HTTPServer):
    """pytest-httpserver's server, stopped in 20 ms instead of its 0.5 s poll.

    Its one thread serves one connection at a time and, by default, waits for that
    connection's request line for ever. A sender whose loop stops between its TCP connect and
    its first byte (the test returned; the app fixture is torn down after this one) held the
    thread, and so ``stop()``, until pytest-timeout ended the run (a clean-clone CI run, stop
    26). Reads now time out; the handler logs "Request timed out" and closes the connection."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.RequestHandlerClass = _BoundedReadHandler
        self.server.serve_forever(poll_interval=0.02)


@pytest.fixture
def httpserver(httpserver_listen_address: tuple[str, int]) -> Iterator[HTTPServer]:
    """A target server of the test's own, instead of the plugin's one for the whole session.

    That one is single-threaded and shared by ~150 tests: twice in clean-clone CI runs a
    request sent to it was not answered by it (a replay to ``/fail`` came back 200 with no
    request logged; a handshake probe was reset with none logged), and a 0.4 s handler of one
    test still ran when the next began. A server per test leaves nothing behind: a client an
    earlier test left running meets a closed port, not this test's handlers."""
    host, port = httpserver_listen_address
    server = _OwnServer(host=host, port=port)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1, and its URLs say so. With "localhost" a client
    may try ::1 first, where another server can hold the same port number: a clean-clone CI
    run once saw a Composer delivery answered 200 by a server that was not the test's target."""
    return ("127.0.0.1", 0)
