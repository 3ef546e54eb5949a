"""The filter language: what people type, what they are told when it is wrong, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.core.filter_syntax import (
    CAPTURE_KEYS,
    DELIVERY_KEYS,
    FilterKind,
    FilterSyntaxError,
    NumberRange,
    Term,
    completions,
    format_filter,
    number_range,
    parse_filter,
)

D = FilterKind.DELIVERIES


def test_the_example_from_the_docs() -> None:
    terms = parse_filter('method:POST status:>=400 verdict:invalid '
                         'header:x-github-event=push path:/hooks/* "text in body"')
    assert terms == (Term("method", "POST"), Term("status", ">=400"),
                     Term("verdict", "invalid"), Term("header", "x-github-event=push"),
                     Term("path", "/hooks/*"), Term(None, "text in body"))
    assert [t.position for t in terms] == [0, 12, 25, 41, 68, 82]


def test_negation_quotes_and_delivery_keys() -> None:
    assert parse_filter('-verdict:valid -"a b" path:"/with space"') == (
        Term("verdict", "valid", True), Term(None, "a b", True), Term("path", "/with space"))
    assert parse_filter("state:dead target:localhost:3000 event:user.* status:5xx", D) == (
        Term("state", "dead"), Term("target", "localhost:3000"), Term("event", "user.*"),
        Term("status", "5xx"))
    assert parse_filter("- alone") == (Term(None, "-"), Term(None, "alone"))
    assert parse_filter(r'"say \"hi\" \\ bye"') == (Term(None, 'say "hi" \\ bye'),)


@pytest.mark.parametrize(("text", "position", "words"), [
    ('method:POST "unclosed', 13, "never closed"),
    ("stat:500", 1, "'stat' is not a filter key"),
    ("status:abc", 8, "not a number or range"),
    ("verdict:maybe", 9, "use one of valid, invalid, unverified, rejected"),
    ("size:10q", 6, "not a size"),
    ("method:", 8, "needs a value"),
    ("header:=x", 8, "names no header"),
    ("method:P0ST", 8, "not a method"),
])
def test_mistakes_are_a_sentence_naming_the_position(text: str, position: int,
                                                     words: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    message = str(info.value)
    assert message.startswith(f"At position {position}:"), message
    assert words in message and message.endswith(".")
    assert info.value.position == position - 1


def test_a_delivery_key_is_not_a_capture_key() -> None:
    with pytest.raises(FilterSyntaxError, match="not a filter key for captures"):
        parse_filter("state:dead")
    with pytest.raises(FilterSyntaxError, match="use one of pending, delivered"):
        parse_filter("state:lost", D)


@pytest.mark.parametrize(("text", "expected"), [
    ("404", NumberRange(404, 404)), ("5xx", NumberRange(500, 599)),
    (">=400", NumberRange(400, None)), (">400", NumberRange(401, None)),
    ("<500", NumberRange(None, 499)), ("<=499", NumberRange(None, 499)),
    ("400..499", NumberRange(400, 499)), ("..10", NumberRange(None, 10)),
])
def test_number_ranges(text: str, expected: NumberRange) -> None:
    assert number_range(text) == expected


def test_sizes_take_units() -> None:
    assert number_range(">10k", units=True) == NumberRange(10 * 1024 + 1, None)
    assert number_range("1m", units=True) == NumberRange(1 << 20, 1 << 20)


@given(st.text())
def test_never_crashes_on_any_string(text: str) -> None:
    for kind in FilterKind:
        try:
            terms = parse_filter(text, kind)
        except FilterSyntaxError as exc:
            error: FilterSyntaxError | None = exc
        else:
            error = None
        if error is not None:
            assert 0 <= error.position <= len(text)
            assert str(error).startswith("At position ")
            continue
        # whatever parses, formats to text that parses back to the same terms
        assert parse_filter(format_filter(terms), kind) == terms


_free = st.builds(Term, st.none(), st.text(), st.booleans())
_glob = st.text(min_size=1).filter(lambda s: s.strip() != "")
_capture_terms = st.one_of(
    _free,
    st.builds(Term, st.just("path"), _glob, st.booleans()),
    st.builds(Term, st.just("header"),
              st.tuples(st.text(alphabet="abcxyz-", min_size=1), st.text())
              .map(lambda p: f"{p[0]}={p[1]}"), st.booleans()),
    st.builds(Term, st.just("endpoint"), _glob, st.booleans()),
    st.builds(Term, st.just("status"),
              st.sampled_from(["404", "5xx", ">=400", "<300", "400..499"]), st.booleans()),
    st.builds(Term, st.just("verdict"),
              st.sampled_from(["valid", "invalid", "valid,unverified"]), st.booleans()),
)


@given(st.lists(_capture_terms, max_size=6))
def test_round_trip_of_generated_terms(terms: list[Term]) -> None:
    assert parse_filter(format_filter(terms)) == tuple(terms)


def test_completion_offers_keys_then_values() -> None:
    start, found = completions("method:POST ver", 15, FilterKind.CAPTURES)
    assert start == 12 and [c.text for c in found] == ["verdict:"]
    start, found = completions("-verdict:in", 11, FilterKind.CAPTURES)
    assert start == 1 and [c.text for c in found] == ["verdict:invalid"]
    _, found = completions("header:x-g", 10, FilterKind.CAPTURES,
                           {"header": ("x-github-event", "x-github-delivery", "content-type")})
    assert [c.text for c in found] == ["header:x-github-event=push", "header:x-github-event",
                                       "header:x-github-delivery"]
    _, found = completions("method:POST,P", 13, FilterKind.CAPTURES)
    assert [c.text for c in found] == ["method:POST,PUT", "method:POST,PATCH"]
    _, found = completions("state:d", 7, D)
    assert {c.text for c in found} == {"state:delivered", "state:dead", "state:disabled"}
    _, found = completions("", 0, D)
    assert [c.text for c in found] == [f"{k}:" for k in DELIVERY_KEYS]


def test_every_key_documents_itself() -> None:
    for spec in (*CAPTURE_KEYS.values(), *DELIVERY_KEYS.values()):
        assert spec.description and (spec.open or spec.values)
