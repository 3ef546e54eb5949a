"""``webhook-studio captures export | head -1``: the reader leaves early, the command ends
quietly with exit 0 (no "Broken pipe", no traceback), as ``cat`` and ``git log`` do.

Real subprocesses with a real pipe whose reading end is closed early."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from webhook_studio.relay.har_import import import_har
from webhook_studio.store import open_store


@pytest.fixture
def many_captures(db_path: Path) -> Path:
    """Enough captures that the export is far larger than a pipe's buffer (64 KiB)."""
    entries = [{"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
                "request": {"method": "POST", "url": f"http://localhost/hook/{i}",
                            "headers": [{"name": "Content-Type", "value": "text/plain"}],
                            "postData": {"mimeType": "text/plain", "text": "x" * 2000}},
                "response": {"status": 200, "headers": [], "content": {"size": 0}}}
               for i in range(200)]
    store = open_store(db_path)
    import_har(store, {"log": {"version": "1.2", "entries": entries}})
    store.dispose()
    return db_path


def start(db: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "webhook_studio", "--db", str(db), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("fmt", ["har", "jsonl", "curl"])
def test_export_into_a_reader_that_stops_after_one_line(many_captures: Path, fmt: str) -> None:
    proc = start(many_captures, "captures", "export", "--format", fmt, "--limit", "200")
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does after its line
    _, err = proc.communicate(timeout=60)
    assert first.strip()
    assert (proc.returncode, err.decode()) == (0, "")


@pytest.mark.parametrize("command", [["captures", "export", "--format", "jsonl"],
                                     ["deliveries", "list"], ["profiles", "list"],
                                     ["captures", "list"]])
def test_a_reader_gone_before_the_first_byte(many_captures: Path, command: list[str]) -> None:
    """Small outputs too: the failure then comes at the last flush, which must be quiet."""
    proc = start(many_captures, *command)
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode()) == (0, "")


def test_help_into_a_closed_pipe(tmp_path: Path) -> None:
    proc = start(tmp_path / "s.sqlite3", "captures", "--help")
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err.decode()) == (0, "")


def test_listen_stops_quietly_when_its_reader_leaves(tmp_path: Path) -> None:
    """``listen | head -1``: the next request's line finds the pipe closed; the receiver
    stores that request, shuts down cleanly and exits 0, instead of running on unseen."""
    import sqlite3
    import urllib.request

    db = tmp_path / "l.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "webhook_studio", "listen", "--port", "0",
                             "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().decode().split()[-1]
        assert url.startswith("http://127.0.0.1:")
        proc.stdout.close()  # `head -1` has its line
        with urllib.request.urlopen(urllib.request.Request(
                f"{url}/hook", data=b'{"n":1}', method="POST"), timeout=30) as resp:
            assert resp.status == 200
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, err.decode()) == (0, "")
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM captures").fetchone() == (1,)
    finally:
        conn.close()
