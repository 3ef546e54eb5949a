"""The verification pipeline shared by every MAC-based scheme.

A scheme says how to read its headers (:meth:`MacScheme.parse`), what bytes it signs
(:meth:`MacScheme.content`), how a secret becomes a key and how the MAC is written. This module
does the rest the same way for all of them: constant-time comparison against every secret,
the tolerance rule, the verdict sentence, and the search for a known mistake when nothing
matched.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from webhook_studio.core import diagnose
from webhook_studio.core.errors import SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes.base import Scheme, ToleranceRule
from webhook_studio.core.verdict import Mistake, Reason, Verdict

ALGORITHMS: dict[str, Callable[[], hashlib._Hash]] = {
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}


def mac(algorithm: str, key: bytes, content: bytes) -> bytes:
    """Through ``hmac.new``, not the one-shot ``hmac.digest``: the one-shot lets go of the GIL
    around every MAC however small, and in the receiver, whose capture writer thread waits for
    the GIL, each request then paid two thread handoffs: 10-20 % fewer requests a second
    (docs/benchmarks.md, "Receiver, third pass")."""
    return hmac.new(key, content, ALGORITHMS[algorithm]).digest()


def encode(raw: bytes, encoding: str) -> str:
    """hex, hex-upper (Authorize.Net), base64, or base64url without padding (Sanity)."""
    if encoding == "hex":
        return raw.hex()
    if encoding == "hex-upper":
        return raw.hex().upper()
    if encoding == "base64url":
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return base64.b64encode(raw).decode("ascii")


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two signature strings (any text, never raises)."""
    try:  # ASCII text, as signatures are: compared as is
        return hmac.compare_digest(a, b)
    except TypeError:  # non-ASCII text: compared as UTF-8 bytes
        return hmac.compare_digest(a.encode("utf-8", "surrogatepass"),
                                   b.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Parsed:
    """What a scheme read from the request's headers."""

    candidates: tuple[str, ...]
    timestamp: str | None = None
    seconds: int | None = None
    msg_id: str | None = None
    algorithm: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Content:
    """What a scheme signs; ``timestamp`` is the text as it appears in the signed bytes."""

    body: bytes
    timestamp: str | None = None
    msg_id: str | None = None
    url: str | None = None
    params: tuple[tuple[str, str], ...] = field(default=())
    method: str = "POST"
    #: Values read from the body for ``{field:PATH}`` in a generic template, by path.
    fields: tuple[tuple[str, str], ...] = field(default=())


def tolerance_verdict(
    scheme: str, seconds: int, now: float, tolerance: int | None, rule: ToleranceRule,
    signature_ok: bool,
) -> Verdict | None:
    """An invalid verdict when the timestamp breaks the rule, else None."""
    if tolerance is None or tolerance < 0 or rule is ToleranceRule.NONE:
        return None
    skew = int(now) - seconds
    if skew > tolerance:
        reason, what = Reason.TIMESTAMP_TOO_OLD, f"Timestamp is {skew} s old"
    elif -skew > tolerance and rule is ToleranceRule.BOTH:
        reason, what = (Reason.TIMESTAMP_TOO_NEW,
                        f"Timestamp is {-skew} s in the future (check the sender's clock)")
    else:
        return None
    tail = (" The signature itself matches: re-sign with a fresh timestamp to replay it."
            if signature_ok else " The signature does not match either.")
    return Verdict(False, scheme, reason, f"{what}; the tolerance is {tolerance} s.{tail}",
                   details={"skew_seconds": skew, "tolerance": tolerance,
                            "signature_ok": signature_ok})


def missing(scheme: str, header: str) -> Verdict:
    return Verdict(False, scheme, Reason.MISSING_HEADER,
                   f"Missing header {header}: the request is not signed under the {scheme} "
                   "scheme (or a proxy dropped the header).", details={"header": header})


def malformed(scheme: str, header: str, problem: str) -> Verdict:
    return Verdict(False, scheme, Reason.MALFORMED_HEADER,
                   f"Header {header} is malformed: {problem}.", details={"header": header})


@functools.lru_cache(maxsize=512)
def valid(scheme: str, index: int, total: int, note: str = "") -> Verdict:
    """The valid verdict; one shared (frozen) object per wording, since almost every request
    the receiver verifies gets one and its sentence and dict never change."""
    which = f" (matched secret #{index + 1} of {total})" if total > 1 else ""
    return Verdict(True, scheme, Reason.VALID, f"Signature is valid{which}.{note}",
                   matched_secret=index, details={"secrets_tried": total})


def parse_seconds(text: str | None) -> int | None:
    """A Unix timestamp header as an int, or None when it is not one."""
    if text is None:
        return None
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or len(stripped) > 16:
        return None
    return int(stripped)


class MacScheme(Scheme):
    """A scheme whose signature is an HMAC (or a set of them) over some content."""

    algorithm = "sha256"
    encoding = "hex"
    #: Secret handling: "utf8" (the literal string) or "whsec" (strip and base64-decode).
    secret_format = "utf8"
    #: Whether several secrets sign together (several signatures in the header).
    multi_signature = False

    # -- what each scheme defines ------------------------------------------------------------
    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        raise NotImplementedError

    def content(self, c: Content) -> bytes:
        return c.body

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        raise NotImplementedError

    def timestamp_text(self, seconds: int) -> str:
        return str(seconds)

    def content_for(self, request: IncomingRequest, parsed: Parsed) -> Content | Verdict:
        return Content(request.body, parsed.timestamp, parsed.msg_id, request.url)

    # -- keys --------------------------------------------------------------------------------
    def key(self, secret: str) -> bytes:
        if not secret:
            raise SecretError(f"The {self.name} secret is empty; give the signing secret.")
        if self.secret_format == "whsec":
            return whsec_secret_key(secret)
        return secret.encode("utf-8")

    def alternative_keys(self, secret: str) -> Iterable[tuple[Mistake, bytes, str]]:
        if self.secret_format == "whsec":
            yield (Mistake.SECRET_USED_LITERALLY, secret.encode("utf-8"),
                   "the signature was made with the secret used literally as text; this "
                   "scheme base64-decodes the part after 'whsec_' and signs with those bytes")
        elif secret.startswith("whsec_"):
            decoded = diagnose.whsec_key(secret)
            if decoded:
                yield (Mistake.SECRET_DECODED_WRONGLY, decoded,
                       f"the signature was made with the whsec_ secret base64-decoded; "
                       f"{self.name} signs with the secret string exactly as given")

    # -- signing -----------------------------------------------------------------------------
    def compute(self, key: bytes, c: Content, algorithm: str | None = None) -> str:
        return encode(mac(algorithm or self.algorithm, key, self.content(c)), self.encoding)

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        chosen = [secrets] if isinstance(secrets, str) else list(secrets)
        if not chosen:
            raise SecretError("No secret given to sign with.")
        if not self.multi_signature:
            chosen = chosen[:1]
        if self.needs_timestamp and data.timestamp is None:
            raise SecretError(f"The {self.name} scheme signs a timestamp; give one.")
        ts = self.timestamp_text(data.timestamp) if data.timestamp is not None else None
        c = Content(data.body, ts, data.id, data.url, data.params)
        sigs = [self.compute(self.key(s), c) for s in chosen]
        return self.headers(sigs, data, ts)

    # -- verification ------------------------------------------------------------------------
    def verify(
        self,
        request: IncomingRequest,
        secrets: Sequence[str],
        *,
        now: float,
        tolerance: int | None = None,
        previous_secrets: Sequence[str] = (),
    ) -> Verdict:
        try:
            parsed = self.parse(request)
        except (ValueError, UnicodeError) as exc:
            return malformed(self.name, "signature", str(exc) or "unreadable")
        if isinstance(parsed, Verdict):
            return parsed
        if not secrets:
            return Verdict(False, self.name, Reason.NO_SECRET,
                           "No secret is configured, so the signature cannot be checked.")
        keys: list[bytes | None] = []
        problems: list[str] = []
        for secret in secrets:
            try:
                keys.append(self.key(secret))
            except SecretError as exc:
                keys.append(None)
                problems.append(str(exc))
        if all(k is None for k in keys):
            return Verdict(False, self.name, Reason.INVALID_SECRET, problems[0])
        content = self.content_for(request, parsed)
        if isinstance(content, Verdict):
            return content
        matched = self._match(keys, content, parsed)
        limit = self.default_tolerance if tolerance is None else tolerance
        if parsed.seconds is not None:
            late = tolerance_verdict(self.name, parsed.seconds, now, limit,
                                     self.tolerance_rule, matched is not None)
            if late is not None:
                if parsed.seconds > 10**11:
                    return self._ms_verdict(late, parsed)
                return late
        if matched is not None:
            return valid(self.name, matched, len(secrets), parsed.note)
        return self.explain(request, secrets, keys, content, parsed, previous_secrets)

    def _match(self, keys: Sequence[bytes | None], c: Content, parsed: Parsed) -> int | None:
        for index, key in enumerate(keys):
            if key is None:
                continue
            expected = self.compute(key, c, parsed.algorithm)
            for candidate in parsed.candidates:
                if same(expected, candidate):
                    return index
        return None

    def _ms_verdict(self, late: Verdict, parsed: Parsed) -> Verdict:
        return replace(late, mistake=Mistake.TIMESTAMP_IN_MILLISECONDS,
                       message=f"Timestamp {parsed.timestamp} looks like milliseconds; "
                       f"{self.name} expects Unix seconds. " + late.message)

    def explain(
        self, request: IncomingRequest, secrets: Sequence[str], keys: Sequence[bytes | None],
        c: Content, parsed: Parsed, previous: Sequence[str],
    ) -> Verdict:
        """No signature matched: find the mistake that reproduces one, if any."""
        total = len(secrets)
        tried = "the secret" if total == 1 else f"any of the {total} secrets"
        base = (f"No signature matched {tried} "
                f"({len(parsed.candidates)} signature(s) in the request)")

        def found(mistake: Mistake, sentence: str, **details: object) -> Verdict:
            return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                           f"{base}, but {sentence}.", mistake=mistake, details=dict(details))

        usable = [k for k in keys if k is not None]
        for prev_index, prev in enumerate(previous):
            try:
                prev_key = self.key(prev)
            except SecretError:
                continue
            if self._match([prev_key], c, parsed) is not None:
                return found(Mistake.SIGNED_WITH_PREVIOUS_SECRET,
                             f"it was signed with previous secret #{prev_index + 1}: the sender "
                             "has not picked up the rotated secret yet", previous=prev_index)
        for mistake, body, sentence in diagnose.body_variants(c.body):
            if self._match(usable, replace(c, body=body), parsed) is not None:
                return found(mistake, sentence)
        for secret in secrets:
            for mistake, alt_key, sentence in self.alternative_keys(secret):
                if self._match([alt_key], c, parsed) is not None:
                    return found(mistake, sentence)
        is_hex = self.encoding.startswith("hex")
        other = "base64" if is_hex else "hex"
        for key in usable:
            raw = mac(parsed.algorithm or self.algorithm, key, self.content(c))
            if any(same(encode(raw, other), cand) for cand in parsed.candidates):
                mistake = (Mistake.BASE64_INSTEAD_OF_HEX if is_hex
                           else Mistake.HEX_INSTEAD_OF_BASE64)
                return found(mistake, f"the MAC was written in {other} instead of "
                             f"{self.encoding}")
        if c.timestamp is not None and parsed.seconds is not None:
            ms = replace(c, timestamp=str(parsed.seconds * 1000))
            if self._match(usable, ms, parsed) is not None:
                return found(Mistake.TIMESTAMP_IN_MILLISECONDS,
                             "it was signed over the timestamp in milliseconds while the header "
                             "carries seconds")
        if c.url:
            for url, how in diagnose.url_variants(c.url):
                if self._match(usable, replace(c, url=url), parsed) is not None:
                    return found(Mistake.WRONG_URL, f"it was signed over the URL {how} ({url}): "
                                 "set the endpoint's public URL to the one the provider uses",
                                 signed_url=url)
        return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                       f"{base}. Check the secret, and that the body reaches the verifier "
                       "byte-for-byte as sent.")


def first_secret(secrets: str | Sequence[str]) -> str:
    if isinstance(secrets, str):
        return secrets
    if not secrets:
        raise SecretError("No secret given to sign with.")
    return secrets[0]


def whsec_secret_key(secret: str) -> bytes:
    """Standard Webhooks: strip ``whsec_``, base64-decode strictly, demand 24 to 64 bytes."""
    key = diagnose.whsec_key(secret)
    if key is None:
        raise SecretError(
            "The secret is not valid base64 after 'whsec_'; copy it again from the provider "
            "(Standard Webhooks secrets look like whsec_ followed by base64).")
    if not 24 <= len(key) <= 64:
        raise SecretError(
            f"The secret decodes to {len(key)} bytes; Standard Webhooks secrets must decode to "
            "24 to 64 bytes. Generate a new secret of 32 random bytes.")
    return key
