"""``sign --profile NAME`` prints every header the provider sends on a delivery, so its output
posts straight to a consumer that checks like the provider's: here a real ``listen --profile``
in another process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SECRET = "envoyou-cli-secret"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *args], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "listen.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "webhook_studio", "listen", "--port", "0",
                             "--profile", "envoyou", "--secret", SECRET, "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert line.startswith("listening on http://127.0.0.1:"), line
    yield line.split()[-1], db
    proc.terminate()
    proc.wait(timeout=30)
    proc.stdout.close()


def test_sign_output_posts_straight_to_a_listener_with_the_same_profile(
        listening: tuple[str, Path], tmp_path: Path) -> None:
    url, db = listening
    body = tmp_path / "body.json"
    body.write_text('{"id":"evt_1","type":"user.created","data":{"object":{"id":"user_123"}}}')
    signed = cli("sign", "--profile", "envoyou", "--secret", SECRET, "--event", "user.created",
                 "--body-file", str(body))
    assert signed.returncode == 0, signed.stderr
    headers = json.loads(signed.stdout)
    for name in ("X-EnvoyOU-Signature", "X-EnvoyOU-Timestamp", "X-EnvoyOU-Nonce",
                 "X-EnvoyOU-Webhook-ID", "X-EnvoyOU-Event-Type", "Content-Type"):
        assert name in headers, (name, headers)
    assert headers["X-EnvoyOU-Event-Type"] == "user.created"

    first = httpx.post(f"{url}/hooks/envoyou", content=body.read_bytes(), headers=headers,
                       timeout=30)
    assert first.status_code == 200, first.text
    again = httpx.post(f"{url}/hooks/envoyou", content=body.read_bytes(), headers=headers,
                       timeout=30)  # the same nonce again: a replay

    listed = cli("captures", "list", "--json", "--db", str(db))
    captures = sorted(json.loads(listed.stdout), key=lambda c: c["id"])
    assert captures[0]["verification"]["valid"] is True, captures[0]["verification"]
    assert captures[1]["verification"]["reason"] == "replayed_nonce", again.text


def test_sign_without_a_profile_prints_only_the_signature_headers(tmp_path: Path) -> None:
    body = tmp_path / "b.json"
    body.write_text("{}")
    signed = cli("sign", "--scheme", "github", "--secret", "s", "--body-file", str(body))
    assert set(json.loads(signed.stdout)) == {"X-Hub-Signature-256", "X-Hub-Signature"}
