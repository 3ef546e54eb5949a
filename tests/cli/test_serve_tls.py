"""``serve --tls``: the headless receiver over HTTPS with the kept certificate, whose
fingerprint it prints and whose certificate it really serves."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import ssl
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from webhook_studio.receiver.tls import ensure_certificate


def served_fingerprint(url: str) -> str:
    """The SHA-256 of the certificate the server at ``url`` presents, as the app writes it."""
    parts = urlsplit(url)
    pem = ssl.get_server_certificate((parts.hostname or "127.0.0.1", parts.port or 443),
                                     timeout=20)
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).digest()
    return ":".join(f"{b:02X}" for b in digest)


async def test_serve_tls_receives_over_https_with_the_printed_fingerprint(
        tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "serve", "--tls", "--port", "0",
         "--api-port", "0", "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 40)
        second = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 40)
        assert first.startswith(b"listening on https://127.0.0.1:"), first
        assert second.startswith(b"api on http://127.0.0.1:"), second
        receiver = first.decode().split()[-1]
        announced = (await asyncio.wait_for(asyncio.to_thread(proc.stderr.readline), 40)
                     ).decode()
        kept = ensure_certificate(tmp_path / "tls")  # the pair serve made, read back
        assert announced.strip() == (f"TLS certificate {kept.cert_path} "
                                     f"(SHA-256 {kept.fingerprint})")
        assert await asyncio.to_thread(served_fingerprint, receiver) == kept.fingerprint
        pinned = ssl.create_default_context(cafile=str(kept.cert_path))
        async with aiohttp.ClientSession() as http, http.post(
                f"{receiver}/over-tls", data=b"{}", ssl=pinned) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def test_serve_help_names_tls() -> None:
    done = subprocess.run([sys.executable, "-m", "webhook_studio", "serve", "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "--tls" in done.stdout and "fingerprint" in done.stdout
