"""The handler's answer as the JSON doors give it: text when the kept bytes are UTF-8 (a
character the 64 KiB cap cut in half is dropped, not the whole body), base64 otherwise."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.store.attempt_exchange import response_fields
from webhook_studio.store.sender_models import Attempt


def answer(sent: bytes, cap: int) -> dict[str, object]:
    attempt = Attempt(response_body=sent[:cap], response_size=len(sent),
                      response_headers=[["Content-Type", "text/plain"]], error_class=None)
    return response_fields(attempt)


@given(st.text(max_size=300), st.integers(min_value=0, max_value=1200))
def test_text_cut_anywhere_stays_text_and_a_prefix(text: str, cap: int) -> None:
    sent = text.encode("utf-8")
    out = answer(sent, cap)
    body = out["response_body"]
    assert isinstance(body, str) and text.startswith(body)
    assert len(sent[:cap]) - len(body.encode("utf-8")) <= 3  # at most one cut character
    assert out["response_truncated"] is (len(sent) > cap)
    assert "response_body_base64" not in out
    assert out["response_headers"] == {"Content-Type": "text/plain"}


@given(st.binary(min_size=1, max_size=300))
def test_bytes_that_are_not_utf8_come_whole_as_base64(data: bytes) -> None:
    sent = b"\xff" + data  # never UTF-8
    out = answer(sent, len(sent))
    assert out["response_body"] is None
    assert base64.b64decode(str(out["response_body_base64"])) == sent
    assert out["response_truncated"] is False
