"""The QA commands' selection, options and sentences."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.cli import main
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.sqlite3"
    store = open_store(path)
    try:
        discord = create_endpoint(store, name="discord", path="/discord", profile="discord",
                                  scheme="discord", secrets=["ab" * 32])
        with store.session() as session:
            for n, (method, valid) in enumerate((("POST", True), ("POST", False), ("PUT", None))):
                body = json.dumps({"id": f"e{n}", "email": f"u{n}@corp.example"}).encode()
                session.add(Capture(received_at=time.time() + n, method=method, path=f"/p{n}",
                                    headers=[["Authorization", "Bearer sk_live_abcdefghij"]],
                                    body=body, body_size=len(body), verify_valid=valid,
                                    response_status=[200, 401, 204][n],
                                    endpoint_id=discord if n == 0 else None))
    finally:
        store.dispose()
    return path


def _export(db: Path, *args: str) -> str:
    out = db.parent / "t.py"
    assert main(["captures", "export", "--format", "pytest", "--db", str(db), "--out", str(out),
                 *args]) == 0
    return out.read_text()


def test_filter_expect_and_redaction(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _export(db, "--filter", "method=POST valid=no", "--redact", "json:$.id",
                   "--redact", "header:authorization")
    assert "'/p1'" in text and "'/p0'" not in text and "'/p2'" not in text
    assert "'expect': '4xx'" in text and "u1@corp.example" in text  # only what was asked
    assert "sk_live" not in text and '"id": "[redacted]"' in text
    text = _export(db, "--ids", "1", "3", "--expect-status", "202", "--redact-pattern",
                   "email|token")
    assert "'expect': 202" in text and "corp.example" not in text and "sk_live" not in text
    err = capsys.readouterr().err
    assert "Endpoint DISCORD: not re-signed" in err and "recorded headers" in err


@pytest.mark.parametrize(("args", "said"), [
    (["--format", "pytest", "--filter", "colour=red"], "--filter 'colour=red' is not understood"),
    (["--format", "pytest", "--redact", "body:x"], "write json:$.path"),
    (["--format", "pytest", "--expect-status", "999"], "not an HTTP status"),
    (["--format", "har", "--redact", "json:$.a"], "for --format pytest or jest"),
    (["--format", "pytest", "--ids", "42"], "No capture with id 42"),
    (["--format", "jest", "--filter", "nothing-matches-this"], "No capture matches"),
])
def test_usage_errors_are_sentences(db: Path, capsys: pytest.CaptureFixture[str],
                                    args: list[str], said: str) -> None:
    assert main(["captures", "export", "--db", str(db), *args]) == 2
    assert said in capsys.readouterr().err


def test_har_keeps_bare_redact(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["captures", "export", "--format", "har", "--redact", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "sk_live" not in out and "REDACTED" in out


@pytest.mark.slow
def test_a_conftest_fixture_can_give_the_target(db: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p2", method="PUT").respond_with_data("", status=204)
    suite = db.parent / "suite"
    suite.mkdir()
    assert main(["captures", "export", "--format", "pytest", "--ids", "3", "--db", str(db),
                 "--out", str(suite / "test_recorded.py")]) == 0
    (suite / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef webhook_target_url() -> str:\n"
        f"    return {httpserver.url_for('/')!r}\n")
    env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_TARGET_URL"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(suite)], cwd=suite, capture_output=True, text=True, timeout=90,
                          check=False, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (request, _response), = httpserver.log
    assert request.method == "PUT" and request.get_data() == b'{"id": "e2", "email": ' \
        b'"u2@corp.example"}'


def test_listen_captures_and_sign_as_a_profile(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "l.sqlite3"
    store = open_store(db)
    try:
        with store.session() as session:  # as `listen --profile envoyou` stores it: no row
            session.add(Capture(received_at=time.time(), method="POST", path="/",
                                headers=[["X-EnvoyOU-Signature", "v1,00"]], body=b"{}",
                                body_size=2, verification={"scheme": "hmac", "valid": True}))
    finally:
        store.dispose()
    text = _export(db)
    assert "'signing': None" in text and "X-EnvoyOU-Signature" in text
    assert "give --profile" in capsys.readouterr().err
    text = _export(db, "--profile", "envoyou")
    assert "'signing': 'ENVOYOU'" in text and "'X-EnvoyOU-Timestamp'" in text
    assert "v1,00" not in text  # the stale signature is not shipped
    assert main(["captures", "export", "--format", "pytest", "--profile", "nope", "--db",
                 str(db)]) == 2
    assert "No profile named 'nope'" in capsys.readouterr().err
