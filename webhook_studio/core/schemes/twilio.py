"""Twilio: HMAC-SHA1, base64, over the full URL plus the POST parameters sorted by name.

For JSON bodies Twilio adds ``bodySHA256=<hex>`` to the URL's query and signs the URL alone;
the body must then hash to that value. As twilio-python and twilio-node do, we try the URL with
its port removed and with the default port (``:443``/``:80``) added, because proxies differ on
whether they keep it; a parameter repeated with the same value is signed once (the SDKs sign
the set of values); and ``X-Twilio-Webhooks-Signature-Settings: key=…,algorithm=HMAC_SHA256``
(SharedKey webhooks) selects HMAC-SHA256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import Content, MacScheme, Parsed, malformed, missing
from webhook_studio.core.verdict import Reason, Verdict

HEADER = "X-Twilio-Signature"
DEFAULT_PORTS = {"https": 443, "http": 80}


def port_forms(url: str) -> list[str]:
    """The URL as given, without its port, and with the default port added (as the SDKs try)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return [url]
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    userinfo = parts.netloc.rpartition("@")[0]
    bare = (userinfo + "@" if userinfo else "") + (f"[{host}]" if ":" in host else host)
    forms = [url]
    if port is not None:
        forms.append(urlunsplit((parts.scheme, bare, *parts[2:])))
    elif default is not None:
        forms.append(urlunsplit((parts.scheme, parts.netloc + f":{default}", *parts[2:])))
    return forms


SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
ALGORITHMS = {"HMAC_SHA1": "sha1", "HMAC_SHA256": "sha256"}


def settings_algorithm(value: str | None) -> str | None:
    """The algorithm named by the settings header (HMAC_SHA1 when absent), None if unknown."""
    for part in (value or "").split(","):
        name, found, chosen = part.partition("=")
        if found and name.strip() == "algorithm" and chosen.strip():
            return ALGORITHMS.get(chosen.strip().upper())
    return "sha1"


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
        settings = request.header(SETTINGS_HEADER)
        algorithm = settings_algorithm(settings)
        if algorithm is None:
            return malformed(self.name, SETTINGS_HEADER,
                             f"{settings!r} names an algorithm Twilio's SDKs do not know "
                             "(HMAC_SHA1 or HMAC_SHA256)")
        note = (" Signed with HMAC-SHA256 as X-Twilio-Webhooks-Signature-Settings says "
                "(a SharedKey secret)." if algorithm == "sha256" else "")
        return Parsed((value.strip(),), algorithm=algorithm, note=note)

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
        values: dict[str, set[str]] = {}
        for key, value in c.params:
            values.setdefault(key, set()).add(value)
        text = (c.url or "") + "".join(key + value for key in sorted(values)
                                       for value in sorted(values[key]))
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
