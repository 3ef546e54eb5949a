"""``webhook-studio open FILE.har`` (what the desktop entry runs) imports before the window
opens, and says in a sentence why a file could not be imported."""

from __future__ import annotations

import json
from pathlib import Path

from webhook_studio.cli import build_parser
from webhook_studio.cli.opening import import_for_open
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_models import Capture

HAR = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
    "startedDateTime": "2026-11-30T10:00:00.000000+00:00", "time": 1,
    "request": {"method": "POST", "url": "http://127.0.0.1:8000/hooks/github",
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": "X-GitHub-Event", "value": "push"}],
                "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 2,
                "postData": {"mimeType": "application/json", "text": "{}"}},
    "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                 "cookies": [], "content": {"size": 0, "mimeType": "text/plain"},
                 "redirectURL": "", "headersSize": -1, "bodySize": 0},
    "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}}


def test_open_imports_the_har_file_into_the_store(tmp_path: Path) -> None:
    har = tmp_path / "hooks.har"
    har.write_text(json.dumps(HAR))
    db = str(tmp_path / "studio.sqlite3")
    assert import_for_open(db, str(har)) == "Imported 1 capture from hooks.har."
    ctx = AppContext.open(db)
    try:
        with ctx.store.session() as session:
            paths = [c.path for c in session.query(Capture).all()]
    finally:
        ctx.close()
    assert paths == ["/hooks/github"]


def test_open_explains_a_file_it_cannot_import(tmp_path: Path) -> None:
    db = str(tmp_path / "studio.sqlite3")
    missing = import_for_open(db, str(tmp_path / "gone.har"))
    assert missing.startswith("Could not open gone.har")
    text = tmp_path / "notes.har"
    text.write_text("not json")
    assert import_for_open(db, str(text)).startswith("notes.har is not a HAR file")
    wrong = tmp_path / "wrong.har"
    wrong.write_text(json.dumps({"log": {"entries": "nope"}}))
    assert import_for_open(db, str(wrong)).startswith("wrong.har was not imported")


def test_open_takes_an_optional_file() -> None:
    parser = build_parser()
    assert parser.parse_args(["open"]).file is None
    assert parser.parse_args(["open", "x.har", "--db", "y"]).file == "x.har"
