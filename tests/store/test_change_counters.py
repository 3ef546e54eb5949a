"""The subscriptions change counter (store/change_counters.py): every subscription or secret
change moves it in the same transaction, whoever writes; the sender's per-group bookkeeping
does not. Runs on SQLite and PostgreSQL; schema 6 brings an older database up with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text

from webhook_studio.store import Store, open_store
from webhook_studio.store.change_counters import read_counter
from webhook_studio.store.schema import SCHEMA_VERSION, read_version, write_version
from webhook_studio.store.sender_queries import (
    create_subscription,
    delete_subscription,
    rotate_secret,
    update_subscription,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def counter(store: Store) -> int:
    with store.session() as session:
        value = read_counter(session)
    assert value is not None
    return value


def remove_counters(conn: Connection) -> None:
    """Undo schema 6 (what a version-5 database looks like), on either backend."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER IF EXISTS counter_subscriptions ON subscriptions"))
        conn.execute(text("DROP TRIGGER IF EXISTS counter_secrets ON subscription_secrets"))
        conn.execute(text("DROP FUNCTION IF EXISTS bump_subscriptions_counter()"))
    else:
        for name in ("subscriptions_insert", "subscriptions_update", "subscriptions_delete",
                     "secrets_insert", "secrets_update", "secrets_delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS counter_{name}"))
    conn.execute(text("DROP TABLE change_counters"))


def sql(statement: str) -> Callable[[Store, str], None]:
    def run(store: Store, sub_id: str) -> None:
        with store.session() as session:
            session.execute(text(statement), {"id": sub_id})
    return run


CHANGES: dict[str, Callable[[Store, str], object]] = {
    "url": lambda s, i: update_subscription(s, i, url="http://127.0.0.1:9/new"),
    "headers": lambda s, i: update_subscription(s, i, headers={"X-A": "b"}),
    "paused": lambda s, i: update_subscription(s, i, active=False),
    "retry policy": lambda s, i: update_subscription(s, i, retry_policy={"kind": "none"}),
    "rate limit": lambda s, i: update_subscription(s, i, rate_per_minute=5),
    "scheme": lambda s, i: update_subscription(s, i, scheme="github"),
    "rotation": lambda s, i: rotate_secret(s, i, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
    "secret expiry by hand": sql("UPDATE subscription_secrets SET expires_at = 5 "
                                 "WHERE subscription_id = :id"),
    "secret deleted by hand": sql("DELETE FROM subscription_secrets WHERE subscription_id = :id"),
    "url by hand": sql("UPDATE subscriptions SET url = 'http://127.0.0.1:9/h' WHERE id = :id"),
    "deleted": delete_subscription,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_subscription_or_secret_change_moves_the_counter(store: Store,
                                                               change: str) -> None:
    before = counter(store)
    sub_id = create_subscription(store, secret=SECRET, url="http://127.0.0.1:9/x",
                                 events=["*"])
    created = counter(store)
    assert created > before
    CHANGES[change](store, sub_id)
    assert counter(store) > created


def test_what_the_sender_writes_per_group_does_not_move_it(store: Store) -> None:
    """Recording stamps ``last_called_at`` on every group; counting that would empty every
    sender's cache after each group."""
    sub_id = create_subscription(store, secret=SECRET, url="http://127.0.0.1:9/x", events=["*"])
    before = counter(store)
    sql("UPDATE subscriptions SET last_called_at = 12.5 WHERE id = :id")(store, sub_id)
    assert counter(store) == before


def test_a_change_rolled_back_leaves_the_counter(store: Store) -> None:
    sub_id = create_subscription(store, secret=SECRET, url="http://127.0.0.1:9/x", events=["*"])
    before = counter(store)

    def abandoned() -> None:
        with store.session() as session:
            session.execute(text("UPDATE subscriptions SET url = 'http://x/' WHERE id = :id"),
                            {"id": sub_id})
            raise RuntimeError("abandon the transaction")

    with pytest.raises(RuntimeError):
        abandoned()
    assert counter(store) == before


def test_a_version_5_database_gets_the_counter_and_keeps_its_subscriptions(
        db_url: str, store: Store) -> None:
    sub_id = create_subscription(store, secret=SECRET, url="http://127.0.0.1:9/x", events=["*"])
    with store.engine.begin() as conn:
        remove_counters(conn)
        write_version(conn, 5)
    store.dispose()
    upgraded = open_store(db_url)
    try:
        assert upgraded.upgraded_from == 5
        with upgraded.engine.connect() as conn:
            assert read_version(conn) == SCHEMA_VERSION
        first = counter(upgraded)
        update_subscription(upgraded, sub_id, url="http://127.0.0.1:9/after")
        assert counter(upgraded) > first
        rotate_secret(upgraded, sub_id, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
        assert counter(upgraded) > first + 1
    finally:
        upgraded.dispose()
