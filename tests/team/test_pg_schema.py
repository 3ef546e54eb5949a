"""The schema's migrations run on PostgreSQL as on SQLite: a version-1 team database is
upgraded in place (leases, response sizes, one outcome vocabulary) and its data kept."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.store.test_change_counters import remove_counters
from tests.team.pgserver import PgServer
from webhook_studio.store import open_store
from webhook_studio.store.schema import SCHEMA_VERSION, read_version
from webhook_studio.store.sender_models import Attempt, Delivery


def test_a_version_1_team_database_is_upgraded_in_place(pg_server: PgServer) -> None:
    pg_server.admin("CREATE DATABASE old_team")
    url = pg_server.url("old_team")
    try:
        open_store(url).dispose()
        store = open_store(url)
        with store.engine.begin() as conn:  # what version 1 wrote
            remove_counters(conn)  # schema 6
            for table, column in (("deliveries", "in_flight_until"),
                                  ("deliveries", "lease_owner"), ("attempts", "response_size")):
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
            conn.execute(text("UPDATE studio_meta SET value = '1' "
                              "WHERE key = 'schema_version'"))
            conn.execute(text(
                "INSERT INTO subscriptions (id, url, description, events, headers, active, "
                "scheme, retry_policy, timeout_seconds, max_concurrency, adhoc, created_at, "
                "updated_at) VALUES ('wh_1', 'http://127.0.0.1:9/x', '', '[\"*\"]', '{}', "
                "true, 'standard-webhooks', '{}', 2, 1, false, 1, 1)"))
            conn.execute(text("INSERT INTO events (id, type, payload, created_at) "
                              "VALUES ('evt_1', 'a.b', '\\x7b7d'::bytea, 1)"))
            conn.execute(text(
                "INSERT INTO deliveries (id, event_id, subscription_id, event_type, target_url, "
                "state, attempt_count, next_attempt_at, in_flight_since, created_at, "
                "updated_at) VALUES ('msg_1', 'evt_1', 'wh_1', 'a.b', 'http://127.0.0.1:9/x', "
                "'pending', 0, 100, 100, 1, 1)"))
            conn.execute(text(
                "INSERT INTO attempts (delivery_id, number, started_at, request_headers, "
                "request_body, response_headers, response_body, outcome) VALUES "
                "('msg_1', 1, 1, '[]', ''::bytea, '[]', ''::bytea, '5xx')"))
        store.dispose()

        upgraded = open_store(url)
        try:
            assert upgraded.upgraded_from == 1
            with upgraded.engine.connect() as conn:
                assert read_version(conn) == SCHEMA_VERSION
                columns = {c["name"] for c in inspect(conn).get_columns("deliveries")}
                assert {"in_flight_until", "lease_owner"} <= columns
            with upgraded.session() as session:
                row = session.get(Delivery, "msg_1")
                assert row is not None and row.in_flight_until == 100.0
                assert [a.outcome for a in session.query(Attempt)] == ["http_error"]
        finally:
            upgraded.dispose()
    finally:
        pg_server.drop_database("old_team")
