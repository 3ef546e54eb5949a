"""JSON Lines of events: what parses comes back as written, and a bad line is always named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from webhook_studio.core.event_lines import EventLinesError, parse_event_lines

TYPES = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){0,2}", fullmatch=True)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@given(st.lists(st.tuples(TYPES, JSON), min_size=1, max_size=20), st.booleans())
@example([("a", "\x85"), ("b.c", {"k": "\u2028"})], False)  # not line breaks in JSON Lines
def test_written_events_parse_back_in_order(events: list[tuple[str, Any]], crlf: bool) -> None:
    newline = "\r\n" if crlf else "\n"
    raw = newline.join(json.dumps({"type": t, "data": d}, ensure_ascii=False)
                       for t, d in events).encode()
    assert parse_event_lines(raw) == events


@given(st.lists(st.tuples(TYPES, JSON), min_size=1, max_size=10), st.data(),
       st.sampled_from(["{", "[1, 2]", '{"type": "a.b"}', '"text"', '{"data": 1}']))
def test_a_bad_line_is_named_by_its_number(events: list[tuple[str, Any]], data: st.DataObject,
                                           bad: str) -> None:
    lines = [json.dumps({"type": t, "data": d}) for t, d in events]
    at = data.draw(st.integers(0, len(lines)))
    lines.insert(at, bad)
    with pytest.raises(EventLinesError) as caught:
        parse_event_lines("\n".join(lines).encode())
    assert [n for n, _ in caught.value.problems] == [at + 1]
    assert f"line {at + 1}: " in str(caught.value)
