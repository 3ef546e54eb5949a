"""Twilio: HMAC-SHA1, base64, over the full URL plus the POST parameters sorted by name.

For JSON bodies Twilio adds ``bodySHA256=<hex>`` to the URL's query and signs the URL alone;
the body must then hash to that value. Twilio's SDKs accept the URL with and without the
default port (``:443``/``:80``), because proxies differ on whether they keep it; so do we.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import Content, MacScheme, Parsed, missing
from webhook_studio.core.verdict import Reason, Verdict

HEADER = "X-Twilio-Signature"
DEFAULT_PORTS = {"https": 443, "http": 80}


def port_forms(url: str) -> list[str]:
    """The URL as given, with the default port added, and with it removed."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if parts.port is None and default is not None:
        netloc = parts.netloc + f":{default}"
        other = urlunsplit((parts.scheme, netloc, *parts[2:]))
    elif parts.port == default and default is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = (userinfo + "@" if userinfo else "") + (
            f"[{host}]" if ":" in host else host)
        other = urlunsplit((parts.scheme, netloc, *parts[2:]))
    else:
        return [url]
    return [url, other]


def body_hash_in(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("bodySHA256")
    return values[0] if values else None


def form_params(body: bytes) -> tuple[tuple[str, str], ...]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return ()
    return tuple(parse_qsl(text, keep_blank_values=True))


class Twilio(MacScheme):
    name = "twilio"
    algorithm = "sha1"
    encoding = "base64"
    needs_url = True

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        value = request.header(HEADER)
        if value is None:
            return missing(self.name, HEADER)
        return Parsed((value.strip(),))

    def content_for(self, request: IncomingRequest, parsed: Parsed) -> Content | Verdict:
        if not request.url:
            return Verdict(False, self.name, Reason.MISSING_URL,
                           "Twilio signs the full URL it posted to: give it (--url, or the "
                           "endpoint's public URL).")
        expected_hash = body_hash_in(request.url)
        if expected_hash is not None:
            actual = hashlib.sha256(request.body).hexdigest()
            if actual != expected_hash.lower():
                return Verdict(False, self.name, Reason.MALFORMED_BODY,
                               "The body does not hash to the bodySHA256 value in the URL: the "
                               "body was changed after Twilio sent it.",
                               details={"expected": expected_hash, "actual": actual})
            return Content(request.body, url=request.url)
        params = request.params if request.params is not None else form_params(request.body)
        return Content(request.body, url=request.url, params=tuple(params))

    def content(self, c: Content) -> bytes:
        text = (c.url or "") + "".join(k + v for k, v in sorted(c.params))
        return text.encode("utf-8")

    def _match(self, keys: Sequence[bytes | None], c: Content, parsed: Parsed) -> int | None:
        from dataclasses import replace

        for url in port_forms(c.url or ""):
            found = super()._match(keys, replace(c, url=url), parsed)
            if found is not None:
                return found
        return None

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        if not data.url:
            from webhook_studio.core.errors import SecretError

            raise SecretError("Twilio signs the URL: give the URL it posts to.")
        params = data.params
        if not params and body_hash_in(data.url) is None:
            params = form_params(data.body)
        if body_hash_in(data.url) is not None:
            params = ()
        return super().sign(secrets, SignInput(data.body, data.id, data.timestamp, data.url,
                                               tuple(params)))

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        return {HEADER: signatures[0]}
