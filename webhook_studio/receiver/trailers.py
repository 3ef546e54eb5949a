"""Trailer fields of chunked requests, which aiohttp's parser reads and throws away.

aiohttp's fast C parser drops the trailer section, and its pure-Python parser (which also
drops it) would cost ~7x per request. So each connection follows the framing of its own byte
stream alongside the parser, cheaply: one search for the end of the headers per request, then
arithmetic over bodies, and line parsing only inside the trailer section of chunked bodies.
Anything it does not understand switches it off for that connection (the parser is never
affected; at worst trailers are missed, never invented).

Trailers are stored with the capture's headers, after them, each name prefixed with
:data:`TRAILER_MARK` (the capture model has no separate place for them, and a bracket cannot
start a real header name, so they can never be mistaken for headers).
"""

from __future__ import annotations

from collections import deque

from webhook_studio.core.message import TRAILER_MARK

HEAD, LENGTH, SIZE, CHUNK, TRAILERS = range(5)
MAX_SECTION = 64 * 1024
MAX_TRAILER_FIELDS = 100


class _Lost(Exception):
    """The tracker no longer knows where it is in the stream."""


class Frame:
    """One request as the tracker saw it; ``trailers`` fills in when its body ends."""

    __slots__ = ("chunked", "complete", "method", "trailers")

    def __init__(self, method: bytes, chunked: bool) -> None:
        self.method = method
        self.chunked = chunked
        self.trailers: list[tuple[bytes, bytes]] = []
        self.complete = not chunked


class TrailerTracker:
    def __init__(self) -> None:
        self.state = HEAD
        self.remaining = 0
        self.buf = b""
        self.frames: deque[Frame] = deque()
        self.current: Frame | None = None
        self.lost = False

    def feed(self, data: bytes) -> None:
        if self.lost:
            return
        try:
            self._feed(data)
        except (_Lost, ValueError, IndexError):
            self.lost = True
            self.frames.clear()

    def next_frame(self, method: str) -> Frame | None:
        """The frame of the request now being handled (requests are handled in order)."""
        if self.lost or not self.frames:
            return None
        frame = self.frames.popleft()
        if frame.method != method.encode("latin-1", "replace"):
            self.lost = True
            self.frames.clear()
            return None
        return frame

    # -- the stream -----------------------------------------------------------------------
    def _feed(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while pos < end:
            state = self.state
            if state in (LENGTH, CHUNK):
                take = min(self.remaining, end - pos)
                self.remaining -= take
                pos += take
                if self.remaining == 0:
                    self.state = HEAD if state == LENGTH else SIZE
                continue
            if state == HEAD and not self.buf:
                while data.startswith(b"\r\n", pos):  # stray CRLF between requests
                    pos += 2
                if pos >= end:
                    return
                found = data.find(b"\r\n\r\n", pos, pos + MAX_SECTION + 4)
                if found >= 0:  # the usual case: the whole head in one read
                    self._on_head(data[pos:found + 4])
                    pos = found + 4
                    continue
            delimiter = b"\r\n\r\n" if state == HEAD else b"\r\n"
            section, pos = self._section(data, pos, delimiter)
            if section is None:
                return
            self._on_section(section)

    def _section(self, data: bytes, pos: int, delimiter: bytes) -> tuple[bytes | None, int]:
        if self.buf:
            start = max(0, len(self.buf) - len(delimiter) + 1)
            joined = self.buf + data[pos:pos + MAX_SECTION]
            found = joined.find(delimiter, start)
            if found < 0:
                if len(joined) > MAX_SECTION:
                    raise _Lost
                self.buf = joined
                return None, len(data)
            stop = found + len(delimiter)
            used = stop - len(self.buf)
            self.buf = b""
            return joined[:stop], pos + used
        found = data.find(delimiter, pos, pos + MAX_SECTION + len(delimiter))
        if found < 0:
            if len(data) - pos > MAX_SECTION:
                raise _Lost
            self.buf = data[pos:]
            return None, len(data)
        stop = found + len(delimiter)
        return data[pos:stop], stop

    def _on_section(self, section: bytes) -> None:
        if self.state == HEAD:
            self._on_head(section)
        elif self.state == SIZE:
            size = int(section.split(b";", 1)[0].strip(), 16)
            if size == 0:
                self.state = TRAILERS
            else:
                self.state, self.remaining = CHUNK, size + 2
        else:  # TRAILERS: one field line, or the empty line that ends the message
            frame = self.current
            assert frame is not None
            line = section[:-2]
            if not line:
                frame.complete = True
                self.current = None
                self.state = HEAD
                return
            name, colon, value = line.partition(b":")
            if not colon or len(frame.trailers) >= MAX_TRAILER_FIELDS:
                raise _Lost
            frame.trailers.append((name.strip(), value.strip()))

    def _on_head(self, head: bytes) -> None:
        method = head[:head.find(b" ")]
        chunked = False
        if b"ransfer-" in head or b"RANSFER-" in head:  # rare: look closely
            lower = head.lower()
            at = lower.find(b"\r\ntransfer-encoding:")
            if at >= 0:
                value = lower[at + 20:lower.find(b"\r\n", at + 2)]
                if not value.strip().endswith(b"chunked"):
                    raise _Lost  # the parser refuses such a request; stop following
                chunked = True
        frame = Frame(method, chunked)
        self.frames.append(frame)
        if chunked:
            self.current = frame
            self.state = SIZE
            return
        at = head.find(b"\r\nContent-Length:")
        if at < 0:
            at = head.lower().find(b"\r\ncontent-length:") if (
                b"ength" in head or b"ENGTH" in head) else -1
        if at >= 0:
            length = int(head[at + 17:head.find(b"\r\n", at + 2)].strip())
            if length > 0:
                self.state, self.remaining = LENGTH, length


def as_header_pairs(trailers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """Trailer fields as capture header pairs, names marked."""
    from webhook_studio.receiver.server import decode_header

    return [(TRAILER_MARK + decode_header(n), decode_header(v)) for n, v in trailers]
