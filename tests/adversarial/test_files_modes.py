"""Defect 8 of issue 14: the database and its -wal/-shm files were created 0644 with endpoint and
subscription secrets in clear text. Real processes under a umask of 022 (files 0644 unless the
program takes care): after real writes, while they run, every file that holds a secret is 0600
and the data folder 0700."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def start(*argv: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "webhook_studio", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=lambda: os.umask(0o022))


def first_line(proc: subprocess.Popen[str], prefix: str) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith(prefix), (line, proc.stderr.read() if proc.poll() is not None
                                     and proc.stderr else "")
    return line.split()[-1]


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.communicate(timeout=30)


def post(url: str, body: bytes = b"{}", headers: dict[str, str] | None = None,
         method: str = "POST") -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text.startswith(b"{") else text


def test_listen_writes_its_store_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "new" / "listen.sqlite3"
    proc = start("listen", "--port", "0", "--db", str(db), "--scheme", "github",
                 "--secret", "s3cr3t-in-clear-text")
    try:
        url = first_line(proc, "listening on ")
        for i in range(20):
            post(f"{url}/hooks/{i}")
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists() and wal.stat().st_size > 0
        assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        assert mode(db.parent) == 0o700
    finally:
        stop(proc)


def test_serve_in_the_default_data_folder_is_owner_only(tmp_path: Path) -> None:
    """No --db: the per-user folder (here under XDG_DATA_HOME) holds the store with endpoint
    and subscription secrets, the API token and the TLS key."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    proc = start("serve", "--port", "0", "--api-port", "0", env=env)
    folder = tmp_path / "xdg" / "webhook-studio"
    try:
        first_line(proc, "listening on ")
        api = first_line(proc, "api on ")
        token = (folder / "api-token").read_text().strip()
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        created = post(f"{api}/api/v1/webhooks", json.dumps(
            {"url": "http://127.0.0.1:9/x", "events": ["*"]}).encode(), auth)
        assert created["secret"]
        post(f"{api}/api/v1/endpoints", json.dumps(
            {"path": "/gh", "scheme": "github", "secrets": ["endpoint-secret"]}).encode(), auth)
        db = folder / "studio.sqlite3"
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), folder / "api-token"]
        assert [mode(f) for f in files] == [0o600] * 4
        assert mode(folder) == 0o700
    finally:
        stop(proc)
    tls = start("listen", "--tls", "--port", "0", env=env)
    try:
        first_line(tls, "listening on https://")
        assert mode(folder / "tls") == 0o700
        assert mode(folder / "tls" / "receiver-key.pem") == 0o600
    finally:
        stop(tls)
