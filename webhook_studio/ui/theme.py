"""Light and dark, following the system; one small stylesheet for the sidebar and badges.

Fusion is used everywhere so the window looks the same on every platform; its palette is
switched when the system colour scheme changes (Qt >= 6.5 reports it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

SIDEBAR_QSS = """
QListWidget#sidebar { border: none; padding-top: 8px; font-size: 13px; }
QListWidget#sidebar::item { padding: 8px 14px; border-radius: 6px; margin: 1px 6px; }
QListWidget#sidebar::item:selected { background: palette(highlight);
                                     color: palette(highlighted-text); }
QLabel[role="heading"] { font-size: 17px; font-weight: 600; }
QLabel[role="muted"] { color: palette(placeholder-text); }
"""


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1f2125"), QColor("#2a2d32"), QColor("#e6e6e6")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#26292e"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, window)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.ToolTipBase, base)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8b8f96"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#3b82f6"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.Link, QColor("#6ea8fe"))
    return p


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)


def apply_theme(app: QApplication) -> None:
    """Fusion, the palette of the system's scheme, and re-apply when the scheme changes."""
    app.setStyle("Fusion")

    def update() -> None:
        app.setPalette(dark_palette() if is_dark() else app.style().standardPalette())

    update()
    app.setStyleSheet(SIDEBAR_QSS)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: update())
