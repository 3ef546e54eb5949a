"""The Linux installers, built from a tiny stand-in bundle (the real bundle takes minutes and
is packaged and installed by packaging/check_install.py in CI): what a .deb and a tarball
contain, that they are reproducible, and that the tarball's install.sh/uninstall.sh install
for a user and remove everything but the user's data."""

from __future__ import annotations

import configparser
import hashlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import linux_package  # noqa: E402
import release_info as info  # noqa: E402

STAND_IN = '#!/bin/sh\necho "stand-in webhook-studio $*"\n'


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A stand-in one-folder bundle: an executable and an _internal folder."""
    folder = tmp_path / "bundle" / info.APP_ID
    (folder / "_internal").mkdir(parents=True)
    (folder / info.APP_ID).write_text(STAND_IN)
    (folder / info.APP_ID).chmod(0o755)
    (folder / "_internal" / "base_library.zip").write_bytes(b"stand-in")
    return folder


def package(bundle: Path, out: Path, version: str = "9.8.7") -> dict[str, Path]:
    licences = bundle.parent / "THIRD_PARTY_LICENSES"
    licences.write_text("Qt is used under the LGPL v3.\n")
    env_epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        assert linux_package.main(["--bundle", str(bundle), "--out", str(out), "--version",
                                   version, "--licences", str(licences)]) == 0
    finally:
        if env_epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = env_epoch
    names = info.artefact_names(version)
    return {"deb": out / names["deb"], "tarball": out / names["tarball"],
            "sums": out / "SHA256SUMS"}


def deb_field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_deb_installs_the_app_under_opt_with_a_command_menu_entry_icons_and_har_type(
        bundle: Path, tmp_path: Path) -> None:
    deb = package(bundle, tmp_path / "out")["deb"]
    assert deb_field(deb, "Package") == info.APP_ID
    assert deb_field(deb, "Version") == "9.8.7"
    depends = deb_field(deb, "Depends")
    assert "libxcb-cursor0" in depends and "libxkbcommon-x11-0" in depends
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    expected = [f".{info.LINUX_PREFIX}/{info.APP_ID}", f".{info.LINUX_COMMAND}",
                f"./usr/share/applications/{info.DESKTOP_FILE}",
                f"./usr/share/mime/packages/{info.MIME_FILE}",
                f".{info.LINUX_PREFIX}/THIRD_PARTY_LICENSES",
                f"./usr/share/doc/{info.APP_ID}/copyright"]
    expected += [f"./usr/share/icons/hicolor/{s}x{s}/apps/{info.ICON_NAME}.png"
                 for s in info.ICON_SIZES]
    for path in expected:
        assert path in listing, path
    assert all(" root/root " in line for line in listing.splitlines())


def test_the_desktop_entry_opens_har_files_by_importing_them(tmp_path: Path) -> None:
    """The keys a launcher reads (desktop-file-validate runs on the installed entry in
    packaging/check_install.py, where CI has desktop-file-utils)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(linux_package.desktop_entry(info.APP_ID))
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == info.DISPLAY_NAME
    assert entry["Exec"] == f"{info.APP_ID} open %f"
    assert entry["Icon"] == info.ICON_NAME and entry["Terminal"] == "false"
    assert entry["MimeType"] == f"{info.HAR_MIME_TYPE};"
    assert set(entry["Categories"].rstrip(";").split(";")) <= {"Development", "Network"}
    mime = linux_package.mime_package()
    assert f'type="{info.HAR_MIME_TYPE}"' in mime and '<glob pattern="*.har"/>' in mime


