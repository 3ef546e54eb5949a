"""JWT/JWS signatures carrying a hash of the body (family F10): MessageBird, Vonage, Netlify,
monday.com, LiveKit (HS256/384/512 with a shared secret) and Plaid (ES256 with a public key the
user pastes as PEM or JWK; RS256 works the same way).

The verdict says which check failed: the token's shape, its ``alg``, the signature (wrong key),
``exp``/``nbf``/``iat`` against the clock with a skew, the issuer, the body hash (with the
re-serialization that reproduces it, when one does) or the URL hash.

==================  ========================================================  ==============
option              meaning                                                   default
==================  ========================================================  ==============
header              the header carrying the token (``Bearer`` is stripped)    (required)
algorithms          the accepted ``alg`` values (HS256 HS384 HS512 ES256      ["HS256"]
                    RS256); any other, ``none`` included, is refused
issuer              the ``iss`` required (and sent)                           (none)
issuer_in_secret    the secret is ``ISSUER:SECRET`` (LiveKit's API key and    false
                    secret); ``iss`` must be that issuer
required_claims     claims that must be present (iss nbf exp iat jti)         []
body_hash_claim     the claim holding SHA-256 of the body                     (none)
body_hash_encoding  hex or base64                                             hex
body_hash_when      always, or non_empty (set only when there is a body)      always
url_hash_claim      the claim holding hex SHA-256 of the full URL             (none)
max_age             seconds an ``iat`` may be old (the tolerance)             (none)
leeway              clock skew in seconds for exp/nbf/iat                     0
lifetime            seconds from iat to exp on tokens we sign (0: no exp)     0
key_id              send this ``kid`` in the token header (ES/RS)             (none)
bearer              send the token as ``Bearer <token>``                      false
==================  ========================================================  ==============
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, utils

from webhook_studio.core import diagnose, keys
from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import first_secret, malformed, missing, valid
from webhook_studio.core.schemes._pubkey import sign_bytes, verifies
from webhook_studio.core.schemes.base import Scheme, ToleranceRule
from webhook_studio.core.verdict import Reason, Verdict

_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
ALGS = (*_HMAC, "ES256", "RS256")
CLAIMS = ("iss", "nbf", "exp", "iat", "jti")
OPTIONS = ("header", "algorithms", "issuer", "issuer_in_secret", "required_claims",
           "body_hash_claim", "body_hash_encoding", "body_hash_when", "url_hash_claim",
           "max_age", "leeway", "lifetime", "key_id", "bearer")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def body_hash(body: bytes, encoding: str) -> str:
    digest = hashlib.sha256(body).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


def _int_option(opts: Mapping[str, Any], name: str, default: int | None) -> int | None:
    value = opts.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0):
        raise SchemeError(f"Option {name}={value!r} must be whole seconds, 0 or more.")
    return value


class Jwt(Scheme):
    name = "jwt"
    tolerance_rule = ToleranceRule.OLD_ONLY

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise SchemeError(f"Unknown option {unknown[0]!r} for the jwt scheme; known "
                              f"options: {', '.join(OPTIONS)}.")
        header = opts.get("header")
        if not isinstance(header, str) or not header.strip():
            raise SchemeError("The jwt scheme needs option header=NAME (where the token is).")
        self.header = header.strip()
        algs = opts.get("algorithms", ["HS256"])
        if not isinstance(algs, list) or not algs or any(a not in ALGS for a in algs):
            raise SchemeError(f"Option algorithms must be a list from: {', '.join(ALGS)}.")
        if len({a[:2] for a in algs}) > 1:
            raise SchemeError("Option algorithms mixes shared-secret (HS) and public-key "
                              "algorithms; a provider uses one kind.")
        self.algorithms: tuple[str, ...] = tuple(algs)
        self.symmetric = self.algorithms[0].startswith("HS")
        self.issuer = opts.get("issuer")
        self.issuer_in_secret = bool(opts.get("issuer_in_secret", False))
        required = opts.get("required_claims", [])
        if not isinstance(required, list) or any(c not in CLAIMS for c in required):
            raise SchemeError(f"Option required_claims must be a list from: {', '.join(CLAIMS)}.")
        self.required = tuple(required)
        self.body_claim = opts.get("body_hash_claim")
        self.body_encoding = str(opts.get("body_hash_encoding", "hex"))
        if self.body_encoding not in ("hex", "base64"):
            raise SchemeError("Option body_hash_encoding must be hex or base64.")
        self.body_when = str(opts.get("body_hash_when", "always"))
        if self.body_when not in ("always", "non_empty"):
            raise SchemeError("Option body_hash_when must be always or non_empty.")
        #: Whether a changed body fails (monday.com's tokens carry no body hash).
        self.signs_body = bool(self.body_claim)
        self.url_claim = opts.get("url_hash_claim")
        self.needs_url = bool(self.url_claim)
        self.max_age = _int_option(opts, "max_age", None)
        self.default_tolerance = self.max_age
        self.leeway = _int_option(opts, "leeway", 0) or 0
        self.lifetime = _int_option(opts, "lifetime", 0) or 0
        self.key_id = opts.get("key_id")
        self.bearer = bool(opts.get("bearer", False))
        self.needs_timestamp = True

    def generate_secret(self) -> str:
        if self.symmetric:
            import secrets

            value = secrets.token_hex(32)
            return f"API{secrets.token_hex(6)}:{value}" if self.issuer_in_secret else value
        kind = "ec-p256" if self.algorithms[0] == "ES256" else "rsa"
        return keys.generate(kind).private

    @property
    def public_key_format(self) -> str | None:
        """What a consumer pastes to verify our tokens: a JWK for ES256/RS256 (Plaid serves
        JWKs), nothing for shared secrets."""
        return None if self.symmetric else "jwk"

    def _split(self, secret: str) -> tuple[str | None, str]:
        if not self.issuer_in_secret:
            return self.issuer, secret
        issuer, found, rest = secret.partition(":")
        if not found or not issuer or not rest:
            raise SecretError("Give the secret as API_KEY:API_SECRET (the key is the token's "
                              "issuer).")
        return issuer, rest

    # -- signing -------------------------------------------------------------------------------
    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        issuer, secret = self._split(first_secret(secrets))
        if not secret:
            raise SecretError("The secret is empty; give the signing secret.")
        now = int(data.timestamp if data.timestamp is not None else 0)
        claims: dict[str, Any] = {}
        if issuer:
            claims["iss"] = issuer
        claims["iat"] = now
        if "nbf" in self.required:
            claims["nbf"] = now
        if self.lifetime or "exp" in self.required:
            claims["exp"] = now + (self.lifetime or 60)
        claims["jti"] = data.id or str(uuid.uuid4())
        if self.url_claim:
            if not data.url:
                raise SecretError("This provider signs the URL: give the URL you post to.")
            claims[self.url_claim] = hashlib.sha256(data.url.encode()).hexdigest()
        if self.body_claim and (data.body or self.body_when == "always"):
            claims[self.body_claim] = body_hash(data.body, self.body_encoding)
        alg = self.algorithms[0]
        head: dict[str, Any] = {"alg": alg, "typ": "JWT"}
        private = None
        if not self.symmetric:
            private = keys.load_private(secret)
            want = "ec-p256" if alg == "ES256" else "rsa"
            if keys.kind_of(private) != want:
                raise SecretError(f"{alg} needs {'an EC P-256' if want == 'ec-p256' else 'an RSA'}"
                                  " private key; generate one with `webhook-studio keys new`.")
            if self.key_id:
                head["kid"] = self.key_id
        signing_input = (b64url(json.dumps(head, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode())).encode()
        if private is None:
            raw = hmac.new(secret.encode("utf-8"), signing_input, _HMAC[alg]).digest()
        else:
            raw = sign_bytes("rsa-sha256", private, signing_input)
            if isinstance(private, ec.EllipticCurvePrivateKey):
                r, s = utils.decode_dss_signature(raw)
                raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        token = signing_input.decode() + "." + b64url(raw)
        return {self.header: f"Bearer {token}" if self.bearer else token}

    # -- verification --------------------------------------------------------------------------
    def _bad(self, reason: Reason, message: str, **details: Any) -> Verdict:
        return Verdict(False, self.name, reason, message, details=dict(details))

    def verify(self, request: IncomingRequest, secrets: Sequence[str], *, now: float,
               tolerance: int | None = None, previous_secrets: Sequence[str] = ()) -> Verdict:
        value = request.header(self.header)
        if value is None:
            return missing(self.name, self.header)
        token = value.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        parts = token.split(".")
        if len(parts) != 3:
            return malformed(self.name, self.header,
                             f"a JWT has three dot-separated parts, this has {len(parts)}")
        try:
            head = json.loads(unb64url(parts[0]))
            claims = json.loads(unb64url(parts[1]))
            signature = unb64url(parts[2])
        except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
            return malformed(self.name, self.header, "its parts are not base64url JSON")
        if not isinstance(head, dict) or not isinstance(claims, dict):
            return malformed(self.name, self.header, "its header or claims are not JSON objects")
        alg = head.get("alg")
        if alg not in self.algorithms:
            return self._bad(Reason.UNSUPPORTED_VERSION,
                             f"The token's alg is {alg!r}; this provider signs with "
                             f"{'/'.join(self.algorithms)} only, so it is refused (a token "
                             "with alg 'none' or another algorithm is never trusted).",
                             alg=alg)
        if not secrets:
            return self._bad(Reason.NO_SECRET, "No secret or public key is configured, so "
                             "the token cannot be checked.")
        signing_input = f"{parts[0]}.{parts[1]}".encode()
        matched, problems, issuers = self._match(secrets, alg, signing_input, signature)
        if matched is None:
            if problems and len(problems) == len(secrets):
                return self._bad(Reason.INVALID_SECRET, problems[0])
            for index, prev in enumerate(previous_secrets):
                if self._match([prev], alg, signing_input, signature)[0] is not None:
                    return self._bad(Reason.NO_SIGNATURE_MATCHED,
                                     f"The token's {alg} signature matches previous secret "
                                     f"#{index + 1}: the sender has not picked up the rotated "
                                     "secret yet.", previous=index)
            what = "secret" if self.symmetric else "public key"
            return self._bad(Reason.NO_SIGNATURE_MATCHED,
                             f"The token's {alg} signature does not verify with the {what}"
                             f"{'' if len(secrets) == 1 else 's'}: a wrong {what}, or the "
                             "token was altered.", alg=alg)
        return self._claims(request, claims, now, tolerance, matched, len(secrets),
                            issuers[matched])

    def _match(self, secrets: Sequence[str], alg: str, signing_input: bytes, signature: bytes
               ) -> tuple[int | None, list[str], list[str | None]]:
        problems: list[str] = []
        issuers: list[str | None] = []
        for index, secret in enumerate(secrets):
            try:
                issuer, material = self._split(secret)
            except SecretError as exc:
                problems.append(str(exc))
                issuers.append(None)
                continue
            issuers.append(issuer)
            if alg in _HMAC:
                expected = hmac.new(material.encode("utf-8"), signing_input, _HMAC[alg]).digest()
                if hmac.compare_digest(expected, signature):
                    return index, problems, issuers
                continue
            try:
                public = keys.load_public(material)
            except SecretError as exc:
                problems.append(str(exc))
                continue
            want = "ec-p256" if alg == "ES256" else "rsa"
            if keys.kind_of(public) != want:
                problems.append(f"The key is not {'an EC P-256' if want == 'ec-p256' else 'an RSA'}"
                                f" public key, but the token is signed with {alg}.")
                continue
            sig = signature
            if want == "ec-p256":
                if len(signature) != 64:
                    continue
                sig = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                                 int.from_bytes(signature[32:], "big"))
            if verifies("rsa-sha256", public, sig, signing_input):
                return index, problems, issuers
        return None, problems, issuers

    def _claims(self, request: IncomingRequest, claims: dict[str, Any], now: float,
                tolerance: int | None, matched: int, total: int, issuer: str | None
                ) -> Verdict:
        ok = " The signature itself is valid."
        for claim in self.required:
            if claim not in claims:
                return self._bad(Reason.MALFORMED_HEADER,
                                 f"The token has no {claim} claim, which this provider always "
                                 f"sends.{ok}", claim=claim)
        if issuer is not None and claims.get("iss") != issuer:
            return self._bad(Reason.NO_SIGNATURE_MATCHED,
                             f"Claim iss is {claims.get('iss')!r}; expected {issuer!r}.{ok}",
                             claim="iss")
        limit = self.max_age if tolerance is None else tolerance
        if limit is None or limit >= 0:
            for claim in ("exp", "nbf", "iat"):
                if claim in claims and (isinstance(claims[claim], bool) or
                                        not isinstance(claims[claim], int | float)):
                    return self._bad(Reason.MALFORMED_HEADER,
                                     f"Claim {claim} is not a number.", claim=claim)
            skew = self.leeway
            if "exp" in claims and now > claims["exp"] + skew:
                late = int(now - claims["exp"])
                return self._bad(Reason.TIMESTAMP_TOO_OLD,
                                 f"The token expired {late} s ago (claim exp; {skew} s of skew "
                                 f"allowed).{ok} Re-sign it to replay.", claim="exp",
                                 skew_seconds=late)
            if "nbf" in claims and now < claims["nbf"] - skew:
                early = int(claims["nbf"] - now)
                return self._bad(Reason.TIMESTAMP_TOO_NEW,
                                 f"The token is not valid for another {early} s (claim nbf; "
                                 f"check the sender's clock).{ok}", claim="nbf",
                                 skew_seconds=-early)
            if limit is not None and "iat" in claims:
                age = int(now - claims["iat"])
                if age > limit + skew:
                    return self._bad(Reason.TIMESTAMP_TOO_OLD,
                                     f"The token was issued {age} s ago (claim iat); the "
                                     f"tolerance is {limit} s.{ok}", claim="iat",
                                     skew_seconds=age, tolerance=limit)
                if -age > limit + skew:
                    return self._bad(Reason.TIMESTAMP_TOO_NEW,
                                     f"The token claims to be issued {-age} s in the future "
                                     f"(claim iat); check the sender's clock.{ok}", claim="iat",
                                     skew_seconds=age)
        if self.url_claim:
            if not request.url:
                return self._bad(Reason.MISSING_URL, "This provider signs the URL: give the "
                                 "URL it posted to (the endpoint's public URL).")
            if not _same(claims.get(self.url_claim),
                         hashlib.sha256(request.url.encode()).hexdigest()):
                return self._bad(Reason.NO_SIGNATURE_MATCHED,
                                 f"Claim {self.url_claim} does not match {request.url}: the "
                                 "provider posted to another URL (query order, port, http/https"
                                 f" or a proxy's host). Set the endpoint's public URL.{ok}",
                                 claim=self.url_claim)
        if self.body_claim:
            verdict = self._body(request.body, claims, ok)
            if verdict is not None:
                return verdict
        return valid(self.name, matched, total, " Token signature and claims checked.")

    def _body(self, body: bytes, claims: dict[str, Any], ok: str) -> Verdict | None:
        name = str(self.body_claim)
        claimed = claims.get(name)
        if claimed is None:
            if body:
                return self._bad(Reason.NO_SIGNATURE_MATCHED,
                                 f"Claim {name} is not set but a body is present: the body was "
                                 f"added after signing.{ok}", claim=name)
            if self.body_when == "always":
                return self._bad(Reason.MALFORMED_HEADER,
                                 f"The token has no {name} claim.{ok}", claim=name)
            return None
        if not body and self.body_when == "non_empty":
            return self._bad(Reason.NO_SIGNATURE_MATCHED,
                             f"Claim {name} is set but the body is empty: the payload was "
                             f"removed in transit.{ok}", claim=name)
        if _same(claimed, body_hash(body, self.body_encoding)):
            return None
        for mistake, variant, sentence in diagnose.body_variants(body):
            if _same(claimed, body_hash(variant, self.body_encoding)):
                return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                               f"Claim {name} does not match the body, but {sentence}.{ok}",
                               mistake=mistake, details={"claim": name})
        other = "base64" if self.body_encoding == "hex" else "hex"
        if _same(claimed, body_hash(body, other)):
            return self._bad(Reason.NO_SIGNATURE_MATCHED,
                             f"Claim {name} is the body's SHA-256 in {other}; this provider "
                             f"writes it in {self.body_encoding}.{ok}", claim=name)
        return self._bad(Reason.NO_SIGNATURE_MATCHED,
                         f"Claim {name} does not match the body's SHA-256: the body changed "
                         f"after signing (it must reach the verifier byte-for-byte).{ok}",
                         claim=name)


def _same(claimed: Any, expected: str) -> bool:
    return isinstance(claimed, str) and hmac.compare_digest(
        claimed.encode("utf-8", "surrogatepass"), expected.encode())
