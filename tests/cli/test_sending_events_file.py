"""``send URL --events-file PATH``: many events in one command, taken whole or not at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.cli import main
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store import open_store
from webhook_studio.store.sender_queries import list_deliveries

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_every_line_is_delivered_signed_in_one_command(httpserver: HTTPServer,
                                                         tmp_path: Path) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    lines: list[dict[str, Any]] = [{"type": "user.created", "data": {"id": n, "name": "Zoë"}}
                                   for n in range(5)]
    lines.insert(2, {"type": "invoice.paid", "data": None})
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "webhook_studio", "send", httpserver.url_for("/hook"),
         "--events-file", str(events), "--secret", SECRET, "--concurrency", "4", "--wait",
         "--wait-timeout", "50", "--json", "--db", str(tmp_path / "s.db")],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["state"] for r in rows] == ["delivered"] * 6
    assert [r["event_type"] for r in rows] == [x["type"] for x in lines]
    assert len(httpserver.log) == 6
    by_id = {}
    for request, _ in httpserver.log:
        incoming = IncomingRequest(request.get_data(), tuple(request.headers.items()))
        verdict = get_scheme("standard-webhooks").verify(incoming, [SECRET], now=0,
                                                         tolerance=-1)
        assert verdict.valid, verdict.message
        by_id[request.headers["webhook-id"]] = request.get_json()
    assert [by_id[r["id"]]["data"] for r in rows] == [x["data"] for x in lines]


def test_bad_lines_are_named_and_nothing_is_stored(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"type": "user.created", "data": {}}\n'
                      '{"type": "user.created"}\n'
                      "\n"
                      "{not json\n"
                      '{"type": "user.*", "data": 1}\n'
                      '{"type": "a.b", "data": 1, "subscription_id": "wh_1"}\n'
                      '["a.b", 1]\n', encoding="utf-8")
    db = tmp_path / "s.db"
    open_store(db).dispose()
    code = main(["send", "http://127.0.0.1:9/hook", "--events-file", str(events),
                 "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert "5 of 6 event line(s) are not valid" in err
    for named in ("line 2: data is required", "line 4: is not JSON", "line 5: type",
                  "line 6: subscription_id", "line 7: must be a JSON object"):
        assert named in err
    assert "Nothing was sent" in err and "Traceback" not in err
    store = open_store(db)
    try:
        with store.session() as session:
            assert list_deliveries(session, limit=10) == []
    finally:
        store.dispose()


@pytest.mark.parametrize(("args", "sentence"), [
    (["--event", "a.b", "--events-file", "x"], "Give either --event TYPE"),
    ([], "Give either --event TYPE"),
    (["--events-file", "x", "--data-file", "y"], "--data-file goes with --event"),
    (["--events-file", "missing.jsonl"], "Cannot read body file 'missing.jsonl'"),
])
def test_usage_errors_are_sentences(args: list[str], sentence: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["send", "http://127.0.0.1:9/hook", *args, "--db", str(tmp_path / "s.db")])
    assert code == 2
    assert sentence in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()


def test_an_empty_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n  \n", encoding="utf-8")
    code = main(["send", "http://127.0.0.1:9/hook", "--events-file", str(events),
                 "--db", str(tmp_path / "s.db")])
    assert code == 2 and "holds no events" in capsys.readouterr().err
