"""The endpoint editor's body size limit as text: what it shows reads back to the same number
of bytes, what a person types in bytes, KiB or MiB is understood, and anything else reaches
the spec as typed so it is refused with the range."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.core import limits
from webhook_studio.core.validation import (
    EndpointForm,
    body_limit_text,
    byte_count,
    validate_endpoint,
)

LIMITS = st.integers(int(limits.ENDPOINT_BODY_BYTES.low), int(limits.ENDPOINT_BODY_BYTES.high))


@given(LIMITS)
def test_what_the_field_shows_reads_back_to_the_same_bytes(value: int) -> None:
    assert byte_count(body_limit_text(value)) == value
    fields, errors = validate_endpoint(EndpointForm("/x", max_body_bytes=body_limit_text(value)))
    assert errors == {} and fields["max_body_bytes"] == value


@given(st.integers(0, 10**9), st.sampled_from(["", " ", "KiB", " kib", "MiB", " MIB"]),
       st.booleans())
def test_bytes_kib_and_mib_are_understood(number: int, unit: str, commas: bool) -> None:
    typed = (f"{number:,}" if commas else str(number)) + unit
    factor = {"kib": 1024, "mib": 1024 * 1024}.get(unit.strip().lower(), 1)
    assert byte_count(f" {typed} ") == number * factor
    _, errors = validate_endpoint(EndpointForm("/x", max_body_bytes=typed))
    assert ("max_body_bytes" in errors) == (number * factor not in limits.ENDPOINT_BODY_BYTES)


@given(st.text(max_size=20))
def test_anything_else_is_refused_with_the_range_never_an_exception(typed: str) -> None:
    _, errors = validate_endpoint(EndpointForm("/x", max_body_bytes=typed))
    value = byte_count(typed)
    if isinstance(value, int) and value in limits.ENDPOINT_BODY_BYTES:
        assert "max_body_bytes" not in errors
    else:
        assert errors["max_body_bytes"] == ("The body limit must be a whole number of bytes "
                                            "from 0 to 104,857,600.")


def test_the_default_shows_as_empty_and_round_numbers_in_their_unit() -> None:
    assert body_limit_text(limits.DEFAULT_ENDPOINT_BODY_BYTES) == ""
    assert byte_count("") == limits.DEFAULT_ENDPOINT_BODY_BYTES
    assert [body_limit_text(v) for v in (0, 1000, 2048, 65536, 3 * 1024 * 1024)] == [
        "0", "1000", "2 KiB", "64 KiB", "3 MiB"]
    assert byte_count("ten megs") == "ten megs" and byte_count("1.5 MiB") == "1.5 MiB"
