"""Help ▸ About: which version runs and where its data lives; notices shown at start.

An installed copy is found by people who ask "which version is this, and where are my
captures?": both answers are here, with buttons to copy the data folder's path or open it.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import cast

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from webhook_studio import __version__
from webhook_studio.context import AppContext


def describe_store(url: str) -> str:
    """The store's location for people: a file path, or the URL without its password."""
    from webhook_studio.store.window_reads import describe_url

    return describe_url(url)


def about_text(ctx: AppContext) -> str:
    frozen = getattr(sys, "frozen", False)
    licences = Path(sys.executable).resolve().parent / "THIRD_PARTY_LICENSES"
    lines = [
        f"<h3>Webhook Studio {__version__}</h3>",
        "<p>Receive, verify, send, relay and replay webhooks.</p>",
        f"<p><b>Data folder:</b> {ctx.data_dir}<br>",
        f"<b>Database:</b> {describe_store(ctx.store.url)}</p>",
        f"<p>Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"{'installed build' if frozen else 'running from source'}.</p>",
    ]
    if frozen and licences.exists():
        lines.append(f"<p>Third-party licences: {licences}</p>")
    return "".join(lines)


def open_about(window: QWidget, ctx: AppContext) -> QMessageBox:
    box = QMessageBox(window)
    box.setObjectName("about_dialog")
    box.setWindowTitle("About Webhook Studio")
    box.setText(about_text(ctx))
    copy = box.addButton("Copy data folder path", QMessageBox.ButtonRole.ActionRole)
    reveal = box.addButton("Open data folder", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    # Action buttons close the box by default; keep it open after copying.
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(ctx.data_dir)))
    reveal.clicked.disconnect()
    reveal.clicked.connect(
        lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(ctx.data_dir))))
    box.open()
    return box


def install_help_menu(window: QMainWindow, ctx: AppContext) -> QAction:
    """Add Help ▸ About Webhook Studio to the window's menu bar; returns the action."""
    found = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
    menu = cast(QMenu, found[0]) if found else window.menuBar().addMenu("&Help")
    action = QAction("&About Webhook Studio", window)
    action.setObjectName("about_action")
    action.setMenuRole(QAction.MenuRole.AboutRole)
    action.triggered.connect(lambda _checked=False: open_about(window, ctx))
    menu.addAction(action)
    return action


def show_notice(window: QWidget, text: str) -> QMessageBox:
    """A message that stays until read (the status bar's would vanish)."""
    box = QMessageBox(QMessageBox.Icon.Information, "Webhook Studio", text,
                      QMessageBox.StandardButton.Ok, window)
    box.setObjectName("start_notice")
    box.open()
    return box

