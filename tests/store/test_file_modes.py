"""Secrets at rest are protected by file modes (issue 14, item 8): the store and its -wal/-shm
files are 0600 after real writes, new folders 0700, whatever the umask; older, looser files we
own are tightened; folders the user chose are left alone."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from webhook_studio.api.token import load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.receiver.tls import ensure_certificate
from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import create_endpoint


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The common default: without care, files would be 0644 and folders 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_store_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "new-folder" / "studio.sqlite3"
    store = open_store(db)
    try:
        create_endpoint(store, path="/secret", scheme="github", secrets=["s3cr3t"])
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()  # a real write went through the WAL
        assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        assert mode(db.parent) == 0o700
    finally:
        store.dispose()


def test_an_older_store_made_world_readable_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    open_store(db).dispose()
    db.chmod(0o644)
    raw = sqlite3.connect(db)  # another connection keeps -wal/-shm on disk, 0644 too
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("INSERT INTO studio_meta (key, value) VALUES ('note', 'x')")
    raw.commit()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").chmod(0o644)
    store = open_store(db)
    try:
        assert [mode(Path(f"{db}{s}")) for s in ("", "-wal", "-shm")] == [0o600] * 3
    finally:
        store.dispose()
        raw.close()


def test_the_default_data_folder_is_owner_only(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "xdg" / "webhook-studio"
    folder.mkdir(parents=True, mode=0o755)  # made by an older version
    ctx = AppContext.open()
    try:
        assert ctx.data_dir == folder
        assert mode(folder) == 0o700
        assert mode(folder / "studio.sqlite3") == 0o600
        load_or_create_token(ctx.data_dir)
        assert mode(folder / "api-token") == 0o600
    finally:
        ctx.close()


def test_a_folder_chosen_for_db_is_left_as_it_is(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    ctx = AppContext.open(project / "hooks.sqlite3")
    try:
        assert ctx.data_dir == project
        assert mode(project) == 0o755  # the user's folder: not ours to change
        assert mode(project / "hooks.sqlite3") == 0o600  # the file with the secrets is
    finally:
        ctx.close()


def test_token_and_tls_key_are_written_owner_only(tmp_path: Path) -> None:
    token = load_or_create_token(tmp_path)
    assert mode(tmp_path / "api-token") == 0o600
    (tmp_path / "api-token").chmod(0o644)  # readable by others, but ours and unchanged
    assert load_or_create_token(tmp_path) == token
    assert mode(tmp_path / "api-token") == 0o600
    certificate = ensure_certificate(tmp_path / "tls")
    assert mode(tmp_path / "tls") == 0o700
    assert (mode(certificate.key_path), mode(certificate.cert_path)) == (0o600, 0o600)
    assert ensure_certificate(tmp_path / "tls").fingerprint == certificate.fingerprint
