"""Defect 8 of issue 14: the TLS key and the API token were read from the data folder without
checking their owner or mode, so files planted by another user were used. Through the real CLI
in subprocesses: a token or key owned by another user, writable by others, or a link planted by
another user is refused with a sentence saying how to fix it; nothing starts listening."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from webhook_studio.receiver.tls import ensure_certificate

NOBODY = pwd.getpwnam("nobody").pw_uid
PLANTED = "planted-token-chosen-by-someone-else"

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a file to another user needs root (chown)")


def cli(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *argv], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def plant_token(folder: Path, mode: int, owner: int | None = None) -> Path:
    path = folder / "api-token"
    path.write_text(PLANTED + "\n")
    path.chmod(mode)
    if owner is not None:
        os.chown(path, owner, -1)
    return path


def assert_refused(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert PLANTED not in run.stdout
    assert "listening on" not in run.stdout and "api on" not in run.stdout
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


@needs_root
def test_a_token_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    plant_token(tmp_path, 0o600, NOBODY)
    db = str(tmp_path / "s.sqlite3")
    assert_refused(cli("token", "--db", db), "belongs to another user", f"uid {NOBODY}",
                   "delete")
    assert_refused(cli("serve", "--port", "0", "--api-port", "0", "--db", db),
                   "belongs to another user")


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666], ids=["group-writable", "world-writable",
                                                             "0666"])
def test_a_token_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = plant_token(tmp_path, mode)
    assert_refused(cli("token", "--db", str(tmp_path / "s.sqlite3")),
                   "can be changed by other users", f"chmod 600 {path}")


@needs_root
def test_a_link_planted_by_another_user_is_refused(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.write_text(PLANTED + "\n")
    mine.chmod(0o600)
    link = tmp_path / "api-token"
    link.symlink_to(mine)
    os.lchown(link, NOBODY, -1)
    assert_refused(cli("token", "--db", str(tmp_path / "s.sqlite3")),
                   "is a link made by another user")


def test_after_chmod_600_the_token_is_used(tmp_path: Path) -> None:
    """The fix the sentence gives works: the token is the user's own again."""
    path = plant_token(tmp_path, 0o666)
    assert cli("token", "--db", str(tmp_path / "s.sqlite3")).returncode == 2
    path.chmod(0o600)
    run = cli("token", "--db", str(tmp_path / "s.sqlite3"))
    assert (run.returncode, run.stdout.strip()) == (0, PLANTED)


@needs_root
@pytest.mark.parametrize("which", ["receiver-key.pem", "receiver-cert.pem"])
def test_a_tls_key_pair_owned_by_another_user_is_refused(tmp_path: Path, which: str) -> None:
    ensure_certificate(tmp_path / "tls")
    os.chown(tmp_path / "tls" / which, NOBODY, -1)
    run = cli("listen", "--tls", "--port", "0", "--db", str(tmp_path / "s.sqlite3"))
    assert_refused(run, "belongs to another user", str(tmp_path / "tls" / which))


def test_a_tls_key_others_can_write_is_refused(tmp_path: Path) -> None:
    certificate = ensure_certificate(tmp_path / "tls")
    certificate.key_path.chmod(0o664)
    run = cli("listen", "--tls", "--port", "0", "--db", str(tmp_path / "s.sqlite3"))
    assert_refused(run, "TLS private key", f"chmod 600 {certificate.key_path}")


def test_deleting_a_refused_tls_pair_makes_a_new_one(tmp_path: Path) -> None:
    old = ensure_certificate(tmp_path / "tls")
    old.key_path.chmod(0o666)
    old.key_path.unlink()
    old.cert_path.unlink()
    proc = subprocess.Popen([sys.executable, "-m", "webhook_studio", "listen", "--tls",
                             "--port", "0", "--db", str(tmp_path / "s.sqlite3")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("listening on https://")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert old.fingerprint not in err and "SHA-256" in err
    assert oct(old.key_path.stat().st_mode & 0o777) == oct(0o600)
