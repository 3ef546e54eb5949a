"""The mistakes people really make, as variants to try when no signature matched.

Each generator yields ``(mistake, variant, sentence)``. A scheme recomputes its MAC over each
variant; the first that reproduces the received signature names the mistake. Variants are only
computed after a failure, and there are few of them (a dozen bodies, a few keys), so a valid
request pays nothing and an invalid one a few microseconds per variant.

On a big body each variant costs a copy, a decode or a JSON round trip of the whole body
(seconds for 9 MB). A caller that must not wait that long (the receiver) runs verification
inside :func:`bounded`: bodies over a size limit are not searched, and the search stops at a
deadline; :attr:`Budget.skipped` then says so, for the verdict sentence.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from webhook_studio.core.verdict import Mistake

Variant = tuple[Mistake, bytes, str]

_ESCAPE = re.compile(rb"\\u([0-9a-fA-F]{4})")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _NOT_JSON


_NOT_JSON = object()


def _escape_non_ascii(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x80:
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    return "".join(out)


@dataclass
class Budget:
    """Limits of one bounded search, and why it was cut short (None: it was not)."""

    max_bytes: int
    deadline: float  # time.monotonic()
    skipped: str | None = None

    def over(self) -> bool:
        if self.skipped is None and time.monotonic() > self.deadline:
            self.skipped = "the search ran out of its time limit before trying every variant"
        return self.skipped is not None


_BUDGET: ContextVar[Budget | None] = ContextVar("diagnose_budget", default=None)


@contextlib.contextmanager
def bounded(max_bytes: int, seconds: float) -> Iterator[Budget]:
    """Bound every body search run inside (in this thread or task) by size and time."""
    budget = Budget(max_bytes, time.monotonic() + seconds)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


def body_variants(body: bytes) -> Iterator[Variant]:
    """Bodies the sender may have signed instead of the bytes that arrived (within the
    current :func:`bounded` budget, if any)."""
    budget = _BUDGET.get()
    if budget is not None and len(body) > budget.max_bytes:
        budget.skipped = (f"the body is {size_text(len(body))} and bodies over "
                          f"{size_text(budget.max_bytes)} are not searched, so no request "
                          "waits on another")
        return
    for variant in _body_variants(body):
        if budget is not None and budget.over():
            return
        yield variant


def _body_variants(body: bytes) -> Iterator[Variant]:
    seen = {body}

    def fresh(candidate: bytes) -> bool:
        if candidate in seen:
            return False
        seen.add(candidate)
        return True

    if body.endswith(b"\n"):
        stripped = body.rstrip(b"\r\n")
        if fresh(stripped):
            yield (Mistake.TRAILING_NEWLINE_REMOVED, stripped,
                   "the signature matches the body without its trailing newline: the newline "
                   "was added after signing (or the sender's signer strips it)")
    if fresh(body + b"\n"):
        yield (Mistake.TRAILING_NEWLINE_ADDED, body + b"\n",
               "the signature matches the body with a trailing newline added: the sender "
               "signed the body plus a newline it did not send")
    if b"\n" in body and b"\r\n" not in body:
        crlf = body.replace(b"\n", b"\r\n")
        if fresh(crlf):
            yield (Mistake.CRLF_LINE_ENDINGS, crlf,
                   "the signature matches the body with CRLF line endings: line endings were "
                   "converted between signing and sending")
    if b"\r\n" in body:
        lf = body.replace(b"\r\n", b"\n")
        if fresh(lf):
            yield (Mistake.LF_LINE_ENDINGS, lf,
                   "the signature matches the body with LF line endings: CRLF line endings were "
                   "converted between signing and sending")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return
    yield from _text_variants(body, text, fresh)
    yield from _json_variants(body, fresh)


def _text_variants(body: bytes, text: str, fresh: Callable[[bytes], bool]) -> Iterator[Variant]:
    if not body.isascii():
        escaped = _escape_non_ascii(text).encode("ascii")
        if fresh(escaped):
            yield (Mistake.UNICODE_ESCAPED, escaped,
                   "the signature matches the body with non-ASCII characters written as \\u "
                   "escapes: the sender signed ASCII-escaped JSON but sent raw UTF-8")
    if _ESCAPE.search(body):
        unescaped = _unescape(text)
        if unescaped is not None and fresh(unescaped):
            yield (Mistake.UNICODE_UNESCAPED, unescaped,
                   "the signature matches the body with its \\u escapes written as raw UTF-8: "
                   "the sender signed unescaped text but sent escaped JSON")
        swapped = _ESCAPE.sub(
            lambda m: b"\\u" + (m.group(1).upper() if m.group(1).lower() == m.group(1)
                                else m.group(1).lower()), body)
        if fresh(swapped):
            yield (Mistake.UNICODE_ESCAPE_CASE, swapped,
                   "the signature matches the body with the other letter case in its \\u "
                   "escapes (\\u001B vs \\u001b): the JSON was re-serialized by another library")


def _json_variants(body: bytes, fresh: Callable[[bytes], bool]) -> Iterator[Variant]:
    obj = _json(body)
    if obj is _NOT_JSON:
        return
    forms = (
        (Mistake.BODY_REFORMATTED_COMPACT,
         json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
         "compact JSON (no spaces)"),
        (Mistake.BODY_RESERIALIZED, json.dumps(obj, ensure_ascii=False),
         "JSON with json.dumps' default spacing (', ' and ': ')"),
        (Mistake.BODY_REFORMATTED_PRETTY, json.dumps(obj, indent=2, ensure_ascii=False),
         "pretty-printed JSON (indented)"),
    )
    for mistake, text, how in forms:
        candidate = text.encode("utf-8")
        if fresh(candidate):
            yield (mistake, candidate,
                   f"the signature matches the body re-serialized as {how}: the sender "
                   "signed a re-formatted copy, not the bytes it sent")


def _unescape(text: str) -> bytes | None:
    """Replace ``\\uXXXX`` escapes by the characters they stand for (pairs joined)."""
    replaced = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    try:
        return replaced.encode("utf-16", "surrogatepass").decode("utf-16").encode("utf-8")
    except UnicodeError:
        return None


def whsec_key(secret: str) -> bytes | None:
    """The key a ``whsec_`` secret stands for under Standard Webhooks, or None if not base64."""
    raw = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    raw += "=" * (-len(raw) % 4)  # both official libraries accept a secret without padding
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


def url_variants(url: str) -> Iterator[tuple[str, str]]:
    """URLs the provider may have signed instead of the one the receiver saw."""
    parts = urlsplit(url)
    seen = {url}
    other_scheme = "http" if parts.scheme == "https" else "https"
    path = parts.path
    toggled_slash = (path.rstrip("/") or "/") if path.endswith("/") else path + "/"
    candidates = [
        (urlunsplit((other_scheme, *parts[1:])), f"with {other_scheme}:// instead of {parts.scheme}://"),
        (urlunsplit((*parts[:2], toggled_slash, *parts[3:])), "with the trailing slash differing"),
        (urlunsplit((*parts[:3], "", "")), "without its query string"),
    ]
    for candidate, how in candidates:
        if candidate not in seen:
            seen.add(candidate)
            yield candidate, how
