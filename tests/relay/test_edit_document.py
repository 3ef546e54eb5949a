"""The edit document (``replay --edit``): what is shown reads back exactly; anything else is
refused with sentences, never an exception."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.relay.edit import document, document_text, parse_document, with_changes
from webhook_studio.relay.headers import HOP_BY_HOP

TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                min_size=1, max_size=20)
VALUE = st.text(max_size=40).filter(lambda v: not any(c in v for c in "\r\n\0"))


@settings(max_examples=150, deadline=None)
@given(method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
       headers=st.lists(st.tuples(TOKEN, VALUE), max_size=8),
       body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_the_document_reads_back_exactly(method: str, headers: list[tuple[str, str]],
                                         body: bytes) -> None:
    headers = [(n, v) for n, v in headers if n.lower() not in HOP_BY_HOP]
    text = document_text(document(method, "http://localhost:3000/h", headers, body))
    request, problems = parse_document(text)
    assert problems == [] and request is not None
    assert request.method == method and request.url == "http://localhost:3000/h"
    assert request.headers == headers and request.body == body
    assert request.same_as(method, headers, body)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                              lambda inner: st.lists(inner, max_size=4)
                              | st.dictionaries(st.sampled_from(
                                  ["method", "url", "headers", "body", "bodyBase64", "x"]),
                                  inner, max_size=5), max_leaves=12).map(json.dumps)))
def test_any_text_gives_a_request_or_sentences(text: str) -> None:
    request, problems = parse_document(text)
    assert (request is None) == bool(problems)
    assert all(p[0].isupper() or p[0] in "'\"" for p in problems)
    assert all(p.rstrip().endswith(".") for p in problems)


def test_set_and_remove_header_keep_order_and_case_rules() -> None:
    headers = [("A", "1"), ("X-Env", "prod"), ("B", "2"), ("x-env", "dup")]
    out, problems = with_changes(headers, set_headers=["x-ENV: staging", "New: n"],
                                 remove=["b"])
    assert problems == []
    assert out == [("A", "1"), ("x-ENV", "staging"), ("New", "n")]
    _, problems = with_changes(headers, set_headers=["no colon"], remove=["bad name"])
    assert len(problems) == 2
