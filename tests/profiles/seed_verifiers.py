"""The seeds' own Python verification code, translated faithfully (names and all), so our
signing is checked against what their integrators actually run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def paissive_verify_webhook_signature(payload: str, signature: str, secret: str) -> bool:
    """Seed 000 (Python example)."""
    expected_signature = base64.b64encode(
        hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected_signature, signature)


ALLOWED_DRIFT = 300


def envoyou_canonical_json(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def envoyou_verify_signature(payload: dict[str, object], signature: str, timestamp: str,
                             secret: bytes, now: float | None = None) -> bool:
    """Seed 001 (FastAPI example); ``now`` added so the test controls the clock."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = int(time.time() if now is None else now)
    if abs(current - ts) > ALLOWED_DRIFT:
        return False
    body = f"{timestamp}.".encode() + envoyou_canonical_json(payload).encode()
    digest = hmac.new(secret, body, hashlib.sha256).hexdigest()
    expected = f"v1,{digest}"
    try:
        return hmac.compare_digest(signature, expected)
    except Exception:
        return False


def brainsait_verify_webhook_signature(payload: bytes, signature: str, secret: str) -> bool:
    """Seed 002 (Flask example)."""
    expected_signature = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected_signature)


def leads_verify(payload: str, signature: str, secret: str) -> bool:
    """Seed 003 (Flask example)."""
    expected_signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected_signature)


def ops_center_verify_webhook(payload: str, signature: str, secret: str) -> bool:
    """Seed 004."""
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected)
