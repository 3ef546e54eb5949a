"""Schema versioning: how the database evolves between releases.

Decision: a small ordered list of migration steps, versioned in a ``studio_meta`` table (and
mirrored in SQLite's ``PRAGMA user_version`` so ``sqlite3 file 'pragma user_version'`` tells
it). Alembic was weighed and left out: it adds a second package, script folders and env files
to freeze into the PyInstaller bundle, for a single-file desktop store whose migrations are few
and linear. Each step is a function run inside one transaction; a fresh database is created
from the models at the current version. A file written by a newer version is refused, never
silently downgraded.

To change the schema: change the models, bump ``SCHEMA_VERSION``, and append a step to
``MIGRATIONS`` that brings a ``SCHEMA_VERSION - 1`` database up to the new shape. The test
``tests/store/test_schema.py`` upgrades a database built at every older version.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, text

from webhook_studio.store.base import Base
from webhook_studio.store.change_counters import install_counters
from webhook_studio.store.errors import SchemaTooNewError, UnusableDatabase

SCHEMA_VERSION = 6


def _v1_to_v2(conn: Connection) -> None:
    """Delivery leases (``in_flight_until``, ``lease_owner``) and the full size of responses.

    A version-1 in-flight mark has no owner that could renew it: it becomes a lease that has
    already expired, so the next sender claims it (what version 1 did at start).
    """
    conn.execute(text("ALTER TABLE deliveries ADD COLUMN in_flight_until FLOAT"))
    conn.execute(text("ALTER TABLE deliveries ADD COLUMN lease_owner VARCHAR(128)"))
    conn.execute(text("ALTER TABLE attempts ADD COLUMN response_size INTEGER"))
    conn.execute(text("UPDATE deliveries SET in_flight_until = in_flight_since "
                      "WHERE in_flight_since IS NOT NULL"))


def _v2_to_v3(conn: Connection) -> None:
    """One vocabulary for attempt outcomes (core/vocabulary.py): replays stored status
    classes ("2xx", "5xx") where the dispatcher stored "success"/"http_error"."""
    from webhook_studio.core.vocabulary import LEGACY_OUTCOMES

    for old, new in LEGACY_OUTCOMES.items():
        conn.execute(text("UPDATE attempts SET outcome = :new WHERE outcome = :old"),
                     {"new": str(new), "old": old})


def _v3_to_v4(conn: Connection) -> None:
    """An index in the Inbox's order for verdict filters: ``verdict:invalid`` over a million
    captures listed its first page in 1.1 s (a sort of every match), now in 1 ms."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_captures_verdict_id "
                      "ON captures (verify_valid, id)"))


def _v4_to_v5(conn: Connection) -> None:
    """Two indexes on captures that no query needs, and every capture written paid for:
    ``(endpoint_id)`` is the first column of ``(endpoint_id, received_at)``, and the verdict
    filters use ``(verify_valid, id)`` where ``(verify_valid, received_at)`` was kept for the
    replay window's read, which ``(endpoint_id, received_at)`` answers. The delivery-id
    index keeps only captures that have one (the duplicate lookup asks for given ids; a
    request without one wrote a NULL key, ~3 µs). Dropping an index keeps every row."""
    conn.execute(text("DROP INDEX IF EXISTS ix_captures_endpoint_id"))
    conn.execute(text("DROP INDEX IF EXISTS ix_captures_valid_received"))
    conn.execute(text("DROP INDEX IF EXISTS ix_captures_delivery_id"))
    conn.execute(text("CREATE INDEX ix_captures_delivery_id ON captures (delivery_id) "
                      "WHERE delivery_id IS NOT NULL"))


def _v5_to_v6(conn: Connection) -> None:
    """A change counter bumped by triggers with every subscription and secret change, so a
    sender keeps subscriptions between claims and re-reads them only when it moved
    (``store/change_counters.py``). Self-contained: the table, its row and the triggers."""
    install_counters(conn)


#: ``MIGRATIONS[n]`` upgrades a database at version ``n`` to version ``n + 1``.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3,
                                                       3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6}

