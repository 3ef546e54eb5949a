"""``captures list --json`` and ``captures show``: the exact contract other tools rely on."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from webhook_studio.cli import main
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture


def seed(db: Path) -> None:
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=1_700_000_000.25, method="POST", path="/a", query="x=1",
                            headers=[["X-One", "1"], ["x-one", "2"]], body=b"\x00\xffraw",
                            body_size=6, state="captured", response_status=200,
                            verify_valid=None, verification=None))
        session.add(Capture(received_at=time.time(), method="PUT", path="/b", query="",
                            headers=[], body=b'{"ok":true}', body_size=11, state="captured",
                            response_status=202, verify_valid=False, duplicate_of=1,
                            verification={"valid": False, "scheme": "github",
                                          "reason": "no_signature_matched",
                                          "message": "No signature matched the secret."}))
    store.dispose()


def test_captures_list_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "c.sqlite3"
    seed(db)
    assert main(["captures", "list", "--db", str(db), "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in items] == [2, 1]  # newest first
    old = items[1]
    assert old["received_at"] == "2023-11-14T22:13:20.250Z"
    assert old["headers"] == [["X-One", "1"], ["x-one", "2"]]
    assert base64.b64decode(old["body_base64"]) == b"\x00\xffraw"
    assert old["verification"]["valid"] is None and old["duplicate_of"] is None
    new = items[0]
    assert new["verification"] == {"valid": False, "scheme": "github",
                                   "reason": "no_signature_matched",
                                   "message": "No signature matched the secret.",
                                   "mistake": None}
    assert new["duplicate_of"] == 1 and new["response_status"] == 202
    for key in ("id", "received_at", "method", "path", "query", "headers", "body_base64",
                "response_status", "verification", "duplicate_of"):
        assert key in new
    assert main(["captures", "list", "--db", str(db), "--json", "--limit", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_captures_show_and_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "c.sqlite3"
    seed(db)
    assert main(["captures", "show", "1", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "POST /a?x=1" in out and "not UTF-8" in out and "00 ff 72 61 77" in out
    assert main(["captures", "show", "2", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Verification (github): No signature matched" in out
    assert "Duplicate of capture #1" in out
    assert main(["captures", "show", "99", "--db", str(db)]) == 1
    assert "No capture with id 99" in capsys.readouterr().err


def test_listen_rejects_bad_input_with_a_sentence(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    db = str(tmp_path / "x.sqlite3")
    assert main(["listen", "--scheme", "nope", "--db", db]) == 2
    assert "Unknown scheme 'nope'" in capsys.readouterr().err
    assert main(["listen", "--secret", "s", "--db", db]) == 2
    assert "--secret needs --scheme" in capsys.readouterr().err
    assert main(["listen", "--port", "70000", "--db", db]) == 2
    assert "not a port number" in capsys.readouterr().err


def test_listen_on_a_port_in_use_is_a_sentence(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["listen", "--port", str(port), "--db", str(tmp_path / "p.sqlite3")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"Port {port} is already in use" in err and "Traceback" not in err
