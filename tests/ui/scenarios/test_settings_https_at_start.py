"""Serve HTTPS, saved in Settings, is read when the app starts (it was saved and ignored)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from webhook_studio.app import run_app


def test_the_saved_https_setting_is_used_at_start(qapp: object, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("receiver/tls", "true")
    settings.sync()
    assert not (tmp_path / "tls").exists()
    assert run_app(tmp_path / "gui.sqlite3", close_after_ms=800, port=0) == 0
    made = sorted(p.suffix for p in (tmp_path / "tls").iterdir())
    assert ".pem" in made  # the kept self-signed certificate the receiver served with
