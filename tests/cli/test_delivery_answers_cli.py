"""``deliveries show`` prints the handler's last answer (status, headers, the first lines of
its body); ``send --json`` and ``deliveries show --json`` carry every attempt's answer; and
``deliveries stats`` is seed 004's per-event-type table. Real subprocesses of the CLI."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.cli.test_replay_deliveries_cli import cli

PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


def test_the_handler_s_answer_in_json_and_in_the_plain_show(tmp_path: Path,
                                                            httpserver: HTTPServer) -> None:
    db = str(tmp_path / "d.sqlite3")
    answer = json.dumps({"error": "db down", "lines": list(range(30))})
    httpserver.expect_request("/hook").respond_with_data(
        answer, status=500, content_type="application/json",
        headers={"X-Handler": "orders-v2"})
    sent = cli("send", httpserver.url_for("/hook"), "--event", "order.paid", "--retry", "0",
               "--json", "--db", db)
    assert sent.returncode == 1, sent.stderr  # a 500 with no retry left: given up
    delivery = json.loads(sent.stdout)
    (attempt,) = delivery["attempts"]
    assert attempt["status"] == 500 and attempt["error_class"] is None
    assert attempt["response_headers"]["x-handler"] == "orders-v2"
    assert attempt["response_body"] == answer and attempt["response_truncated"] is False
    assert attempt["request_headers"]["Content-Type"] == "application/json"  # kept
    shown = cli("deliveries", "show", delivery["id"], "--json", "--db", db)
    assert json.loads(shown.stdout)["attempts"] == delivery["attempts"]

    plain = cli("deliveries", "show", delivery["id"], "--db", db)
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert "  response to attempt 1: HTTP 500" in lines
    assert "    x-handler: orders-v2" in lines
    assert '      "error": "db down",' in lines  # pretty JSON, first lines only
    assert any(line.startswith("    … ") and "more lines" in line for line in lines)
    assert len(lines) < 60


def test_a_binary_answer_is_base64_and_no_answer_names_its_error(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    db = str(tmp_path / "d.sqlite3")
    httpserver.expect_request("/png").respond_with_data(PNG, content_type="image/png")
    sent = cli("send", httpserver.url_for("/png"), "--event", "image.ready", "--json",
               "--db", db)
    assert sent.returncode == 0, sent.stderr
    (attempt,) = json.loads(sent.stdout)["attempts"]
    assert attempt["response_body"] is None
    assert base64.b64decode(attempt["response_body_base64"]) == PNG
    plain = cli("deliveries", "show", json.loads(sent.stdout)["id"], "--db", db).stdout
    assert f"({len(PNG)} bytes of binary data; --json gives them as response_body_base64)" \
        in plain
    refused = cli("send", "http://127.0.0.1:9/closed", "--event", "a.b", "--retry", "0",
                  "--json", "--db", db)
    (attempt,) = json.loads(refused.stdout)["attempts"]
    assert attempt["status"] is None and attempt["error_class"]
    plain = cli("deliveries", "show", json.loads(refused.stdout)["id"], "--db", db).stdout
    assert f"  attempt 1 got no answer ({attempt['error_class']})" in plain


def test_stats_per_event_type_as_a_table_and_as_json(tmp_path: Path,
                                                     httpserver: HTTPServer) -> None:
    db = str(tmp_path / "d.sqlite3")
    calls = {"n": 0}

    def flaky(_request: Request) -> Response:
        calls["n"] += 1
        return Response("no" if calls["n"] == 1 else "ok", status=503 if calls["n"] == 1
                        else 200)

    httpserver.expect_request("/hook").respond_with_handler(flaky)
    url = httpserver.url_for("/hook")
    first = cli("send", url, "--event", "user.created", "--retry", "0,0", "--wait", "--db", db)
    assert first.returncode == 0, first.stderr  # 503, then delivered
    for event in ("user.created", "invoice.paid"):
        assert cli("send", url, "--event", event, "--db", db).returncode == 0
    assert cli("send", "http://127.0.0.1:9/x", "--event", "invoice.paid", "--retry", "0",
               "--db", db).returncode == 1
    out = cli("deliveries", "stats", "--json", "--db", db)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rows = {row["event"]: row for row in data["items"]}
    assert rows["user.created"]["total_deliveries"] == 2
    assert rows["user.created"]["successful"] == 2
    assert rows["user.created"]["avg_attempts"] == 1.5
    assert rows["invoice.paid"]["total_deliveries"] == 2
    assert rows["invoice.paid"]["successful"] == 1
    assert set(rows["invoice.paid"]["latency_ms"]) == {"p50", "p95", "p99"}
    table = cli("deliveries", "stats", "--since", "2h", "--db", db).stdout.splitlines()
    assert table[0].split()[:4] == ["EVENT", "TOTAL", "OK", "OK"]
    invoice = next(line for line in table if line.startswith("invoice.paid"))
    assert invoice.split()[1:4] == ["2", "1", "50%"]
    bad = cli("deliveries", "stats", "--since", "soon", "--db", db)
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr
    empty = cli("deliveries", "stats", "--db", str(tmp_path / "empty.sqlite3"))
    assert empty.stdout.startswith("No deliveries in the last 1d.")
