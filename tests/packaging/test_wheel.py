"""The project installs the ways Python users install it: a wheel carries the provider
profiles and icons (the top-level resources/ folder, shipped as webhook_studio.bundled), and a
fresh virtual environment with only that wheel lists the profiles and passes the self-test."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_in_pyproject() -> None:
    """pyproject lists packages explicitly (so resources/ can be mapped into the package): a
    new subpackage must be added there, or wheels would silently lack it."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "webhook_studio").rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - found == {"webhook_studio.bundled"}


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600,
                          check=False)
    assert done.returncode == 0, f"{cmd[:3]} exited {done.returncode}:\n{done.stdout[-2000:]}" \
                                 f"\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_has_profiles_and_passes_the_self_test(
        tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)])
    (wheel,) = wheels.glob("webhook_studio-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    profiles = [n for n in names if n.startswith("webhook_studio/bundled/profiles/")]
    assert len(profiles) == len(list((ROOT / "resources" / "profiles").glob("*.toml")))
    assert "webhook_studio/bundled/icons/webhook-studio.png" in names
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)])
    command = str(venv / "bin" / "webhook-studio")
    # Run from elsewhere, so nothing can come from the checkout.
    listed = run([command, "profiles", "list"], cwd=tmp_path).stdout
    assert "github" in listed and "stripe" in listed and "envoyou" in listed
    tested = run([command, "--self-test"], cwd=tmp_path)
    assert "self-test passed" in tested.stdout
    assert str(venv) in tested.stdout  # the resources came from the installed wheel
