"""How a configured secret becomes the MAC key: providers disagree (research trap 6).

``utf8`` the string as is (Stripe keeps even its ``whsec_``); ``base64`` and ``hex`` decode it
(Airtable, Microsoft Teams; Adyen, Squarespace); ``whsec`` strips the prefix and decodes
(Standard Webhooks); ``nfkd`` normalises Unicode first (EasyPost); ``sha1`` keys with the SHA-1
digest of the secret (Braintree).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata

from webhook_studio.core.errors import SecretError
from webhook_studio.core.schemes._mac import whsec_secret_key

SECRET_ENCODINGS = ("utf8", "base64", "whsec", "hex", "nfkd", "sha1")


def transform_key(secret: str, encoding: str) -> bytes:
    """The key bytes for ``secret``; raises SecretError with a sentence when it cannot be."""
    if encoding == "whsec":
        return whsec_secret_key(secret)
    if encoding == "base64":
        try:
            return base64.b64decode(secret.strip() + "=" * (-len(secret.strip()) % 4),
                                    validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SecretError("The secret is not valid base64 (this provider's secret is "
                              "base64 and is decoded before use); copy it again.") from exc
    if encoding == "hex":
        try:
            return bytes.fromhex(secret.strip())
        except ValueError as exc:
            raise SecretError("The secret is not hex (this provider's key is hex and is "
                              "decoded before use); copy it again.") from exc
    if encoding == "nfkd":
        return unicodedata.normalize("NFKD", secret).encode("utf-8")
    if encoding == "sha1":
        return hashlib.sha1(secret.encode("utf-8")).digest()
    return secret.encode("utf-8")
