"""The retry policy's text form: ``exp 30s x2 cap 1h 10 attempts jitter 20%`` and friends.

Every door (window, ``send --retry``, the API, profile files) reads the same text, so these
tests are the grammar's contract: what people may write, what each bad part is told, and that
what the app writes back reads back to the same policy.
"""

from __future__ import annotations

import contextlib
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.core.errors import PolicyError
from webhook_studio.core.retry import (
    PRESETS,
    ExponentialPolicy,
    Policy,
    SchedulePolicy,
    format_policy,
    parse_policy,
    policy_from_dict,
)

MONTH = 30 * 86400


@pytest.mark.parametrize(("text", "expected"), [
    ("exp 30s x2 cap 1h 10 attempts jitter 20%",
     ExponentialPolicy(initial=30, multiplier=2, cap=3600, max_attempts=10, jitter=0.2)),
    # clauses in any order, commas, spaces inside numbers and units, other spellings
    ("Exponential 30 s, jitter ±20 %, attempts 10, cap 1 h, factor 2",
     ExponentialPolicy(initial=30, multiplier=2, cap=3600, max_attempts=10, jitter=0.2)),
    ("exp 1m *1.5 cap 2h 4 attempts jitter +-5%",
     ExponentialPolicy(initial=60, multiplier=1.5, cap=7200, max_attempts=4, jitter=0.05)),
    ("exp 500ms multiplier 3 cap 10s 1 attempt",
     ExponentialPolicy(initial=0.5, multiplier=3, cap=10, max_attempts=1)),
    ("exp 2s x 1 3 attempts", ExponentialPolicy(initial=2, multiplier=1, cap=MONTH,
                                                 max_attempts=3)),
    # only the first delay is required: x2, no cap but the 30-day limit, 6 attempts, no jitter
    ("exp 10s", ExponentialPolicy(initial=10, multiplier=2, cap=MONTH, max_attempts=6)),
    ("exp 1s jitter 100%", ExponentialPolicy(initial=1, cap=MONTH, jitter=1.0)),
])
def test_the_exponential_form_reads_as_written(text: str, expected: ExponentialPolicy) -> None:
    assert parse_policy(text) == expected


def test_the_attempt_times_follow_the_text() -> None:
    policy = parse_policy("exp 30s x2 cap 2m 5 attempts")
    assert policy.preview(0.0) == [0, 30, 90, 210, 330], "30 s, 60 s, then capped at 2 min"


def test_jitter_moves_each_wait_within_its_percentage() -> None:
    policy = parse_policy("exp 100s x1 cap 100s 50 attempts jitter 10%")
    rng = random.Random(4)
    waits = [policy.delay_before(n, rng) for n in range(2, 51)]
    assert all(w is not None and 90 <= w <= 110 for w in waits)
    assert len(set(waits)) > 40, "each wait is drawn anew, not one shared offset"


@pytest.mark.parametrize(("text", "words"), [
    ("exp", ["first retry's delay", "exp 30s x2"]),
    ("exp soon", ["'soon' is not a delay"]),
    ("exp 30s x0.5", ["factor x0.5", "x1", "x100"]),
    ("exp 30s factor 0.9", ["factor x0.9"]),
    ("exp 30s x500", ["factor x500", "x100"]),
    ("exp 30s xfast", ["'fast' is not a factor"]),
    ("exp 1h cap 10m", ["cap 10m is shorter than the first retry's delay 1h", "cap 1h or more"]),
    ("exp 0 cap 0", ["cap must be more than 0"]),
    ("exp 30s cap 31d", ["longer than 30 days"]),
    ("exp 31d", ["longer than 30 days"]),
    ("exp 30s jitter 120%", ["Jitter must be from 0 to 100 %", "120 %"]),
    ("exp 30s jitter 0.2", ["percentage", "jitter 20%"]),
    ("exp 30s jitter", ["'jitter' needs a percentage"]),
    ("exp 30s 101 attempts", ["101 attempts is too many", "at most 100"]),
    ("exp 30s 0 attempts", ["from 1 to 100"]),
    ("exp 30s 2.5 attempts", ["'2.5' is not a number of attempts", "whole number"]),
    ("exp 30s attempts many", ["'many' is not a number of attempts"]),
    ("exp 30s x2 x3", ["gives the factor twice"]),
    ("exp 30s cap 1h cap 2h", ["gives the cap twice"]),
    ("exp 30s x2 please", ["'please'", "is not part of an exponential policy"]),
    ("exp 30s 10", ["'10'", "is not part of an exponential policy"]),
    ("quickly", ["neither a preset", "0,1m,5m", "exp 30s x2"]),
    ("1m,,5m", ["empty delay"]),
])
def test_each_bad_part_gets_its_own_sentence(text: str, words: list[str]) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    message = str(info.value)
    assert message.endswith(".") and "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_a_stored_policy_is_written_back_in_the_canonical_form() -> None:
    policy = parse_policy("exponential 30 s, jitter 20 %, attempts 10, cap 1 h")
    assert format_policy(policy) == "exp 30s x2 cap 1h 10 attempts jitter 20%"
    assert format_policy(parse_policy("exp 90s x1.5 cap 90m 1 attempt")) == \
        "exp 90s x1.5 cap 90m 1 attempt"
    assert format_policy(parse_policy("0,60s,300")) == "0,1m,5m"


