"""``send`` and ``deliveries``: the exact CLI contract, and SIGKILL with retries pending."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from webhook_studio.cli import main
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store import open_store
from webhook_studio.store.sender_queries import attempts_of

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class FailingFirst:
    """A target answering 500 to its first ``n`` requests, then 200; ``started`` counts
    requests that reached the handler (before any answer went out)."""

    def __init__(self, n: int, *, hang_first: float = 0.0) -> None:
        self.n, self.hang_first, self.started = n, hang_first, 0
        self.lock = threading.Lock()

    def __call__(self, _request: Request) -> Response:
        with self.lock:
            self.started += 1
            number = self.started
        if number == 1 and self.hang_first:
            time.sleep(self.hang_first)
        return Response("down" if number <= self.n else "ok",
                        status=500 if number <= self.n else 200)


def test_send_json_contract_and_generated_secret(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    data = tmp_path / "data.json"
    data.write_text('{"user": "Zoë"}', encoding="utf-8")
    code = main(["send", httpserver.url_for("/hook"), "--event", "user.created",
                 "--data-file", str(data), "--db", str(tmp_path / "s.db"), "--json",
                 "--header", "X-Team: blue"])
    out, err = capsys.readouterr()
    assert code == 0
    secret = err.split("generated secret: ")[1].split()[0]
    result = json.loads(out)
    assert result["state"] == "delivered" and result["id"].startswith("msg_")
    (attempt,) = result["attempts"]
    assert attempt["number"] == 1 and attempt["status"] == 200 and attempt["error"] is None
    assert attempt["started_at"].endswith("Z") and attempt["duration_ms"] > 0
    assert attempt["request_headers"]["webhook-id"] == result["id"]
    assert attempt["request_headers"]["X-Team"] == "blue"
    request = httpserver.log[0][0]
    assert request.get_json()["data"] == {"user": "Zoë"}
    assert request.headers["Content-Type"] == "application/json"
    verdict = get_scheme("standard-webhooks").verify(
        IncomingRequest(request.get_data(), tuple(request.headers.items())), [secret],
        now=time.time())
    assert verdict.valid, verdict.message


def test_send_without_wait_records_pending_retries(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    db = str(tmp_path / "s.db")
    assert main(["send", httpserver.url_for("/down"), "--event", "a.b", "--secret", SECRET,
                 "--retry", "0,1h", "--db", db, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["state"] == "pending" and result["attempts"][0]["status"] == 503
    assert main(["deliveries", "list", "--db", db, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == result["id"] and listed["next_attempt_at"] is not None
    assert main(["deliveries", "cancel", result["id"], "--db", db]) == 0
    assert main(["deliveries", "show", result["id"], "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["state"] == "cancelled"


def test_send_wait_exits_1_on_a_final_client_error(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/bad").respond_with_data("no", status=400)
    assert main(["send", httpserver.url_for("/bad"), "--event", "a.b", "--secret", SECRET,
                 "--wait", "--db", str(tmp_path / "s.db")]) == 1
    out = capsys.readouterr().out
    assert "failed" in out and "HTTP 400" in out


@pytest.mark.parametrize(("argv", "needle"), [
    (["send", "not a url", "--event", "a"], "URL: The URL must not contain spaces"),
    (["send", "ftp://x/y", "--event", "a"], "URL: Enter a full http:// or https:// URL."),
    (["send", "http://x/", "--event", "a.*"], "--event: The event type must be an exact"),
    (["send", "http://x/", "--event", "a", "--timeout", "301"],
     "--timeout: The timeout must be a number of seconds from 0.1 to 300."),
    (["send", "http://x/", "--event", "a", "--header", "X Y: 1"],
     "--header: Header name 'X Y' is not a valid HTTP header name"),
    (["send", "http://x/", "--event", "a", "--retry", "0,soon"], "not a delay"),
    (["send", "http://x/", "--event", "a", "--retry", ""], "neither a preset"),
    (["send", "http://x/", "--event", "a", "--data-file", "/no/such/file"], "Cannot read"),
    (["send", "http://x/", "--event", "a", "--scheme", "rot13"], "Unknown scheme"),
])
def test_usage_errors_are_one_sentence_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    assert main([*argv, "--db", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_data_that_is_not_json_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    assert main(["send", "http://x/", "--event", "a", "--data-file", str(bad),
                 "--db", str(tmp_path / "s.db")]) == 2
    assert "is not JSON" in capsys.readouterr().err


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "webhook_studio", *args]


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _attempt_count(db: Path) -> int:
    """Read-only peek with sqlite3: the store must not create its schema under the CLI."""
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT COALESCE(SUM(attempt_count), 0) FROM deliveries")
                       .fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("kill_in_flight", [False, True])
def test_sigkill_with_retries_pending_then_resume(
        httpserver: HTTPServer, tmp_path: Path, kill_in_flight: bool) -> None:
    """Killed after attempt 1 is recorded: resume makes attempts 2 and 3 on schedule, nothing
    twice. Killed while attempt 1 is in flight: only that attempt is repeated (at-least-once)."""
    target = FailingFirst(2, hang_first=1.0 if kill_in_flight else 0.0)
    httpserver.expect_request("/flaky").respond_with_handler(target)
    db = tmp_path / "kill.db"
    proc = subprocess.Popen(
        _cli("send", httpserver.url_for("/flaky"), "--event", "order.paid", "--secret", SECRET,
             "--retry", "0,1s,1s", "--timeout", "5", "--wait", "--db", str(db)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if kill_in_flight:
            _wait_for(lambda: target.started >= 1, "the first request to arrive")
        else:
            _wait_for(lambda: _attempt_count(db) == 1, "attempt 1 to be recorded")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    _wait_for(lambda: len(httpserver.log) == 1, "the target to finish answering attempt 1")
    assert _attempt_count(db) == (0 if kill_in_flight else 1)

    resumed = subprocess.run(_cli("deliveries", "resume", "--wait", "--db", str(db)),
                             capture_output=True, timeout=60, check=False)
    assert resumed.returncode == 0, resumed.stderr
    if kill_in_flight:
        assert b"recovered 1 delivery" in resumed.stderr

    store = open_store(db)
    try:
        with store.session() as session:
            from webhook_studio.store.sender_models import Delivery

            (delivery,) = session.query(Delivery).all()
            state = delivery.state
            delivery_id = delivery.id
            attempts = [(a.number, a.response_status, a.started_at)
                        for a in attempts_of(session, delivery_id)]
    finally:
        store.dispose()
    assert state == "delivered"
    assert {r.headers["webhook-id"] for r, _ in httpserver.log} == {delivery_id}, \
        "every request carries the original delivery id"
    assert [r.status_code for _, r in httpserver.log] == [500, 500, 200]
    if kill_in_flight:
        # Attempt 1 reached the target but was never recorded, so it was made again; the
        # schedule then continues from there: two recorded attempts.
        assert [(n, s) for n, s, _ in attempts] == [(1, 500), (2, 200)]
    else:
        assert [(n, s) for n, s, _ in attempts] == [(1, 500), (2, 500), (3, 200)]
    gaps = [b[2] - a[2] for a, b in itertools.pairwise(attempts)]
    assert all(g >= 0.95 for g in gaps), f"the 1 s schedule was kept: {gaps}"


def test_send_with_a_profile_signs_and_shapes_as_that_provider(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from webhook_studio.profile_library import ProfileLibrary

    profile = ProfileLibrary.load().get("envoyou")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    code = main(["send", httpserver.url_for("/hook"), "--event", "user.created", "--profile",
                 "envoyou", "--secret", "env-secret", "--db", str(tmp_path / "s.db"),
                 "--json"])
    assert code == 0, capsys.readouterr()
    request = httpserver.log[0][0]
    body = request.get_json()
    assert body["type"] == "user.created" and "object" in body["data"]
    assert request.headers["X-EnvoyOU-Signature"].startswith("v1,")
    assert request.headers["X-EnvoyOU-Nonce"]
    verdict = profile.make_scheme().verify(
        IncomingRequest(request.get_data(), tuple(request.headers.items())), ["env-secret"],
        now=time.time())
    assert verdict.valid, verdict.message
    assert main(["send", "http://x/h", "--event", "e", "--profile", "nope",
                 "--db", str(tmp_path / "s.db")]) == 2
    assert "No profile named 'nope'" in capsys.readouterr().err