def test_installers_are_reproducible_and_checksummed(bundle: Path, tmp_path: Path) -> None:
    first = package(bundle, tmp_path / "one")
    second = package(bundle, tmp_path / "two")
    for kind in ("deb", "tarball"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    sums = first["sums"].read_text().splitlines()
    recorded = {name: digest for digest, name in (line.split("  ", 1) for line in sums)}
    for kind in ("deb", "tarball"):
        digest = hashlib.sha256(first[kind].read_bytes()).hexdigest()
        assert recorded[first[kind].name] == digest


def test_the_tarball_installs_for_a_user_upgrades_and_uninstalls_keeping_their_data(
        bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    data = home / ".local" / "share" / info.APP_ID
    data.mkdir(parents=True)
    (data / "studio.sqlite3").write_bytes(b"the user's captures")

    def install(version: str) -> None:
        tarball = package(bundle, tmp_path / f"out-{version}", version)["tarball"]
        unpack = tmp_path / f"unpack-{version}"
        with tarfile.open(tarball) as tar:
            tar.extractall(unpack, filter="tar")
        (top,) = list(unpack.iterdir())
        subprocess.run([str(top / "install.sh")], env=env, check=True, capture_output=True)

    install("1.0.0")
    command = home / ".local" / "bin" / info.APP_ID
    ran = subprocess.run([str(command), "--version"], capture_output=True, text=True,
                         check=True)
    assert ran.stdout.strip() == "stand-in webhook-studio --version"
    desktop = home / ".local" / "share" / "applications" / info.DESKTOP_FILE
    assert f"Exec={command} open %f" in desktop.read_text()
    assert (home / ".local/share/icons/hicolor/256x256/apps" / f"{info.ICON_NAME}.png").exists()

    install("1.0.1")  # an upgrade replaces the app folder in place
    assert (data / "studio.sqlite3").read_bytes() == b"the user's captures"
    subprocess.run([str(home / ".local" / "opt" / info.APP_ID / "uninstall.sh")], env=env,
                   check=True, capture_output=True)
    left = sorted(str(p.relative_to(home)) for p in home.rglob("*")
                  if p.is_file() and info.APP_ID in p.name and data not in p.parents)
    assert left == []
    assert not (home / ".local" / "opt" / info.APP_ID).exists()
    assert (data / "studio.sqlite3").read_bytes() == b"the user's captures"


def test_release_names_come_from_one_place() -> None:
    spec = (ROOT / "packaging" / "webhook_studio.spec").read_text()
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    inno = (ROOT / "packaging" / "windows" / "webhook-studio.iss").read_text()
    assert "import release_info as info" in spec
    assert '"Webhook Studio' not in spec.split("import release_info")[1]
    assert "release_info.py" in workflow and "{#AppName}" in inno
    assert info.version() in info.artefact_names()["deb"]


def test_licence_notices_cover_qt_python_and_every_runtime_dependency() -> None:
    import licenses

    text = licenses.collect(None)
    for name in ("PySide6_Essentials", "shiboken6", "httpx", "aiohttp", "SQLAlchemy",
                 "cryptography", "qasync", "platformdirs"):
        assert f"\n{name} " in text, name
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text  # Qt/PySide6 name LGPL without its text
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in text
    assert "\npytest " not in text and "\nhypothesis " not in text  # dev tools are not shipped


def test_licence_notices_cover_team_modes_driver_and_the_libraries_its_wheel_vendors(
        tmp_path: Path) -> None:
    import licenses

    text = licenses.collect(None)
    # psycopg[binary]: psycopg-binary comes through psycopg's "binary" extra.
    assert "\npsycopg " in text and "\npsycopg-binary " in text
    # auditwheel's copies ship without notices: each is traced to Debian's same library.
    libs = tmp_path / "bundle" / "_internal" / "psycopg_binary.libs"
    libs.mkdir(parents=True)
    (libs / "libpq-e9b5c9ac.so.5.18").write_bytes(b"\x7fELF stand-in")
    (libs / "libcrypto-3a0647ea.so.3").symlink_to("../libcrypto.so.3")  # shared, not vendored
    section = licenses.system_section(tmp_path / "bundle")
    assert "Debian package libpq5: _internal/psycopg_binary.libs/libpq-e9b5c9ac.so.5.18" \
        in section
    assert "PostgreSQL" in section and "libcrypto-3a0647ea" not in section
