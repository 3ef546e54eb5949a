"""Where bundled resources (profiles, icons, stylesheets) are, frozen or not.

In a PyInstaller bundle they sit under ``sys._MEIPASS/resources``; from a source checkout
(editable install) they are the repository's top-level ``resources/`` folder.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource_path("profiles")``."""
    return resources_dir().joinpath(*parts)