META_TABLE = "studio_meta"
#: The PostgreSQL advisory lock held while the schema is checked, created or upgraded.
SCHEMA_LOCK_KEY = 0x57530001


def _create_current(conn: Connection) -> None:
    """A new database at :data:`SCHEMA_VERSION`: the models' tables, then what lives outside
    them (the change counters' table and triggers)."""
    Base.metadata.create_all(conn)
    install_counters(conn)


def read_version(conn: Connection) -> int | None:
    """The schema version of an existing database, or None for an empty one."""
    if not inspect(conn).has_table(META_TABLE):
        return None
    row = conn.execute(text(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'"))
    value = row.scalar()
    if value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise UnusableDatabase(
            f"This database's schema version is {str(value)[:40]!r}, which no Webhook Studio "
            "writes: the file is damaged or was not made by Webhook Studio. Choose another "
            "file with --db.") from None


def _sqlite_user_version(conn: Connection) -> int:
    if conn.dialect.name != "sqlite":
        return 0
    return int(conn.execute(text("PRAGMA user_version")).scalar() or 0)


def _refuse_foreign(conn: Connection, target: int) -> None:
    """A database without our version table is either empty or another program's: never add
    our tables to someone else's file."""
    user_version = _sqlite_user_version(conn)
    if user_version > target:
        raise SchemaTooNewError(
            f"This database says it was written by a newer Webhook Studio (user_version "
            f"{user_version}, this version knows {target}). Open it with that version, or "
            "choose another file with --db.")
    tables = sorted(inspect(conn).get_table_names())
    if tables or user_version:
        listed = ", ".join(tables[:5]) + ("…" if len(tables) > 5 else "")
        raise UnusableDatabase(
            "This database belongs to another program (it has "
            + (f"tables {listed}" if tables else f"user_version {user_version}")
            + f" but no {META_TABLE}); Webhook Studio will not write into it. Choose another "
            "file with --db.")


def write_version(conn: Connection, version: int) -> None:
    """Record ``version`` in the meta table (and SQLite's ``user_version``); upgrade tests
    use it to make a database look as an older version left it."""
    conn.execute(text(f"DELETE FROM {META_TABLE} WHERE key = 'schema_version'"))
    conn.execute(
        text(f"INSERT INTO {META_TABLE} (key, value) VALUES ('schema_version', :v)"),
        {"v": str(version)},
    )
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"PRAGMA user_version = {int(version)}"))


def ensure_schema(
    conn: Connection,
    *,
    target: int = SCHEMA_VERSION,
    migrations: dict[int, Callable[[Connection], None]] | None = None,
    create: Callable[[Connection], None] | None = None,
) -> int:
    """Create or upgrade the schema to ``target``; return the version found before (0 = new).

    ``migrations`` and ``create`` are parameters so tests can exercise the mechanism with
    steps of their own.
    """
    steps = MIGRATIONS if migrations is None else migrations
    if conn.dialect.name == "postgresql":
        # Several processes may open a new team database at once (three `serve` started
        # together): one creates or upgrades it, the others wait and then find it done.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
    if not inspect(conn).has_table(META_TABLE):
        _refuse_foreign(conn, target)
    conn.execute(
        text(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR(64) PRIMARY KEY, value TEXT)")
    )
    found = read_version(conn)
    if found is not None:
        # The pragma mirrors the table; a file whose pragma is ahead was touched by a newer
        # version (or by hand): refuse it rather than guess which one is right.
        mirrored = _sqlite_user_version(conn)
        if mirrored > max(found, target):
            found = mirrored
    if found is None:
        (create or _create_current)(conn)
        write_version(conn, target)
        return 0
    if found > target:
        raise SchemaTooNewError(
            f"This database was written by a newer Webhook Studio (schema {found}, this version "
            f"knows {target}). Open it with that version, or choose another file with --db."
        )
    for version in range(found, target):
        step = steps.get(version)
        if step is None:
            raise SchemaTooNewError(
                f"No migration from schema {version} to {version + 1}; this build cannot "
                "upgrade the file. Please report this."
            )
        step(conn)
        write_version(conn, version + 1)
    return found
