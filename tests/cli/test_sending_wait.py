"""``send --wait`` is honest: it returns when the delivery ended, or at its own
``--wait-timeout`` with exit 1 and a sentence (issue 14, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.cli import main


def test_wait_timeout_ends_the_wait_with_a_sentence_and_the_delivery_pending(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/busy").respond_with_data("busy", status=503)
    code = main(["send", httpserver.url_for("/busy"), "--event", "a.b", "--retry", "0,1m",
                 "--wait", "--wait-timeout", "2", "--json", "--db", str(tmp_path / "w.db")])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Stopped waiting after --wait-timeout 2 s; the delivery is still pending" in err
    assert "deliveries resume --wait" in err and "Traceback" not in err
    data = json.loads(out)
    assert data["state"] == "pending" and [a["status"] for a in data["attempts"]] == [503]
    assert len(httpserver.log) == 1


def test_wait_timeout_needs_a_delay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["send", "http://127.0.0.1:9/", "--event", "a", "--wait", "--wait-timeout", "soon",
              "--db", str(tmp_path / "w.db")])
    assert exit_info.value.code == 2
    assert "not a delay" in capsys.readouterr().err
