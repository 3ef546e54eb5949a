"""Public-key signature primitives for the asymmetric schemes (Ed25519, ECDSA P-256, RSA
PKCS#1 v1.5): signing, verifying that never raises, key ids and the secret's parts.

Kept apart from :mod:`asymmetric` (the configurable scheme) so the JWT scheme can share them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from webhook_studio.core import keys
from webhook_studio.core.errors import SecretError

ALGORITHMS = {"ed25519": "ed25519", "ecdsa-p256-sha256": "ec-p256",
              "ecdsa-p256-sha1": "ec-p256", "rsa-sha256": "rsa", "rsa-sha1": "rsa",
              "rsa-sha512": "rsa"}
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "rsa-sha256": hashes.SHA256, "rsa-sha1": hashes.SHA1, "rsa-sha512": hashes.SHA512,
    "ecdsa-p256-sha256": hashes.SHA256, "ecdsa-p256-sha1": hashes.SHA1}
KIND_NAMES = {"ed25519": "an Ed25519", "ec-p256": "an EC P-256", "rsa": "an RSA"}


def sign_bytes(algorithm: str, key: keys.PrivateKey, message: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(HASHES.get(algorithm, hashes.SHA256)()))
    return key.sign(message, padding.PKCS1v15(), HASHES[algorithm]())


def verifies(algorithm: str, key: keys.PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is ``key``'s over ``message``; never raises."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(HASHES.get(algorithm, hashes.SHA256)()))
        else:
            key.verify(signature, message, padding.PKCS1v15(), HASHES[algorithm]())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def split_webhook_id(secret: str) -> tuple[str, str]:
    """``WEBHOOK_ID|KEY`` (or the id on its own first line) into its two parts."""
    text = secret.strip()
    for sep in ("|", "\n"):
        head, found, tail = text.partition(sep)
        if found and not head.startswith("-----") and head.strip():
            return head.strip(), tail.strip()
    raise SecretError("This provider signs your webhook id: give the secret as "
                      "WEBHOOK_ID|KEY (the id from the provider's dashboard, a vertical bar, "
                      "then the key).")


def key_id(key: keys.PublicKey) -> str:
    """A stable id for a key (UUID-shaped, from its SPKI hash), for ``key_id_header``."""
    spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    h = hashlib.sha256(spki).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"



def json_signature(text: str) -> str | None:
    """The ``signature`` field of a base64 JSON header (eBay's X-EBAY-SIGNATURE), else None."""
    try:
        data = json.loads(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    value = data.get("signature") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None

