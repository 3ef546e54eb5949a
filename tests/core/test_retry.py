"""Retry policies: schedule parsing, presets, exponential back-off, jitter, storage."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from webhook_studio.core.errors import CoreError, PolicyError
from webhook_studio.core.retry import (
    PRESETS,
    ExponentialPolicy,
    SchedulePolicy,
    format_delay,
    parse_delay,
    parse_policy,
    policy_from_dict,
)


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0), ("30", 30), ("1.5", 1.5), ("1s", 1), ("5m", 300), ("2h", 7200), ("1d", 86400),
    (" 10m ", 600), ("250ms", 0.25), ("3min", 180),
])
def test_parse_delay(text: str, seconds: float) -> None:
    assert parse_delay(text) == seconds


def test_schedule_from_the_issue() -> None:
    policy = parse_policy("0,1m,5m,10m,30m,1h")
    assert isinstance(policy, SchedulePolicy)
    assert policy.max_attempts == 6
    assert policy.preview(1000.0) == [1000, 1060, 1360, 1960, 3760, 7360]
    assert policy.delay_before(7) is None


@pytest.mark.parametrize("text", ["", "soon", "1m,,5m", "-1s", "5 parsecs", "1y", "31d",
                                  ",".join(["1s"] * 101), "nan", "1e3"])
def test_garbage_schedules_say_what_to_write(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    message = str(info.value)
    assert message.endswith(".") and ("delay" in message or "attempt" in message
                                       or "preset" in message)


@pytest.mark.parametrize(("name", "retries"), [
    ("standard-webhooks", [5, 300, 1800, 7200, 18000, 36000, 36000]),
    ("svix", [5, 300, 1800, 7200, 18000, 36000, 36000]),
    ("seed-000", [60, 300, 600, 1800, 3600]),
    ("paissive", [60, 300, 600, 1800, 3600]),
    ("seed-001", [1, 2, 4, 8]),
    ("envoyou", [1, 2, 4, 8]),
    ("seed-002", [300, 1800, 7200, 43200, 86400]),
    ("seed-003", [1, 2, 4, 8, 16]),
    ("seed-004", [60, 300, 900, 3600, 7200]),
    ("ops-center", [60, 300, 900, 3600, 7200]),
])
def test_presets_match_the_documented_schedules(name: str, retries: list[float]) -> None:
    policy = parse_policy(name)
    delays = [policy.delay_before(n) for n in range(1, policy.max_attempts + 1)]
    assert delays == [0, *retries], "first attempt immediately, then the documented retries"


def test_stripe_preset_spans_about_three_days() -> None:
    times = parse_policy("Stripe").preview(0.0)
    assert 2.5 * 86400 <= times[-1] <= 3.5 * 86400
    assert times == sorted(times)


def test_exponential_cap_and_jitter_use_the_injected_rng() -> None:
    policy = ExponentialPolicy(initial=10, multiplier=3, cap=100, max_attempts=5, jitter=0.2)
    plain = ExponentialPolicy(initial=10, multiplier=3, cap=100, max_attempts=5)
    assert [plain.delay_before(n) for n in range(1, 7)] == [0, 10, 30, 90, 100, None]
    a = [policy.delay_before(n, random.Random(7)) for n in range(2, 6)]
    b = [policy.delay_before(n, random.Random(7)) for n in range(2, 6)]
    assert a == b, "same seed, same jitter"
    for got, base in zip(a, [10, 30, 90, 100], strict=True):
        assert got is not None and base * 0.8 <= got <= base * 1.2


@pytest.mark.parametrize("kwargs", [
    {"initial": -1}, {"multiplier": 0.5}, {"cap": 0}, {"max_attempts": 0},
    {"max_attempts": 1000}, {"jitter": 2},
])
def test_exponential_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(PolicyError):
        ExponentialPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [{"kind": "schedule"}, {"kind": "schedule", "delays": ["x"]},
                                  {"kind": "exponential", "initial": 1}, {"kind": "fibonacci"},
                                  {"kind": "schedule", "delays": []}])
def test_damaged_stored_policies_raise_a_core_error(data: dict[str, object]) -> None:
    with pytest.raises(CoreError):
        policy_from_dict(data)


def test_empty_stored_policy_is_standard_webhooks() -> None:
    assert policy_from_dict({}) == PRESETS["standard-webhooks"]


delays = st.lists(st.integers(min_value=0, max_value=30 * 86400), min_size=1, max_size=100)


@given(delays)
def test_schedule_text_round_trips(values: list[int]) -> None:
    text = ",".join(format_delay(v) for v in values)
    policy = parse_policy(text)
    assert [policy.delay_before(n) for n in range(1, len(values) + 1)] == values
    assert policy_from_dict(policy.to_dict()) == policy
    assert parse_policy(policy.describe()) == policy


@given(st.text(max_size=40))
def test_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        policy = parse_policy(text)
    except PolicyError:
        return
    assert 1 <= policy.max_attempts <= 100


@given(st.floats(min_value=0, max_value=1000), st.floats(min_value=1, max_value=10),
       st.floats(min_value=0.001, max_value=86400), st.integers(min_value=1, max_value=100),
       st.floats(min_value=0, max_value=1), st.integers())
def test_exponential_is_bounded_and_round_trips(initial: float, multiplier: float, cap: float,
                                                attempts: int, jitter: float, seed: int) -> None:
    assume(cap >= initial)  # a cap below the first delay is refused (test_retry_text.py)
    policy = ExponentialPolicy(initial, multiplier, cap, attempts, jitter)
    rng = random.Random(seed)
    times = policy.preview(0.0, rng)
    assert len(times) == attempts and times[0] == 0
    steps = [b - a for a, b in itertools.pairwise(times)]
    assert all(0 <= s <= cap * (1 + jitter) + 1e-6 for s in steps)
    assert policy_from_dict(policy.to_dict()) == policy
