"""Explaining an asymmetric signature that does not verify: which common mistake it is.

Tried only after every key failed, so a valid request never pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import utils

from webhook_studio.core import diagnose, keys
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.schemes._pubkey import verifies
from webhook_studio.core.verdict import Mistake, Reason, Verdict

if TYPE_CHECKING:
    from webhook_studio.core.schemes.asymmetric import Asymmetric


def explain_mismatch(scheme: Asymmetric, request: IncomingRequest,
                     loaded: Sequence[tuple[str | None, keys.PublicKey]], signature: bytes,
                     sig_text: str, message: Any, seconds: int | None) -> Verdict:
    """Why no key verifies: a mistake we can name (a re-serialised body, hex for base64,
    raw r‖s for DER, milliseconds for seconds) or the two causes left."""
    count = "the public key" if len(loaded) == 1 else f"any of the {len(loaded)} keys"

    def found(mistake: Mistake, sentence: str) -> Verdict:
        return Verdict(False, scheme.name, Reason.NO_SIGNATURE_MATCHED,
                       f"The signature does not verify with {count}, but {sentence}.",
                       mistake=mistake)

    def any_key(body: bytes, sig: bytes, stamp: str | None = None) -> bool:
        return any(verifies(scheme.algorithm, key, sig,
                            message(body, wid, stamp) if stamp else message(body, wid))
                   for wid, key in loaded)

    for mistake, body, sentence in diagnose.body_variants(request.body):
        if any_key(body, signature):
            return found(mistake, sentence)
    other = "base64" if scheme.encoding == "hex" else "hex"
    swapped = scheme._decode(sig_text, other)
    if swapped is not None and any_key(request.body, swapped):
        return found(Mistake.HEX_INSTEAD_OF_BASE64 if other == "hex"
                     else Mistake.BASE64_INSTEAD_OF_HEX,
                     f"it verifies when read as {other}: the sender wrote the signature in "
                     f"{other} instead of {scheme.encoding}")
    if scheme.kind == "ec-p256" and len(signature) == 64:
        der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                         int.from_bytes(signature[32:], "big"))
        if any_key(request.body, der):
            return Verdict(False, scheme.name, Reason.MALFORMED_HEADER,
                           "The signature is raw r‖s (64 bytes); this provider sends the "
                           "DER encoding. The content and key are right: encode the "
                           "signature as DER.", details={"header": scheme.header})
    if seconds is not None and scheme.timestamp_format == "unix" and any_key(
            request.body, signature, str(seconds * 1000)):
        return found(Mistake.TIMESTAMP_IN_MILLISECONDS,
                     "it was signed over the timestamp in milliseconds while the header "
                     "carries seconds")
    return Verdict(False, scheme.name, Reason.NO_SIGNATURE_MATCHED,
                   f"The {scheme.algorithm} signature does not verify with {count}: either "
                   "the key is not the one the sender signs with (check you pasted the "
                   "right verification key; production and sandbox keys differ), or the "
                   "signed content changed on the way (the body must reach the verifier "
                   "byte-for-byte as sent).")

