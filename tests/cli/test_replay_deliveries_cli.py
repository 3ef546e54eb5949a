"""From the command line, a failed replay is no dead letter and ``deliveries retry`` on it
replays it again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from pytest_httpserver import HTTPServer

from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *args], capture_output=True,
                          text=True, timeout=60)


def test_failed_replay_listed_as_replay_and_retried_as_a_new_one(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    db = tmp_path / "d.sqlite3"
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=time.time(), method="POST", path="/h", query="",
                            headers=[], body=b"{}", body_size=2, state="captured",
                            response_status=200))
    store.dispose()
    failed = cli("replay", "1", "--to", "http://127.0.0.1:9/down", "--db", str(db), "--json")
    assert failed.returncode == 1, failed.stderr
    first = json.loads(failed.stdout)["delivery_id"]
    listing = cli("deliveries", "list", "--db", str(db))
    assert "failed*" in listing.stdout and "not a dead letter" in listing.stdout
    dead = cli("deliveries", "list", "--state", "dead_letter", "--json", "--db", str(db))
    assert json.loads(dead.stdout) == []
    retried = cli("deliveries", "retry", first, "--db", str(db))
    assert retried.returncode == 1  # still down, said in a sentence, nothing disabled
    assert f"delivery {first} was a replay of capture #1: replayed it again" in retried.stdout
    replays = json.loads(cli("deliveries", "list", "--kind", "replay", "--json",
                             "--db", str(db)).stdout)
    assert len(replays) == 2 and {d["state"] for d in replays} == {"failed"}
    assert all(d["kind"] == "replay" and d["source_capture_id"] == 1 for d in replays)
    resume = cli("deliveries", "resume", "--json", "--db", str(db))
    assert json.loads(resume.stdout) == {}  # replays are not the queue's business
    httpserver.expect_request("/up").respond_with_data("ok")
    ok = cli("replay", "1", "--to", httpserver.url_for("/up"), "--db", str(db))
    assert ok.returncode == 0 and "replayed capture #1" in ok.stdout
