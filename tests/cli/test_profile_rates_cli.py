"""``send --profile`` sends no faster than the profile's provider (seed 000's paissive profile:
60 a minute, 1,000 an hour), and ``--rate-per-minute``/``--rate-per-hour`` win over it.
Real subprocesses of the CLI against a real local target."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.cli.test_replay_deliveries_cli import cli


def events_file(tmp_path: Path, n: int) -> str:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"type": "strategy.created", "data": {"n": i}}) + "\n"
                            for i in range(n)), encoding="utf-8")
    return str(path)


def stored_rates(db: str) -> list[tuple[int | None, int | None]]:
    with sqlite3.connect(db) as conn:
        return [tuple(row) for row in conn.execute(
            "SELECT rate_per_minute, rate_per_hour FROM subscriptions")]


def test_the_profile_s_rate_per_minute_holds_back_the_61st_event(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    db = str(tmp_path / "d.sqlite3")
    sent = cli("send", httpserver.url_for("/hook"), "--profile", "paissive", "--events-file",
               events_file(tmp_path, 61), "--concurrency", "8", "--db", db)
    assert sent.returncode == 0, sent.stderr  # delivered or still pending
    assert sent.stdout.splitlines()[-1] == "61 deliveries: 60 delivered, 1 pending"
    assert len(httpserver.log) == 60
    assert stored_rates(db) == [(60, 1000)]


def test_the_options_win_over_the_profile_and_are_checked(tmp_path: Path,
                                                          httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    db = str(tmp_path / "d.sqlite3")
    sent = cli("send", httpserver.url_for("/hook"), "--profile", "paissive", "--events-file",
               events_file(tmp_path, 3), "--rate-per-minute", "2", "--db", db)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.splitlines()[-1] == "3 deliveries: 2 delivered, 1 pending"
    assert stored_rates(db) == [(2, 1000)]  # the hour's limit is still the profile's
    plain = cli("send", httpserver.url_for("/hook"), "--event", "a.b", "--rate-per-hour",
                "500", "--db", db)
    assert plain.returncode == 0, plain.stderr
    assert stored_rates(db)[-1] == (None, 500)  # no profile: only what was asked
    bad = cli("send", httpserver.url_for("/hook"), "--event", "a.b", "--rate-per-minute", "0",
              "--db", db)
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("webhook-studio: --rate-per-minute: A rate limit must be a "
                                  "whole number from 1 to 100,000.")
    assert "Traceback" not in bad.stderr
