"""Event-type patterns: exact, prefix wildcard at any depth, everything."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.core.errors import PolicyError
from webhook_studio.core.matching import matches, validate_pattern


@pytest.mark.parametrize(("patterns", "event_type", "expected"), [
    (["user.created"], "user.created", True),
    (["user.created"], "user.updated", False),
    (["user.*"], "user.created", True),
    (["user.*"], "user.profile.updated", True),
    (["user.*"], "user", False),
    (["user.*"], "username.changed", False),
    (["*"], "anything.at.all", True),
    (["a.b", "c.*"], "c.d", True),
    ([], "user.created", False),
])
def test_matches(patterns: list[str], event_type: str, expected: bool) -> None:
    assert matches(patterns, event_type) is expected


@pytest.mark.parametrize("bad", ["", "user.", "*.created", "user.*.x", "us er", "user**", ".a"])
def test_bad_patterns_get_a_sentence(bad: str) -> None:
    with pytest.raises(PolicyError, match=r"not an event pattern; use an exact type"):
        validate_pattern(bad)


names = st.from_regex(r"[a-z_]{1,8}(\.[a-z_]{1,8}){0,3}", fullmatch=True)


@given(names, names)
def test_prefix_wildcard_means_below_the_prefix(prefix: str, rest: str) -> None:
    pattern = validate_pattern(prefix + ".*")
    assert matches([pattern], f"{prefix}.{rest}")
    assert not matches([pattern], prefix)
    assert matches(["*"], prefix) and matches([prefix], prefix)
