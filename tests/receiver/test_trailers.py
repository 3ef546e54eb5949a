"""The trailer tracker follows a connection's byte stream however it is split into reads."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.receiver.trailers import TrailerTracker, as_header_pairs

names = st.from_regex(r"X-[A-Za-z0-9]{1,8}", fullmatch=True)
values = st.from_regex(r"[ -~]{0,20}", fullmatch=True).map(str.strip)
fields = st.lists(st.tuples(names, values), max_size=4)
bodies = st.binary(max_size=300)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, str, list[tuple[str, str]]]:
    method = draw(st.sampled_from(["POST", "PUT", "GET"]))
    body = draw(bodies)
    if draw(st.booleans()):  # chunked, with trailers
        trailers = draw(fields)
        pieces = []
        rest = body
        while rest:
            size = draw(st.integers(1, 64))
            ext = draw(st.sampled_from([b"", b";a=b"]))
            pieces.append(b"%x%s\r\n%s\r\n" % (size if size <= len(rest) else len(rest), ext,
                                               rest[:size]))
            rest = rest[size:]
        section = b"".join(f"{n}: {v}\r\n".encode() for n, v in trailers)
        raw = (f"{method} /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
               + b"".join(pieces) + b"0\r\n" + section + b"\r\n")
        return raw, method, trailers
    head = f"{method} /l HTTP/1.1\r\nHost: x\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body, method, []


@settings(max_examples=80, deadline=None)
@given(st.lists(requests(), min_size=1, max_size=4), st.lists(st.integers(1, 400), max_size=12))
def test_trailers_survive_any_split(messages: list[tuple[bytes, str, list[tuple[str, str]]]],
                                    cuts: list[int]) -> None:
    stream = b"".join(raw for raw, _, _ in messages)
    tracker = TrailerTracker()
    at = 0
    for size in cuts:
        tracker.feed(stream[at:at + size])
        at += size
    tracker.feed(stream[at:])
    for _, method, trailers in messages:
        frame = tracker.next_frame(method)
        assert frame is not None and frame.complete
        assert as_header_pairs(frame.trailers) == [(f"[trailer] {n}", v) for n, v in trailers]
    assert not tracker.lost


def test_a_stream_it_cannot_follow_turns_it_off_without_inventing_trailers() -> None:
    tracker = TrailerTracker()
    tracker.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")
    assert tracker.lost and tracker.next_frame("POST") is None
    tracker = TrailerTracker()
    tracker.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert tracker.lost
    tracker = TrailerTracker()
    tracker.feed(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    assert tracker.next_frame("GET") is None and tracker.lost  # out of step: off for good
