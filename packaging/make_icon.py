"""Draw the app icon (a hook-shaped arrow into an inbox tray) offscreen and write PNG + ICO.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1f6feb"))
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 52 * s, 52 * s)
    pen = QPen(QColor("white"), 22 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    tray = QPainterPath(QPointF(56 * s, 150 * s))
    tray.lineTo(56 * s, 196 * s)
    tray.lineTo(200 * s, 196 * s)
    tray.lineTo(200 * s, 150 * s)
    p.drawPath(tray)
    hook = QPainterPath(QPointF(128 * s, 48 * s))
    hook.lineTo(128 * s, 140 * s)
    p.drawPath(hook)
    arrow = QPainterPath(QPointF(96 * s, 110 * s))
    arrow.lineTo(128 * s, 146 * s)
    arrow.lineTo(160 * s, 110 * s)
    p.drawPath(arrow)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#3fb950"))
    p.drawEllipse(QPointF(196 * s, 64 * s), 22 * s, 22 * s)
    p.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(OUT / "webhook-studio.png"))
    draw(256).save(str(OUT / "webhook-studio.ico"))
    del app
    print(OUT / "webhook-studio.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
