"""Key pairs for asymmetric providers (Discord, Telnyx, SendGrid, Plaid, PayPal, Wise…).

Emulating such a provider means signing with a private key the app made and handing the
consumer the public key in the provider's own format (Discord: hex; Telnyx: base64 of the 32
raw bytes; SendGrid: base64 DER SubjectPublicKeyInfo; Plaid: a JWK). Verifying means reading a
public key the user pasted in whichever of those forms. Pure: nothing is stored or fetched here
(certificates are never downloaded; the user pastes them).

A private key travels as one line of base64 PKCS#8 DER, so it fits a one-line secret field;
PEM is accepted too.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from webhook_studio.core.errors import SecretError

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

#: Key kinds a profile can ask for: what each asymmetric algorithm signs with.
KINDS = ("ed25519", "ec-p256", "rsa")


@dataclass(frozen=True)
class KeyPair:
    """A fresh pair: ``private`` is the secret to sign with, ``public`` its forms by name."""

    kind: str
    private: str
    public: dict[str, str]


def kind_of(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "ec-p256"
    return "rsa"


def generate(kind: str, rsa_bits: int = 2048) -> KeyPair:
    """A new key pair of ``kind`` (one of :data:`KINDS`)."""
    private: PrivateKey
    if kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    elif kind == "ec-p256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif kind == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    else:
        raise SecretError(f"Unknown key kind {kind!r}; choose one of: {', '.join(KINDS)}.")
    return KeyPair(kind, private_text(private), public_forms(private.public_key()))


def private_text(key: PrivateKey) -> str:
    """One line: base64 of the PKCS#8 DER encoding."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return base64.b64encode(der).decode("ascii")


