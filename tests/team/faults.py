"""Store faults made the same way on both backends, for suites parametrised over them."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text

from webhook_studio.store import Store
from webhook_studio.store.live import libpq_url

#: Every table a writer of ours touches.
TABLES = ("captures", "endpoints", "events", "deliveries", "attempts", "subscriptions",
          "subscription_secrets")


def is_postgres(db_url: str) -> bool:
    return db_url.startswith("postgresql")


@contextlib.contextmanager
def store_locked(db_url: str) -> Iterator[Any]:
    """Another program holds the store until the block ends: SQLite's write lock (``BEGIN
    EXCLUSIVE``), or on PostgreSQL an EXCLUSIVE lock on every table: like SQLite's write lock
    in WAL mode it stops every write and lets plain reads through, and our writes give up
    after their lock timeout as SQLite's do after the busy timeout."""
    if is_postgres(db_url):
        import psycopg

        pg = psycopg.connect(libpq_url(db_url), connect_timeout=10)
        pg.execute(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE")
        try:
            yield pg
        finally:
            pg.rollback()
            pg.close()
        return
    conn = sqlite3.connect(db_url, isolation_level=None, check_same_thread=False, timeout=0.1)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def refuse_capture_path(store: Store, path: str, message: str = "refused") -> None:
    """A trigger that makes inserting a capture with ``path`` fail with ``message``."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION refuse_path() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.path = '{path}' THEN RAISE EXCEPTION '{message}'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON captures FOR EACH ROW "
                              "EXECUTE FUNCTION refuse_path()"))
        else:
            conn.execute(text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON captures WHEN NEW.path = '{path}' "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"))
