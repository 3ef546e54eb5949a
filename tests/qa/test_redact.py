"""Redaction at export removes what it must and nothing else: the rest of a JSON body stays
byte for byte, and the result is still JSON."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhook_studio.relay.redact import (
    CARD_STAND_IN,
    EMAIL_STAND_IN,
    REDACTED,
    Redaction,
    RedactionError,
    luhn_ok,
    scan_json,
)

SAFE_TEXT = st.text(st.characters(blacklist_characters="@", blacklist_categories=("Cs", "Nd")),
                    max_size=12)
KEYS = st.text("abcdefghij_", min_size=1, max_size=6)
LEAVES = st.none() | st.booleans() | st.integers(-10**6, 10**6) | \
    st.floats(allow_nan=False, allow_infinity=False) | SAFE_TEXT
DOCS = st.recursive(LEAVES, lambda kids: st.lists(kids, max_size=4) |
                    st.dictionaries(KEYS, kids, max_size=4), max_leaves=25)
STYLES = st.sampled_from([{}, {"indent": 2}, {"separators": (",", ":")},
                          {"indent": "\t", "ensure_ascii": False}])


def _paths(doc: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here] if here else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*here, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*here, i))
    return out


def _rule(path: tuple[Any, ...]) -> str:
    return "json:$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _stand_in(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if value is None:
        return None
    if isinstance(value, int | float):
        return 0
    return REDACTED


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        doc = doc[step]
    doc[path[-1]] = value


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.dictionaries(KEYS, DOCS, min_size=1, max_size=5), style=STYLES, data=st.data())
def test_a_json_path_replaces_that_value_and_nothing_else(doc: dict[str, Any],
                                                          style: dict[str, Any],
                                                          data: st.DataObject) -> None:
    text = json.dumps(doc, **style)
    path = data.draw(st.sampled_from(_paths(doc)))
    out = Redaction.parse([_rule(path)]).apply_body(text.encode()).decode()
    expected = copy.deepcopy(doc)
    _set(expected, path, _stand_in(_get(doc, path)))
    assert json.loads(out) == expected
    # Byte for byte outside the replaced value.
    span = next(s for s in scan_json(text) if s.path == path)
    new_len = len(out) - (len(text) - (span.end - span.start))
    assert out[:span.start] == text[:span.start]
    assert out[span.start + new_len:] == text[span.end:]


@settings(max_examples=150, deadline=None)
@given(doc=DOCS, style=STYLES)
def test_patterns_leave_documents_without_secrets_byte_identical(doc: Any,
                                                                  style: dict[str, Any]) -> None:
    body = json.dumps(doc, **style).encode()
    assert Redaction.parse([], ["email|token"]).apply_body(body) == body


EMAILS = st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,5})?@[a-z]{2,8}\.(com|org|io)", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(doc=st.dictionaries(KEYS, DOCS, max_size=4), emails=st.lists(EMAILS, min_size=1,
                                                                    max_size=4),
       prefix=SAFE_TEXT)
def test_every_email_is_replaced_and_the_rest_kept(doc: dict[str, Any], emails: list[str],
                                                   prefix: str) -> None:
    doc = dict(doc)
    for n, email in enumerate(emails):
        doc[f"contact{n}"] = {"note": f"{prefix} {email}", "email": email}
    out = Redaction.parse([], ["email"]).apply_body(json.dumps(doc, indent=1).encode())
    parsed = json.loads(out)
    for email in emails:
        assert email.encode() not in out
    for n in range(len(emails)):
        assert parsed.pop(f"contact{n}") == {"note": f"{prefix} {EMAIL_STAND_IN}",
                                             "email": EMAIL_STAND_IN}
        doc.pop(f"contact{n}")
    assert parsed == doc


def test_cards_by_luhn_tokens_and_headers() -> None:
    body = json.dumps({
        "card": "4111 1111 1111 1111", "pan": 5555555555554444, "order": 1234567890123,
        "phone": "+1 415 555 0100", "auth": "Bearer abc.def-GHIJKLMN", "key": "sk_live_51Habcdef12",
        "nested": [{"github": "ghp_" + "a" * 36}], "amount": 1200}).encode()
    rules = Redaction.parse(["header:Authorization"], ["card", "token"])
    out = json.loads(rules.apply_body(body))
    assert out["card"] == CARD_STAND_IN and out["pan"] == int(CARD_STAND_IN)
    assert out["order"] == 1234567890123  # 13 digits, Luhn fails: an order number, kept
    assert not luhn_ok("1234567890123")
    assert out["phone"] == "+1 415 555 0100"
    assert out["auth"] == "Bearer " + REDACTED and out["key"] == REDACTED
    assert out["nested"] == [{"github": REDACTED}] and out["amount"] == 1200
    headers = rules.apply_headers([("authorization", "Basic dTpw"), ("X-Api", "Bearer t0k3n-long"),
                                   ("Content-Type", "application/json")])
    assert headers == [("authorization", REDACTED), ("X-Api", "Bearer " + REDACTED),
                       ("Content-Type", "application/json")]


def test_wildcards_any_depth_and_containers() -> None:
    body = b'{"items":[{"email":"a@b.io","n":1},{"email":"c@d.io","n":2}],' \
           b'"deep":{"x":{"email":"e@f.io"}},"card":{"number":"x","exp":"12/30"}}'
    out = Redaction.parse(["json:$.items[*].n", "json:$..email", "json:$.card"]) \
        .apply_body(body)
    assert json.loads(out) == {
        "items": [{"email": EMAIL_STAND_IN, "n": 0}, {"email": EMAIL_STAND_IN, "n": 0}],
        "deep": {"x": {"email": EMAIL_STAND_IN}}, "card": REDACTED}


def test_query_strings() -> None:
    rules = Redaction.parse([], ["email"])
    assert rules.apply_query("to=ana%40x.com&n=1") == "to=redacted%40example.com&n=1"
    assert rules.apply_query("a=%7e&n=1") == "a=%7e&n=1"  # nothing matched: kept as written


def test_non_json_and_binary_bodies() -> None:
    rules = Redaction.parse(["json:$.a"], ["email"])
    assert rules.apply_body(b"to=ana@x.com and more") == f"to={EMAIL_STAND_IN} and more".encode()
    assert rules.apply_body(b"\xff\x00ana@x.com") == b"\xff\x00ana@x.com"


@pytest.mark.parametrize(("rules", "patterns", "said"), [
    (["json:customer.email"], [], "must start with $"),
    (["cookie"], [], "write json:$.path"),
    (["json:$.a[x]"], [], "cannot be read"),
    ([], ["phone"], "is not one of: email, card, token"),
])
def test_bad_rules_say_how_to_write_them(rules: list[str], patterns: list[str],
                                         said: str) -> None:
    with pytest.raises(RedactionError, match=re.escape(said)):
        Redaction.parse(rules, patterns)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='{}[]",:0123456789.eE-+ tfrunlas\\x@', max_size=40))
def test_the_scanner_agrees_with_the_json_module(text: str) -> None:
    try:
        spans = scan_json(text)
    except ValueError:
        with pytest.raises((ValueError, RecursionError)):
            json.loads(text)
        return
    assert json.loads(text) == json.loads(text[spans[-1].start:spans[-1].end])
    assert spans[-1].path == ()


def test_deeply_nested_bodies_do_not_crash() -> None:
    deep = b"[" * 50_000 + b'"a@b.io"' + b"]" * 50_000
    out = Redaction.parse([], ["email"]).apply_body(deep)
    assert b"a@b.io" not in out and out.startswith(b"[[[")


@settings(max_examples=200, deadline=None)
@given(rules=st.lists(st.text(max_size=15), max_size=3),
       patterns=st.lists(st.text(max_size=8), max_size=2))
def test_any_rule_text_is_read_or_refused_with_a_sentence(rules: list[str],
                                                          patterns: list[str]) -> None:
    message = "ok."
    try:
        Redaction.parse(rules, patterns)
    except RedactionError as exc:
        message = str(exc)
    assert message.endswith((".", ")"))