def private_pem(key: PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def public_forms(key: PublicKey) -> dict[str, str]:
    """Every form a provider's consumer may be asked to paste, by name."""
    spki = key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = key.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    forms = {"pem": pem, "der_base64": base64.b64encode(spki).decode("ascii")}
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        forms["hex"] = raw.hex()
        forms["base64"] = base64.b64encode(raw).decode("ascii")
    forms["jwk"] = json.dumps(jwk(key), separators=(",", ":"))
    return forms


def _b64url(number: int, length: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(length, "big")).rstrip(b"=").decode()


def jwk(key: PublicKey) -> dict[str, Any]:
    """The public JWK (RFC 7517) of a key."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        nums = key.public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": _b64url(nums.x, 32), "y": _b64url(nums.y, 32),
                "alg": "ES256", "use": "sig"}
    if isinstance(key, rsa.RSAPublicKey):
        rsa_nums = key.public_numbers()
        size = (rsa_nums.n.bit_length() + 7) // 8
        return {"kty": "RSA", "n": _b64url(rsa_nums.n, size),
                "e": _b64url(rsa_nums.e, (rsa_nums.e.bit_length() + 7) // 8),
                "alg": "RS256", "use": "sig"}
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519",
            "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}


# -- reading keys -------------------------------------------------------------------------------
def _decode(text: str) -> bytes | None:
    """Hex or base64 (standard or URL-safe, padding optional), else None."""
    compact = "".join(text.split())
    if compact and len(compact) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in compact):
        return bytes.fromhex(compact)
    padded = compact + "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(padded.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    try:
        return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


@lru_cache(maxsize=64)
def load_private(text: str) -> PrivateKey:
    """A private key from PEM, one-line base64/hex PKCS#8 DER, or a 64-byte NaCl Ed25519 key
    (seed and public half). 32 raw bytes are refused: dashboards show public keys that way, and
    signing with one as a seed would make signatures nobody can check. Raises
    :class:`SecretError` with a sentence. Cached: RSA keys are slow to load and every delivery
    signs."""
    value = text.strip()
    if not value:
        raise SecretError("The private key is empty; generate one with "
                          "`webhook-studio keys new --profile NAME`.")
    try:
        if value.startswith("-----BEGIN"):
            key: Any = serialization.load_pem_private_key(value.encode(), password=None)
        else:
            raw = _decode(value)
            if raw is None:
                raise SecretError("The private key is neither PEM nor base64/hex DER.")
            if len(raw) == 32:
                raise SecretError("This is 32 raw bytes: the form in which Discord and Telnyx "
                                  "show PUBLIC keys, which cannot sign. Sign with a private key "
                                  "from `webhook-studio keys new` (PEM or one-line PKCS#8).")
            if len(raw) == 64:  # libsodium/NaCl form: seed followed by the public key
                return ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32])
            key = serialization.load_der_private_key(raw, password=None)
    except SecretError:
        raise
    except (ValueError, TypeError) as exc:
        raise SecretError("The private key cannot be read (expected PEM or base64 PKCS#8 "
                          "DER, unencrypted).") from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
                      | rsa.RSAPrivateKey):
        raise SecretError("The private key is not an Ed25519, EC P-256 or RSA key.")
    return key


def _from_jwk(data: dict[str, Any]) -> PublicKey:
    def num(name: str) -> int:
        raw = str(data.get(name, ""))
        return int.from_bytes(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)), "big")

    kty = data.get("kty")
    if kty == "EC" and data.get("crv") == "P-256":
        return ec.EllipticCurvePublicNumbers(num("x"), num("y"), ec.SECP256R1()).public_key()
    if kty == "RSA":
        return rsa.RSAPublicNumbers(num("e"), num("n")).public_key()
    if kty == "OKP" and data.get("crv") == "Ed25519":
        raw = str(data.get("x", ""))
        return ed25519.Ed25519PublicKey.from_public_bytes(
            base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    raise SecretError(f"The JWK has kty={kty!r} crv={data.get('crv')!r}; only EC P-256, RSA "
                      "and Ed25519 keys are supported.")


@lru_cache(maxsize=64)
def load_public(text: str) -> PublicKey:
    """A public key (cached: the receiver checks every request) from what a provider's
    dashboard shows: PEM (public key, certificate or a private key, whose public half is
    used), base64 DER SubjectPublicKeyInfo, a JWK (JSON, also Plaid's ``{"key": {…}}``
    answer), or 32 raw Ed25519 bytes in hex or base64."""
    value = text.strip()
    if not value:
        raise SecretError("The public key is empty; paste the provider's verification key.")
    try:
        if value.startswith("{"):
            data = json.loads(value)
            if isinstance(data, dict) and isinstance(data.get("key"), dict):
                data = data["key"]
            if not isinstance(data, dict):
                raise SecretError("The JWK is not a JSON object.")
            return _from_jwk(data)
        if value.startswith("-----BEGIN CERTIFICATE"):
            cert_key: Any = x509.load_pem_x509_certificate(value.encode()).public_key()
            return _checked_public(cert_key)
        if value.startswith("-----BEGIN") and "PRIVATE KEY" in value.split("\n", 1)[0]:
            return load_private(value).public_key()
        if value.startswith("-----BEGIN"):
            return _checked_public(serialization.load_pem_public_key(value.encode()))
        raw = _decode(value)
        if raw is None:
            raise SecretError("The public key is neither PEM, JWK, nor base64/hex.")
        if len(raw) == 32:
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        try:
            return _checked_public(serialization.load_der_public_key(raw))
        except ValueError:
            return load_private(value).public_key()
    except SecretError:
        raise
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise SecretError("The public key cannot be read: paste it as PEM, base64 DER, a JWK, "
                          "or (Ed25519) 32 bytes in hex or base64.") from exc


def _checked_public(key: Any) -> PublicKey:
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
                      | rsa.RSAPublicKey):
        raise SecretError("The key is not an Ed25519, EC P-256 or RSA public key.")
    return key


def consumer_keys(secret: str, form: str | None) -> dict[str, Any]:
    """What to show beside a signing secret: the public key in the provider's ``form`` (a
    :func:`public_forms` name; None for shared secrets), every form, and the one-line secret
    of an endpoint that checks the deliveries. ``WEBHOOK_ID|KEY`` secrets keep their id."""
    out: dict[str, Any] = {"public_key_format": form, "public_key": None, "public": {},
                           "endpoint_secret": secret}
    if form is None:
        return out
    webhook_id, found, material = secret.partition("|")
    forms = public_forms(load_private(material if found else secret).public_key())
    one_line = forms[form] if form != "pem" else forms["der_base64"]
    out.update(public=forms, public_key=forms[form],
               endpoint_secret=f"{webhook_id}|{one_line}" if found else one_line)
    if found:
        out["webhook_id"] = webhook_id
    return out
