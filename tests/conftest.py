"""Fixtures shared by every test package: a real SQLite store in a temporary folder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from webhook_studio.context import AppContext
from webhook_studio.core.clock import FixedClock
from webhook_studio.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]
#: Copied from ``../shared/vectors/signatures.json`` so a clone anywhere runs the same tests.
VECTORS = REPO / "tests" / "core" / "fixtures" / "signatures.json"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "studio.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(1_700_000_000.0)


@pytest.fixture
def ctx(db_path: Path, tmp_path: Path) -> Iterator[AppContext]:
    c = AppContext.open(db_path, data_dir=tmp_path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def vectors() -> list[dict[str, Any]]:
    """Known-answer vectors from the providers' docs and SDK tests (see the file's ``about``)."""
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    return list(data["vectors"])


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1, and its URLs say so. With "localhost" a client
    may try ::1 first, where another server can hold the same port number: a clean-clone CI
    run once saw a Composer delivery answered 200 by a server that was not the test's target."""
    return ("127.0.0.1", 0)
