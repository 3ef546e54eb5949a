"""Signing code that exported contract tests carry: stdlib only, copied verbatim into them.

An exported test re-signs each captured request when it runs, so a signed timestamp is always
fresh and the receiver's tolerance never expires. The generated module cannot import Webhook
Studio (a team keeps it in its own repository), so this module depends on nothing but the
standard library and is embedded as source text by :mod:`webhook_studio.relay.contract_export`.
A *recipe* (plain data, written into the test beside each case) says how one scheme signs:
what string is signed, with which MAC and key, and how the headers are written. Recipes are
made by :mod:`webhook_studio.relay.contract_recipes`; tests check that every profile's recipe
signs what our own verifier accepts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
import uuid
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def _key(secret: str, encoding: str) -> bytes:
    if encoding == "whsec":
        text = secret.removeprefix("whsec_")
        return base64.b64decode(text + "=" * (-len(text) % 4))
    if encoding == "base64":
        return base64.b64decode(secret.strip() + "=" * (-len(secret.strip()) % 4))
    if encoding == "hex":
        return bytes.fromhex(secret.strip())
    if encoding == "nfkd":
        return unicodedata.normalize("NFKD", secret).encode("utf-8")
    if encoding == "sha1":
        return hashlib.sha1(secret.encode("utf-8")).digest()
    return secret.encode("utf-8")


def _encode(raw: bytes, encoding: str) -> str:
    if encoding == "hex":
        return raw.hex()
    if encoding == "hex-upper":
        return raw.hex().upper()
    if encoding == "base64url":
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    return base64.b64encode(raw).decode("ascii")


def _timestamp(seconds: int, fmt: str) -> str:
    if fmt == "unix_ms":
        return str(seconds * 1000)
    if fmt == "http_date":
        return formatdate(seconds, usegmt=True)
    moment = datetime.fromtimestamp(seconds, UTC)
    if fmt == "iso8601":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "iso8601_local":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000")
    if fmt == "rfc3339_nano":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000000000Z")
    return str(seconds)


def _signed_bytes(template: str, values: dict[str, str], body: bytes) -> bytes:
    out = bytearray()
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        out += before.encode("utf-8")
        out += body if name == "body" else values.get(name, "").encode("utf-8")
    out += rest.encode("utf-8")
    return bytes(out)


def _mac(recipe: dict[str, Any], key: bytes, message: bytes, algorithm: str) -> str:
    if recipe.get("mode") == "hash":
        digest = hashlib.new(algorithm, key + message).digest()
    else:
        digest = hmac.new(key, message, algorithm).digest()
    return _encode(digest, recipe.get("encoding", "hex"))


def sign_request(recipe: dict[str, Any], secret: str, body: bytes, url: str, method: str,
                 now: int) -> dict[str, str]:
    """The headers that sign ``body`` sent to ``url`` at Unix time ``now`` under ``recipe``."""
    if recipe["family"] == "token":
        value = secret
        if recipe.get("basic"):
            value = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        return {recipe["header"]: recipe.get("prefix", "") + value}
    parts = urlsplit(url)
    values = {
        "id": "msg_" + uuid.uuid4().hex,
        "timestamp": _timestamp(now, recipe.get("timestamp_format", "unix")),
        "url": url,
        "url_base": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "method": method.upper(),
    }
    signed_body = body
    if recipe.get("canonical_json"):
        signed_body = json.dumps(json.loads(body), separators=(",", ":"),
                                 sort_keys=True).encode("utf-8")
    message = _signed_bytes(recipe["template"], values, signed_body)
    key = _key(secret, recipe.get("key", "utf8"))
    algorithm = recipe.get("algorithm", "sha256")
    fields = dict(values, signature=_mac(recipe, key, message, algorithm))
    for extra in recipe.get("extra_algorithms", []):
        fields["signature_" + extra] = _mac(recipe, key, message, extra)
    return {name: value.format(**fields) for name, value in recipe["headers"]}


def renew_ids(headers: list[tuple[str, str]], names: list[str]) -> list[tuple[str, str]]:
    """The headers with each per-delivery id header given a fresh value, so the receiver does
    not flag a re-run as a duplicate of the recorded delivery."""
    wanted = {name.lower() for name in names}
    return [(k, str(uuid.uuid4()) if k.lower() in wanted else v) for k, v in headers]
