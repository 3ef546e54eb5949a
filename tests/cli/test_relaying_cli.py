"""``replay``, ``captures export`` and ``captures import`` from the command line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.cli import main
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def seed(db: Path) -> None:
    old = int(time.time()) - 3600
    headers = get_scheme("standard-webhooks").sign(SECRET, SignInput(b'{"a":1}', "msg_x", old))
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=old, method="POST", path="/h", query="",
                            headers=[[k, v] for k, v in headers.items()], body=b'{"a":1}',
                            body_size=7, state="captured", response_status=200))
    store.dispose()


def test_replay_resigned_and_as_is(tmp_path: Path, httpserver: HTTPServer,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.sqlite3"
    seed(db)
    httpserver.expect_request("/t").respond_with_data("ok")
    assert main(["replay", "1", "--to", httpserver.url_for("/t"), "--db", str(db),
                 "--resign", "--scheme", "standard-webhooks", "--secret", SECRET, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == 200 and out["delivery_id"].startswith("msg_")
    assert main(["replay", "1", "--to", "http://127.0.0.1:9/down", "--db", str(db)]) == 1
    assert "Could not connect" in capsys.readouterr().out
    assert main(["replay", "1", "--to", "http://x", "--resign", "--db", str(db)]) == 2
    assert "--resign needs --scheme" in capsys.readouterr().err


def test_export_then_import_har(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, other = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    seed(db)
    har = tmp_path / "out.har"
    assert main(["captures", "export", "--format", "har", "--out", str(har), "--db", str(db)]) == 0
    assert main(["captures", "import", str(har), "--db", str(other)]) == 0
    assert "imported 1 capture(s)" in capsys.readouterr().out
    assert main(["captures", "export", "--format", "jsonl", "--db", str(other), "--redact"]) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert ["webhook-signature", "REDACTED"] in line["headers"]
    assert main(["captures", "export", "--format", "curl", "--ids", "1", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("curl -X POST http://127.0.0.1:8000/h")
    bad = tmp_path / "bad.har"
    bad.write_text('{"not": "har"}')
    assert main(["captures", "import", str(bad), "--db", str(other)]) == 2
    assert "Not a HAR file" in capsys.readouterr().err


def test_replay_resigned_as_a_profile_renews_signature_and_nonce(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    """A stale EnvoyOU capture, re-signed with --profile, passes an EnvoyOU check today: fresh
    timestamp, signature over the canonical JSON, and a nonce the receiver has not seen."""
    from webhook_studio.core.message import IncomingRequest
    from webhook_studio.profile_library import ProfileLibrary

    profile = ProfileLibrary.load().get("envoyou")
    db = tmp_path / "e.sqlite3"
    old = int(time.time()) - 3600
    body = b'{"id":"evt_1","type":"user.created","data":{"object":{}}}'
    headers = profile.make_scheme().sign("env-secret", SignInput(body, "evt_1", old))
    headers |= {"X-EnvoyOU-Nonce": "old-nonce", "X-EnvoyOU-Event-Type": "user.created"}
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=old, method="POST", path="/h", query="",
                            headers=[[k, v] for k, v in headers.items()], body=body,
                            body_size=len(body), state="captured", response_status=200))
    store.dispose()
    httpserver.expect_request("/t").respond_with_data("ok")
    assert main(["replay", "1", "--to", httpserver.url_for("/t"), "--db", str(db), "--resign",
                 "--profile", "envoyou", "--secret", "env-secret"]) == 0
    (request, _), = httpserver.log
    sent = list(request.headers.items())
    lower = {k.lower(): v for k, v in sent}
    assert lower["x-envoyou-nonce"] not in ("", "old-nonce")
    assert lower["x-envoyou-event-type"] == "user.created"
    verdict = profile.make_scheme().verify(IncomingRequest(request.get_data(), tuple(sent)),
                                           ["env-secret"], now=time.time())
    assert verdict.valid, verdict.message


def test_replay_profile_needs_resign_and_a_known_profile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.sqlite3"
    seed(db)
    assert main(["replay", "1", "--to", "http://x", "--profile", "envoyou", "--db", str(db)]) == 2
    assert "--profile only applies with --resign" in capsys.readouterr().err
    assert main(["replay", "1", "--to", "http://x", "--resign", "--profile", "nope",
                 "--secret", "s", "--db", str(db)]) == 2
    assert "No profile named 'nope'" in capsys.readouterr().err