def test_a_policy_equal_to_a_preset_is_named_by_it() -> None:
    assert format_policy(parse_policy("exp 1s x2 cap 1h 6 attempts")) == "leads"
    assert format_policy(parse_policy("0,5s,5m,30m,2h,5h,10h,10h")) == "standard-webhooks"
    for name, preset in PRESETS.items():
        assert parse_policy(format_policy(preset)) == preset, name


def test_a_damaged_exponential_in_the_store_is_a_policy_error() -> None:
    good = parse_policy("exp 30s x2 cap 1h 3 attempts").to_dict()
    for broken in ({**good, "cap": 1}, {**good, "multiplier": 0.5}, {**good, "jitter": 3},
                   {**good, "initial": float("nan")}, {**good, "max_attempts": 0}):
        with pytest.raises(PolicyError):
            policy_from_dict(broken)


def test_huge_factors_never_overflow() -> None:
    policy = ExponentialPolicy(initial=MONTH, multiplier=100, cap=MONTH, max_attempts=100)
    assert policy.delay_before(100) == MONTH


# -- properties -------------------------------------------------------------------------------

seconds = st.one_of(
    st.sampled_from([0.0, 0.25, 1.0, 30.0, 60.0, 90.0, 3600.0, 5400.0, 86400.0, MONTH]),
    st.integers(min_value=0, max_value=MONTH).map(float),
    st.floats(min_value=0, max_value=MONTH, allow_nan=False, allow_infinity=False),
)


@st.composite
def exponential_policies(draw: st.DrawFn) -> ExponentialPolicy:
    initial = draw(seconds)
    cap = draw(st.one_of(st.just(float(MONTH)), st.floats(min_value=initial, max_value=MONTH))
               .filter(lambda c: c > 0))
    multiplier = draw(st.one_of(st.sampled_from([1.0, 1.5, 2.0, 2.6, 10.0, 100.0]),
                                st.floats(min_value=1, max_value=100)))
    jitter = draw(st.one_of(st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.07, 1.0]),
                            st.floats(min_value=0, max_value=1)))
    attempts = draw(st.integers(min_value=1, max_value=100))
    return ExponentialPolicy(initial, multiplier, cap, attempts, jitter)


schedules = st.lists(seconds, min_size=1, max_size=100).map(
    lambda delays: SchedulePolicy(tuple(delays)))
policies = st.one_of(exponential_policies(), schedules, st.sampled_from(list(PRESETS.values())))


@given(policies)
def test_every_valid_policy_round_trips_through_its_text(policy: Policy) -> None:
    text = format_policy(policy)
    assert parse_policy(text) == policy, text
    assert parse_policy(policy.describe()) == policy
    assert format_policy(parse_policy(text)) == text, "the canonical form is stable"


@given(policies)
def test_every_valid_policy_survives_the_store(policy: Policy) -> None:
    stored = json.loads(json.dumps(policy.to_dict()))
    assert policy_from_dict(stored) == policy


words = st.sampled_from(["exp", "exponential", "x2", "x", "×", "*", "factor", "multiplier",
                         "cap", "attempts", "attempt", "jitter", "±", "+-", "%", "20%", "1h",
                         "30s", "0", "10", "2.5", "1e9", "-1", "nan", "inf", ",", "100%",
                         "999999999999999999999999", "9" * 5000, "0.000000001", "s", "m"])


@given(st.lists(st.one_of(words, st.text(max_size=6)), max_size=12))
def test_no_exponential_text_raises_anything_but_a_policy_error(parts: list[str]) -> None:
    text = "exp " + " ".join(parts)
    message = ""
    try:
        policy = parse_policy(text)
    except PolicyError as exc:
        message = str(exc)
    if message:
        assert message.endswith("."), "a sentence"
        return
    assert isinstance(policy, ExponentialPolicy)
    assert parse_policy(format_policy(policy)) == policy


@given(st.text(max_size=60))
def test_no_text_at_all_raises_anything_but_a_policy_error(text: str) -> None:
    with contextlib.suppress(PolicyError):
        parse_policy(text)
