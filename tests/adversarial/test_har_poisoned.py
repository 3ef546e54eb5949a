"""Defect 7 of issue 14: a crafted HAR entry poisoned the store. An entry dated
``9999-12-31T23:59:59.999999-23:59`` imported, then ``captures list/show/export`` and
``GET /api/v1/captures`` failed ("year 10000 is out of range"); ``time: 1e400`` printed
``Infinity`` in ``--json``.

Real processes: a ``serve`` on the same store answers the API while each crafted file is
imported through the CLI (each refused, the store untouched), then rows such a file left in a
store before the fix are read by every reader and deleted through the CLI and the API."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.cli import main
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture

GOOD = {"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
        "request": {"method": "POST", "url": "http://h/x", "headers": [],
                    "postData": {"mimeType": "text/plain", "text": "hi"}},
        "response": {"status": 200, "headers": [], "content": {"text": ""}}}
CRAFTED = {
    "year 10000": '{"startedDateTime": "9999-12-31T23:59:59.999999-23:59", '
                  '"request": {"url": "http://h/a"}}',
    "time 1e400": '{"time": 1e400, "request": {"url": "http://h/a"}}',
    "string response": '{"request": {"url": "http://h/a"}, "response": "oops"}',
    "string postData": '{"request": {"url": "http://h/a", "postData": "oops"}}',
    "status 1e400": '{"request": {"url": "http://h/a"}, "response": {"status": 1e400}}',
    "deep nesting": '{"request": {"url": "http://h/a", "headers": '
                    + "[" * 20_000 + "]" * 20_000 + "}}",
}


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *argv], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


@dataclass
class Served:
    db: Path
    api: str
    token: str

    def call(self, method: str, path: str) -> tuple[int, Any]:
        request = urllib.request.Request(f"{self.api}/api/v1{path}", method=method,
                                         headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as exc:
            text, status = exc.read().decode(), exc.code
        # the API's JSON never carries NaN/Infinity: strict parsing proves it
        return status, json.loads(text, parse_constant=lambda c: pytest.fail(c)) if text else None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    db = tmp_path / "served.sqlite3"
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=1_764_000_000.0, method="POST", path="/kept",
                            query="", headers=[["X-A", "1"]], body=b"kept", body_size=4,
                            state="captured", response_status=200, duration_ms=3.0))
    store.dispose()
    proc = subprocess.Popen([sys.executable, "-m", "webhook_studio", "serve", "--port", "0",
                             "--api-port", "0", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("listening on ")
        api = proc.stdout.readline().split()[-1]
        yield Served(db, api, (tmp_path / "api-token").read_text().strip())
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def readers_work(served: Served, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Every way a user reads captures, each asserted to succeed; returns the JSON list. The
    CLI runs in this process here (the same ``main`` as the command; a subprocess per reader
    would take minutes on a loaded machine), the API in the ``serve`` process."""
    db = str(served.db)

    def run(*argv: str) -> str:
        code = main([*argv, "--db", db])
        out, err = capsys.readouterr()
        assert code == 0, (argv, err)
        assert err == ""
        return out

    rows: list[dict[str, Any]] = json.loads(run("captures", "list", "--json"),
                                            parse_constant=lambda c: pytest.fail(c))
    assert "/" in run("captures", "list")
    for row in rows:
        assert f"Capture #{row['id']}" in run("captures", "show", str(row["id"]))
    entries = json.loads(run("captures", "export", "--format", "har"))["log"]["entries"]
    assert len(entries) == len(rows)
    lines = run("captures", "export", "--format", "jsonl").splitlines()
    assert len(lines) == len(rows)
    for line in lines:
        json.loads(line, parse_constant=lambda c: pytest.fail(c))
    assert run("captures", "export", "--format", "curl").count("curl -X") == len(rows)
    status, page = served.call("GET", "/captures")
    assert status == 200 and page["total"] == len(rows)
    for row in rows:
        assert served.call("GET", f"/captures/{row['id']}")[0] == 200
    return rows


def test_each_crafted_entry_is_refused_and_the_store_stays_readable(
        served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imports = {}
    for name, crafted in CRAFTED.items():  # the real command, in parallel processes
        path = tmp_path / f"{name.replace(' ', '-')}.har"
        path.write_text('{"log": {"entries": [' + json.dumps(GOOD) + ", " + crafted + "]}}")
        imports[name] = subprocess.Popen(
            [sys.executable, "-m", "webhook_studio", "captures", "import", str(path), "--db",
             str(served.db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for name, proc in imports.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, (name, out, err)
        assert err.startswith("webhook-studio: HAR entry #2: "), (name, err)
        assert "Nothing was imported" in err and "Traceback" not in err
    rows = readers_work(served, capsys)
    assert [r["path"] for r in rows] == ["/kept"]  # nothing of the crafted files went in


def test_rows_left_by_an_old_import_are_read_and_deleted(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows a crafted file left before the fix (year 10000, infinite and NaN durations,
    status 1e9 stored as a huge integer) are rendered by every reader, then deleted."""
    conn = sqlite3.connect(served.db, timeout=30)
    cols = ("received_at, method, path, query, http_version, headers, body, body_size, state, "
            "verification, forwards, response_headers, response_body, source, duration_ms, "
            "response_status")
    for received_at, duration, status in ((253402387199.999999, math.inf, 200),
                                          (-1e18, 5.0, 10**9),
                                          (math.inf, -math.inf, None)):
        conn.execute(f"INSERT INTO captures ({cols}) VALUES (?, 'POST', '/poisoned', '', "
                     "'1.1', '[]', x'', 0, 'captured', NULL, '[]', '[]', x'', 'import', ?, ?)",
                     (received_at, duration, status))
    conn.commit()
    conn.close()
    rows = readers_work(served, capsys)
    poisoned = sorted((r for r in rows if r["path"] == "/poisoned"), key=lambda r: r["id"])
    assert [(r["received_at"], r["duration_ms"]) for r in poisoned] == \
        [(None, None), (None, 5.0), (None, None)]
    first, second, third = (r["id"] for r in poisoned)
    assert main(["captures", "show", str(first), "--db", str(served.db)]) == 0
    assert f"Capture #{first}  (time unreadable)" in capsys.readouterr().out
    assert served.call("DELETE", f"/captures/{first}") == (204, None)
    assert served.call("DELETE", f"/captures/{first}")[0] == 404
    status, body = served.call("DELETE", f"/captures?ids={second},{first}")
    assert (status, body) == (200, {"deleted": 1, "missing": [first]})
    run = cli("captures", "delete", str(third), "--db", str(served.db))
    assert (run.returncode, run.stdout.strip()) == (0, "deleted 1 capture(s)")
    assert [r["path"] for r in readers_work(served, capsys)] == ["/kept"]
    assert served.call("DELETE", "/captures")[0] == 422  # neither ids nor all: refused
    assert served.call("DELETE", "/captures?ids=1,x")[0] == 422
    assert served.call("DELETE", "/captures?all=true") == (200, {"deleted": 1, "missing": []})
    assert served.call("GET", "/captures")[1]["total"] == 0
