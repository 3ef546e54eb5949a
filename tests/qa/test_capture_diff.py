"""Capture diff: headers by name, JSON by structure (key order ignored, arrays by index), raw
bytes as text or hex; and ``captures diff ID1 ID2``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.cli import main
from webhook_studio.core.capture_diff import Change, diff_captures, diff_json
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture

JSONS = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                     lambda kids: st.lists(kids, max_size=3) |
                     st.dictionaries(st.text(max_size=3), kids, max_size=3), max_leaves=15)


def _req(body: bytes, headers: list[tuple[str, str]] | None = None,
         **more: object) -> dict[str, Any]:
    return {"method": "POST", "path": "/h", "query": "", "headers": headers or [],
            "body": body, **more}


@settings(max_examples=100, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=4), JSONS, max_size=6))
def test_key_order_and_spacing_never_differ(doc: dict[str, Any]) -> None:
    a = json.dumps(doc).encode()
    b = json.dumps(dict(reversed(list(doc.items()))), indent=3).encode()
    diff = diff_captures(_req(a), _req(b))
    assert diff.body == []
    assert diff_json(doc, doc) == []


def test_structural_paths_added_removed_changed() -> None:
    left = {"type": "payment.succeeded", "data": {"amount": 1200, "items": [1, 2, 3],
                                                  "odd key": True}}
    right = {"data": {"amount": 1200.0, "items": [1, 5], "currency": "eur",
                      "odd key": True}, "type": "payment.succeeded"}
    got = {(d.path, d.change): (d.left, d.right) for d in diff_json(left, right)}
    assert got == {("$.data.amount", Change.CHANGED): (1200, 1200.0),
                   ("$.data.items[1]", Change.CHANGED): (2, 5),
                   ("$.data.items[2]", Change.REMOVED): (3, None),
                   ("$.data.currency", Change.ADDED): (None, "eur")}


def test_headers_case_insensitive_and_repeated() -> None:
    diff = diff_captures(
        _req(b"", [("Content-Type", "a/json"), ("X-Sig", "1"), ("Via", "a"), ("Via", "b")]),
        _req(b"", [("content-type", "a/json"), ("X-New", "2"), ("via", "a")]))
    assert [(d.path, str(d.change), d.left, d.right) for d in diff.headers] == [
        ("Via", "changed", ["a", "b"], "a"), ("X-New", "added", None, "2"),
        ("X-Sig", "removed", "1", None)]


def test_raw_text_and_hex() -> None:
    text = diff_captures(_req(b'{"a": 1}\n'), _req(b'{"a":1}\n'))
    assert text.body == [] and not text.raw_is_hex
    assert '-{"a": 1}' in text.raw and '+{"a":1}' in text.raw
    binary = diff_captures(_req(b"\x00\xff\x01"), _req(b"\x00\xfe\x01"))
    assert binary.body is None and binary.raw_is_hex
    assert "-00000000  00 ff 01" in binary.raw and "+00000000  00 fe 01" in binary.raw


def test_captures_diff_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.sqlite3"
    store = open_store(db)
    try:
        with store.session() as session:
            for body, sig, status in ((b'{"id":"e1","amount":5}', "v1=aa", 200),
                                      (b'{"amount":7,"id":"e1"}', "v1=bb", 401)):
                session.add(Capture(received_at=time.time(), method="POST", path="/h",
                                    headers=[["Stripe-Signature", sig]], body=body,
                                    body_size=len(body), response_status=status))
    finally:
        store.dispose()
    assert main(["captures", "diff", "1", "2", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "~ status answered: 200 → 401" in out
    assert "~ Stripe-Signature: v1=aa → v1=bb" in out
    assert "~ $.amount: 5 → 7" in out and "$.id" not in out
    assert main(["captures", "diff", "1", "2", "--raw", "--db", str(db)]) == 1
    assert '+{"amount":7,"id":"e1"}' in capsys.readouterr().out
    assert main(["captures", "diff", "1", "1", "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["same"] is True
    assert main(["captures", "diff", "1", "9", "--db", str(db)]) == 1
    assert "No capture with id 9" in capsys.readouterr().err
