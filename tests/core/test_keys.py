"""Key pairs for emulating asymmetric providers: every form a consumer may paste reads back as
the same key, bad input is a sentence, and ``keys new`` hands out a working pair."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.core import keys
from webhook_studio.core.errors import SecretError


def spki(key: keys.PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module", params=keys.KINDS)
def pair(request: pytest.FixtureRequest) -> keys.KeyPair:
    return keys.generate(request.param, rsa_bits=2048)


def test_every_public_form_reads_back_as_the_same_key(pair: keys.KeyPair) -> None:
    private = keys.load_private(pair.private)
    want = spki(private.public_key())
    assert "\n" not in pair.private  # one line: fits a secret field
    expected = {"pem", "der_base64", "jwk"} | ({"hex", "base64"} if pair.kind == "ed25519"
                                               else set())
    assert set(pair.public) == expected
    for form, text in pair.public.items():
        assert spki(keys.load_public(text)) == want, form
    assert spki(keys.load_public(keys.private_pem(private))) == want  # a private key verifies
    assert keys.kind_of(private) == pair.kind


def test_a_pasted_certificate_and_plaids_jwk_answer_are_read() -> None:
    pair = keys.generate("ec-p256")
    private = keys.load_private(pair.private)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messageverification.test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(private.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(private, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    assert spki(keys.load_public(pem)) == spki(private.public_key())
    plaid_answer = json.dumps({"key": json.loads(pair.public["jwk"]), "request_id": "x"})
    assert spki(keys.load_public(plaid_answer)) == spki(private.public_key())


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"),
    ("not a key at all!", "neither PEM"),
    ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "cannot be read"),
    ('{"kty": "oct", "k": "c2VjcmV0"}', "kty='oct'"),
    ("AAECAwQF", "cannot be read"),
])
def test_unreadable_public_keys_are_explained(text: str, words: str) -> None:
    with pytest.raises(SecretError) as caught:
        keys.load_public(text)
    assert words in str(caught.value)


def test_unreadable_private_keys_are_explained() -> None:
    with pytest.raises(SecretError, match="keys new"):
        keys.load_private("  ")
    with pytest.raises(SecretError, match="cannot be read"):
        keys.load_private("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
    with pytest.raises(SecretError, match="Unknown key kind"):
        keys.generate("dsa")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=120).map(lambda b: b.hex()))
def test_any_text_is_a_key_or_a_sentence(text: str) -> None:
    for loader in (keys.load_public, keys.load_private):
        problem = ""
        try:
            loader(text)
        except SecretError as exc:
            problem = str(exc)
        assert problem == "" or problem.endswith(".")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *args], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.slow
def test_keys_new_hands_out_a_pair_that_signs_and_verifies(tmp_path: Path) -> None:
    made = run("keys", "new", "--profile", "discord", "--json")
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert report["public_key_format"] == "hex" and len(report["public_key"]) == 64
    body = tmp_path / "ping.json"
    body.write_text('{"type":1}')
    signed = run("sign", "--profile", "discord", f"--secret={report['secret']}",
                 "--timestamp", "1709288100", "--body-file", str(body))
    assert signed.returncode == 0, signed.stderr
    headers = json.loads(signed.stdout)
    args = ["verify", "--profile", "discord", f"--secret={report['endpoint_secret']}",
            "--now", "1709288100", "--body-file", str(body)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    checked = run(*args)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "valid" in checked.stdout
    public = run("keys", "public", "--profile", "discord", f"--secret={report['secret']}")
    assert report["public_key"] in public.stdout
    missing = run("keys", "new", "--profile", "no-such-provider")
    assert missing.returncode == 2 and "No profile named" in missing.stderr


def test_a_subscription_takes_the_private_key_and_refuses_the_public_one() -> None:
    """What the subscription editor checks: a private key signs; the public one cannot."""
    from webhook_studio.core.validation import SubscriptionForm, validate_subscription

    pair = keys.generate("ed25519")
    form = SubscriptionForm(url="https://consumer.example/interactions", events="*",
                            scheme="discord", secret=pair.private, retry="0", timeout="3")
    _, errors = validate_subscription(form)
    assert errors == {}
    form.secret = pair.public["hex"]
    _, errors = validate_subscription(form)
    assert "secret" in errors and "private key" in errors["secret"]
