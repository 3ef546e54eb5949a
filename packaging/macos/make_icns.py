"""Draw the app icon at the macOS iconset sizes and build resources/icons/webhook-studio.icns
with ``iconutil`` (macOS only; the spec picks the .icns up when it exists).

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/macos/make_icns.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import make_icon  # noqa: E402
import release_info as info  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        iconset = Path(tmp) / f"{info.APP_ID}.iconset"
        iconset.mkdir()
        for size in (16, 32, 128, 256, 512):
            make_icon.draw(size).save(str(iconset / f"icon_{size}x{size}.png"))
            make_icon.draw(size * 2).save(str(iconset / f"icon_{size}x{size}@2x.png"))
        out = info.ROOT / "resources" / "icons" / f"{info.APP_ID}.icns"
        subprocess.run(["iconutil", "-c", "icns", str(iconset), "-o", str(out)], check=True)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
