"""Every name and path the installers use, for Linux, Windows and macOS, in one place.

The Linux packager (``linux_package.py``), the install checks (``check_install.py``), the
release workflow (``.github/workflows/release.yml``), the Inno Setup script and the macOS
disk-image script all read these values; nothing else spells them out. The version comes from
``pyproject.toml``, never from here.

    python packaging/release_info.py            # the values as JSON (the workflow reads this)
    python packaging/release_info.py version    # one value
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

APP_ID = "webhook-studio"  # the command, the Debian package, file stems
DISPLAY_NAME = "Webhook Studio"
SUMMARY = "Receive, verify, send, relay and replay webhooks"
VENDOR = "Webhook Studio"
#: Set to the real release contact before publishing (.invalid is a reserved, unroutable name).
MAINTAINER = "Webhook Studio maintainers <maintainers@webhook-studio.invalid>"
LICENSE = "MIT"
BUNDLE_ID = "dev.webhookstudio.app"  # macOS CFBundleIdentifier, Windows AppUserModelID
#: Inno Setup's AppId: fixed forever so upgrades replace the installed copy.
WINDOWS_APP_GUID = "{{8C1E4F1B-6A52-4C7B-9E3D-2B7A0F6D4E21}"

# Linux (the .deb; the tar.gz installs the same tree under ~/.local)
LINUX_PREFIX = f"/opt/{APP_ID}"
LINUX_COMMAND = f"/usr/bin/{APP_ID}"
DESKTOP_FILE = f"{APP_ID}.desktop"
MIME_FILE = f"{APP_ID}.xml"
HAR_MIME_TYPE = "application/x-har+json"
ICON_NAME = APP_ID
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
DEB_SECTION = "devel"
#: What Qt's X11 plugin and the bundle load from the system at run time (docs/packaging.md).
#: libc6 and the X11 client libraries; everything else is inside the bundle.
DEB_DEPENDS = (
    "libc6 (>= 2.31)", "libx11-xcb1", "libxcb1", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-image0", "libxcb-keysyms1", "libxcb-render-util0", "libxcb-xkb1",
    "libxkbcommon-x11-0", "libxkbcommon0", "libxcb-shape0", "libxcb-xinerama0",
    "libxcb-randr0", "libfontconfig1", "libfreetype6", "libglib2.0-0", "libgl1",
    "libegl1", "libdbus-1-3",
)
DEB_RECOMMENDS = ("desktop-file-utils", "shared-mime-info", "hicolor-icon-theme")

# Windows and macOS
WINDOWS_INSTALL_DIR = rf"{{autopf}}\{DISPLAY_NAME}"
MACOS_APP = f"{DISPLAY_NAME}.app"


def version() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["version"])


def deb_arch() -> str:
    import platform

    return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def artefact_names(ver: str | None = None) -> dict[str, str]:
    """File names of every release artefact, per platform."""
    ver = ver or version()
    return {
        "deb": f"{APP_ID}_{ver}_{deb_arch()}.deb",
        "tarball": f"{APP_ID}-{ver}-linux-{deb_arch()}.tar.gz",
        "windows": f"{APP_ID}-{ver}-windows-x64-setup.exe",
        "macos": f"{APP_ID}-{ver}-macos.dmg",
        "checksums": "SHA256SUMS",
    }


def as_dict() -> dict[str, object]:
    values: dict[str, object] = {k.lower(): v for k, v in globals().items()
                                 if k.isupper() and k != "ROOT"}
    values["version"] = version()
    values["artefacts"] = artefact_names()
    return values


if __name__ == "__main__":
    data = as_dict()
    if len(sys.argv) > 1:
        value = data[sys.argv[1]]
        print(value if isinstance(value, str) else json.dumps(value))
    else:
        print(json.dumps(data, indent=2))
