"""Change counters: a number the database bumps in the same transaction as every change to a
set of rows, so a process can keep those rows in memory and ask "did anything change?" with one
primary-key read.

Why triggers and not a bump in each Python writer: subscriptions and secrets are written by the
window, the API, the CLI, replay's ad-hoc subscriptions, the sender itself (disabling one after
a 410) and by another ``serve`` worker on the same file or team database, possibly an older or
newer build. A trigger is part of the write wherever it comes from, so a cache that compares the
counter cannot miss a change that is committed. Columns the sender writes on every recorded
group (``last_called_at``) are left out, or the counter would move with every delivery.

SQLite and PostgreSQL get triggers; any other database has no counter (:func:`read_counter`
answers ``None``) and callers must not cache.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

#: The counter for subscriptions and their secrets (``sender/subscription_cache.py``).
SUBSCRIPTIONS = "subscriptions"
#: Columns of ``subscriptions`` whose change must reach a sender's next claim (every column but
#: ``last_called_at``, ``created_at`` and ``updated_at``, which only move with these).
WATCHED_COLUMNS = ("id", "url", "description", "events", "headers", "active", "profile",
                   "scheme", "scheme_options", "retry_policy", "timeout_seconds",
                   "rate_per_minute", "rate_per_hour", "max_concurrency", "disabled_reason",
                   "adhoc")
CREATE_TABLE = ("CREATE TABLE IF NOT EXISTS change_counters "
                "(name VARCHAR(64) NOT NULL PRIMARY KEY, value BIGINT NOT NULL)")
BUMP = f"UPDATE change_counters SET value = value + 1 WHERE name = '{SUBSCRIPTIONS}'"


def _sqlite_triggers() -> list[str]:
    watched = ", ".join(WATCHED_COLUMNS)
    events = {"subscriptions_insert": "INSERT ON subscriptions",
              "subscriptions_update": f"UPDATE OF {watched} ON subscriptions",
              "subscriptions_delete": "DELETE ON subscriptions",
              "secrets_insert": "INSERT ON subscription_secrets",
              "secrets_update": "UPDATE ON subscription_secrets",
              "secrets_delete": "DELETE ON subscription_secrets"}
    return [f"CREATE TRIGGER IF NOT EXISTS counter_{name} AFTER {event} "
            f"BEGIN {BUMP}; END" for name, event in events.items()]


def _postgresql_triggers() -> list[str]:
    watched = ", ".join(WATCHED_COLUMNS)
    # FOR EACH STATEMENT: a bulk change bumps once; the row lock on the counter is held to
    # the commit, so two concurrent edits serialise on it (edits are rare, claims only read).
    return [
        "CREATE OR REPLACE FUNCTION bump_subscriptions_counter() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS counter_subscriptions ON subscriptions",
        f"CREATE TRIGGER counter_subscriptions AFTER INSERT OR DELETE OR UPDATE OF {watched} "
        "ON subscriptions FOR EACH STATEMENT EXECUTE FUNCTION bump_subscriptions_counter()",
        "DROP TRIGGER IF EXISTS counter_secrets ON subscription_secrets",
        "CREATE TRIGGER counter_secrets AFTER INSERT OR DELETE OR UPDATE "
        "ON subscription_secrets FOR EACH STATEMENT "
        "EXECUTE FUNCTION bump_subscriptions_counter()",
    ]


def install_counters(conn: Connection) -> None:
    """The table, its row and the triggers (idempotent). Run on a new database after its tables
    exist, and by the migration that brings an older one up."""
    conn.execute(text(CREATE_TABLE))
    if conn.execute(text("SELECT 1 FROM change_counters WHERE name = :n"),
                    {"n": SUBSCRIPTIONS}).first() is None:
        conn.execute(text("INSERT INTO change_counters (name, value) VALUES (:n, 1)"),
                     {"n": SUBSCRIPTIONS})
    dialect = conn.dialect.name
    statements = (_sqlite_triggers() if dialect == "sqlite"
                  else _postgresql_triggers() if dialect == "postgresql" else [])
    for statement in statements:
        conn.exec_driver_sql(statement)


def read_counter(session: Session, name: str = SUBSCRIPTIONS) -> int | None:
    """The counter's value, or None where the database keeps none (not SQLite/PostgreSQL)."""
    if session.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return None
    value = session.execute(text("SELECT value FROM change_counters WHERE name = :n"),
                            {"n": name}).scalar()
    return None if value is None else int(value)
