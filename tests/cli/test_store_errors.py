"""Each input of issue 14 item 11 (and its neighbours) through the real CLI in a subprocess:
exit 2 and one sentence, never "Unexpected error … this is a bug" or a traceback."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.cli import main
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import count_captures

ENTRY = {"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
         "request": {"method": "POST", "url": "http://h/x", "headers": [],
                     "postData": {"mimeType": "text/plain", "text": "hi"}},
         "response": {"status": 200, "headers": [], "content": {"text": ""}}}


def har_file(tmp: Path, text: str) -> str:
    path = tmp / "in.har"
    path.write_text(text, encoding="utf-8")
    return str(path)


def har_with(tmp: Path, change: Callable[[dict[str, Any]], None]) -> str:
    entry = json.loads(json.dumps(ENTRY))
    change(entry)
    text = json.dumps({"log": {"entries": [ENTRY, entry]}}).replace('"__INF__"', "1e400")
    return har_file(tmp, text)


def store_file(tmp: Path, sql: str = "") -> str:
    db = tmp / "s.sqlite3"
    open_store(db).dispose()
    if sql:
        conn = sqlite3.connect(db)
        conn.execute(sql)
        conn.commit()
        conn.close()
    return str(db)


def foreign_file(tmp: Path) -> str:
    db = tmp / "other-app.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    return str(db)


def missing_driver_url() -> str:
    for module, url in (("psycopg", "postgresql://u@127.0.0.1/x"),
                        ("psycopg2", "postgresql+psycopg2://u@127.0.0.1/x"),
                        ("pg8000", "postgresql+pg8000://u@127.0.0.1/x"),
                        ("pymysql", "mysql+pymysql://u@127.0.0.1/x")):
        if importlib.util.find_spec(module) is None:
            return url
    raise AssertionError("every database driver tried is installed; pick another")


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            entry = entry[key]
        entry[last] = value
    return change


# (case id, argv builder, fragment the sentence must hold)
CASES: list[tuple[str, Callable[[Path], list[str]], str]] = [
    ("har string response",
     lambda t: ["captures", "import", har_with(t, _set("response", "oops")), "--db",
                str(t / "h.sqlite3")],
     "HAR entry #2: response must be an object"),
    ("har string postData",
     lambda t: ["captures", "import", har_with(t, _set("request.postData", "oops")), "--db",
                str(t / "h.sqlite3")],
     "HAR entry #2: request.postData must be an object"),
    ("har status 1e400",
     lambda t: ["captures", "import", har_with(t, _set("response.status", "__INF__")), "--db",
                str(t / "h.sqlite3")],
     "HAR entry #2: response.status must be a finite number"),
    ("har time 1e400",
     lambda t: ["captures", "import", har_with(t, _set("time", "__INF__")), "--db",
                str(t / "h.sqlite3")],
     "HAR entry #2: time must be a finite number"),
    ("har year 10000",
     lambda t: ["captures", "import",
                har_with(t, _set("startedDateTime", "9999-12-31T23:59:59.999999-23:59")),
                "--db", str(t / "h.sqlite3")],
     "HAR entry #2: startedDateTime '9999-12-31T23:59:59.999999-23:59' is outside"),
    ("har deep nesting",
     lambda t: ["captures", "import", har_file(
         t, '{"log": {"entries": [' + json.dumps(ENTRY) + ', {"request": '
         + "[" * 100_000 + "]" * 100_000 + "}]}}"), "--db", str(t / "h.sqlite3")],
     "HAR entry #2: request is nested more than"),
    ("har not json",
     lambda t: ["captures", "import", har_file(t, "{nope"), "--db", str(t / "h.sqlite3")],
     "in.har is not JSON"),
    ("studio_meta abc",
     lambda t: ["captures", "list", "--db",
                store_file(t, "UPDATE studio_meta SET value = 'abc'")],
     "schema version is 'abc'"),
    ("postgresql without its driver",
     lambda t: ["captures", "list", "--db", missing_driver_url()],
     "which is not installed"),
    ("foo url", lambda t: ["captures", "list", "--db", "foo://x"],
     "names an unknown kind of database ('foo')"),
    ("unparseable url", lambda t: ["captures", "list", "--db", "://x"],
     "is neither a file path nor a database URL"),
    ("user_version from a newer version",
     lambda t: ["captures", "list", "--db", store_file(t, "PRAGMA user_version = 99")],
     "written by a newer Webhook Studio"),
    ("another program's sqlite file",
     lambda t: ["captures", "list", "--db", foreign_file(t)],
     "belongs to another program (it has tables notes"),
    ("a text file as --db",
     lambda t: ["captures", "list", "--db", har_file(t, "hello")],
     "is not a SQLite database"),
    ("a folder as --db", lambda t: ["captures", "list", "--db", str(t)], "is a folder"),
    ("listen --max-body -5",
     lambda t: ["listen", "--port", "0", "--db", str(t / "l.sqlite3"), "--max-body", "-5"],
     "argument --max-body: -5 is not a body size in bytes"),
    ("listen --respond-status 0",
     lambda t: ["listen", "--port", "0", "--db", str(t / "l.sqlite3"), "--respond-status", "0"],
     "argument --respond-status: 0 is not an HTTP status"),
    ("listen --respond-status 999",
     lambda t: ["listen", "--port", "0", "--db", str(t / "l.sqlite3"), "--respond-status",
                "999"],
     "argument --respond-status: 999 is not an HTTP status"),
    ("--db before and a different --db after",
     lambda t: ["--db", str(t / "a.sqlite3"), "captures", "list", "--db", str(t / "b.sqlite3")],
     "--db is given twice with different values"),
    ("captures delete with nothing to delete",
     lambda t: ["captures", "delete", "--db", str(t / "d.sqlite3")],
     "captures delete takes capture ids or --all"),
    ("captures delete --all without --yes, not interactive",
     lambda t: ["captures", "delete", "--all", "--db", str(t / "d.sqlite3")],
     "confirm with --yes"),
    ("captures export of an id that does not exist",
     lambda t: ["captures", "export", "--format", "har", "--ids", "42", "--db",
                str(t / "e.sqlite3")],
     "No capture with id 42"),
]


@pytest.mark.parametrize(("argv", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_bad_input_is_a_sentence_and_exit_2(
        tmp_path: Path, argv: Callable[[Path], list[str]], fragment: str) -> None:
    run = subprocess.run([sys.executable, "-m", "webhook_studio", *argv(tmp_path)],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert fragment in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and "this is a bug" not in run.stderr.lower()
    assert run.stdout == ""


def test_a_refused_import_keeps_what_was_stored(tmp_path: Path) -> None:
    db = tmp_path / "keep.sqlite3"
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=1.0, method="POST", path="/kept", query="", headers=[],
                            body=b"", body_size=0, state="captured"))
    store.dispose()
    bad = har_with(tmp_path, _set("response", "oops"))
    run = subprocess.run([sys.executable, "-m", "webhook_studio", "captures", "import", bad,
                          "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    store = open_store(db)
    with store.session() as session:
        assert count_captures(session) == 1
    store.dispose()


def test_db_before_the_command_is_used(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``webhook-studio --db X captures list`` read the default store before."""
    db = tmp_path / "global.sqlite3"
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=1.0, method="POST", path="/global-db", query="",
                            headers=[], body=b"", body_size=0, state="captured"))
    store.dispose()
    assert main(["--db", str(db), "captures", "list"]) == 0
    assert "/global-db" in capsys.readouterr().out
    # the same file named both ways is not a conflict
    assert main(["--db", str(db), "captures", "list", "--db",
                 str(tmp_path / "." / "global.sqlite3")]) == 0
    assert "/global-db" in capsys.readouterr().out
    assert main(["--db", str(db), "token"]) == 0
    assert (tmp_path / "api-token").exists()
