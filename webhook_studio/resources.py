"""Where bundled resources (provider profiles, icons) are: installed, editable or frozen.

The top-level ``resources/`` folder of the repository ships inside the package as
``webhook_studio.bundled`` (``pyproject.toml`` maps it with ``package-dir``; the PyInstaller
spec puts it at the same place in the bundle), so one ``importlib.resources`` look-up finds it
in a wheel, an editable checkout and a frozen build alike.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "webhook_studio.bundled"


def resources_dir() -> Path:
    # A real folder in all three cases (wheels are installed unpacked; PyInstaller collects
    # data files next to the frozen package), so a Path is safe to hand to Qt and tomllib.
    return Path(str(files(PACKAGE)))


def resource_path(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource_path("profiles")``."""
    return resources_dir().joinpath(*parts)
