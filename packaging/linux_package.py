"""Linux installers from the one-folder bundle: a .deb, a portable tar.gz, and SHA256SUMS.

    .venv/bin/python packaging/linux_package.py [--bundle dist/webhook-studio] [--out dist]
                                                [--version 0.1.1]

Both carry the same tree: the bundle under ``/opt/webhook-studio`` (``~/.local/opt/…`` for
the tarball), a ``webhook-studio`` command, a desktop entry with the icon in the hicolor
sizes, a MIME type for ``.har`` files ("Open with Webhook Studio" imports the file), and
``THIRD_PARTY_LICENSES``. No network: ``dpkg-deb`` and Python's tarfile only. Output is
reproducible: file times are ``SOURCE_DATE_EPOCH`` (the last commit's time by default),
owners are root, entries are sorted. ``--version`` repackages the same bundle under another
version (the upgrade check uses it).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import release_info as info

ROOT = info.ROOT
HERE = Path(__file__).resolve().parent / "linux"


def source_date_epoch() -> int:
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    return int(done.stdout.strip() or 0)


def desktop_entry(exec_command: str) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name={info.DISPLAY_NAME}",
        "GenericName=Webhook debugger",
        f"Comment={info.SUMMARY}",
        f"Exec={exec_command} open %f",
        f"TryExec={exec_command}",
        f"Icon={info.ICON_NAME}",
        "Terminal=false",
        "Categories=Development;Network;",
        "Keywords=webhook;HTTP;signature;HMAC;replay;HAR;",
        f"MimeType={info.HAR_MIME_TYPE};",
        f"StartupWMClass={info.APP_ID}",
        "StartupNotify=true",
        "",
    ])


def mime_package() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{info.HAR_MIME_TYPE}">
    <comment>HTTP Archive</comment>
    <sub-class-of type="application/json"/>
    <glob pattern="*.har"/>
  </mime-type>
</mime-info>
"""


def icon_pngs() -> dict[int, bytes]:
    """The app icon drawn at each hicolor size (vector, so small sizes stay sharp)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import make_icon
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtWidgets import QApplication

    # A QApplication (not only a QGuiApplication), so a Qt test in the same process can share it.
    _app = QApplication.instance() or QApplication([])
    out = {}
    for size in info.ICON_SIZES:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6's stub types the format as bytes; at run time only a str is accepted.
        make_icon.draw(size).save(buffer, "PNG")  # type: ignore[call-overload]
        out[size] = bytes(buffer.data().data())
    return out


def stage_shared(root: Path, share: Path, exec_command: str, icons: dict[int, bytes],
                 licences: str) -> None:
    """Desktop entry, icons, MIME type and licence notices under ``share`` (usr/share)."""
    (share / "applications").mkdir(parents=True, exist_ok=True)
    (share / "applications" / info.DESKTOP_FILE).write_text(desktop_entry(exec_command))
    (share / "mime" / "packages").mkdir(parents=True, exist_ok=True)
    (share / "mime" / "packages" / info.MIME_FILE).write_text(mime_package())
    for size, png in icons.items():
        folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{info.ICON_NAME}.png").write_bytes(png)
    (root / "THIRD_PARTY_LICENSES").write_text(licences)


def copy_bundle(bundle: Path, dest: Path) -> None:
    shutil.copytree(bundle, dest, symlinks=True)


def stage_deb(bundle: Path, work: Path, version: str, icons: dict[int, bytes],
              licences: str) -> Path:
    root = work / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    prefix = root / info.LINUX_PREFIX.lstrip("/")
    copy_bundle(bundle, prefix)
    command = root / info.LINUX_COMMAND.lstrip("/")
    command.parent.mkdir(parents=True)
    command.write_text(f'#!/bin/sh\nexec {info.LINUX_PREFIX}/{info.APP_ID} "$@"\n')
    command.chmod(0o755)
    share = root / "usr" / "share"
    stage_shared(prefix, share, info.APP_ID, icons, licences)
    doc = share / "doc" / info.APP_ID
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        f"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        f"Upstream-Name: {info.DISPLAY_NAME}\n\n"
        f"Files: *\nLicense: {info.LICENSE}\n\n"
        f"Files: {info.LINUX_PREFIX}/_internal/*\n"
        f"License: various; see {info.LINUX_PREFIX}/THIRD_PARTY_LICENSES\n")
    debian = root / "DEBIAN"
    debian.mkdir()
    size_kb = sum(p.stat().st_size for p in root.rglob("*")
                  if p.is_file() and not p.is_symlink()) // 1024
    (debian / "control").write_text("\n".join([
        f"Package: {info.APP_ID}",
        f"Version: {version}",
        f"Architecture: {info.deb_arch()}",
        f"Maintainer: {info.MAINTAINER}",
        f"Installed-Size: {size_kb}",
        f"Depends: {', '.join(info.DEB_DEPENDS)}",
        f"Recommends: {', '.join(info.DEB_RECOMMENDS)}",
        f"Section: {info.DEB_SECTION}",
        "Priority: optional",
        f"Description: {info.SUMMARY}",
        " A desktop app and a headless CLI for people who build and test webhook",
        " integrations: a local receiver that verifies signatures and explains failures,",
        " a sender with retries and a retry timeline, relay, replay and provider profiles.",
        "",
    ]))
    refresh = (
        "#!/bin/sh\nset -e\n"
        "command -v update-desktop-database >/dev/null 2>&1 && "
        "update-desktop-database -q /usr/share/applications || true\n"
        "command -v update-mime-database >/dev/null 2>&1 && "
        "update-mime-database /usr/share/mime || true\n"
        "command -v gtk-update-icon-cache >/dev/null 2>&1 && "
        "gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true\n"
        "exit 0\n")
    for script in ("postinst", "postrm"):
        (debian / script).write_text(refresh)
        (debian / script).chmod(0o755)
    sums = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
                       and "DEBIAN" not in p.relative_to(root).parts):
        sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  "
                    f"{path.relative_to(root)}")
    (debian / "md5sums").write_text("\n".join(sums) + "\n")
    return root


def normalise(root: Path, epoch: int) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if not path.is_symlink():
            mode = 0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644
            path.chmod(mode)
        os.utime(path, (epoch, epoch), follow_symlinks=False)


def build_deb(root: Path, out: Path, epoch: int, fast: bool = False) -> None:
    normalise(root, epoch)
    (root / "DEBIAN").chmod(0o755)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    compression = ["-Zgzip", "-z1"] if fast else ["-Zxz"]
    subprocess.run(["dpkg-deb", "--root-owner-group", *compression, "--build", str(root),
                    str(out)], check=True, env=env, stdout=subprocess.DEVNULL)


def stage_tarball(bundle: Path, work: Path, version: str, icons: dict[int, bytes],
                  licences: str) -> Path:
    top = work / f"{info.APP_ID}-{version}"
    if top.exists():
        shutil.rmtree(top)
    copy_bundle(bundle, top / "app")
    stage_shared(top / "app", top / "share", "@COMMAND@", icons, licences)
    for script in ("install.sh", "uninstall.sh"):
        text = (HERE / script).read_text().replace("@APP_ID@", info.APP_ID) \
            .replace("@DISPLAY_NAME@", info.DISPLAY_NAME).replace("@VERSION@", version) \
            .replace("@DESKTOP_FILE@", info.DESKTOP_FILE).replace("@MIME_FILE@", info.MIME_FILE) \
            .replace("@ICON_NAME@", info.ICON_NAME)
        (top / script).write_text(text)
        (top / script).chmod(0o755)
    return top


def build_tarball(top: Path, out: Path, epoch: int, fast: bool = False) -> None:
    normalise(top, epoch)

    def clean(entry: tarfile.TarInfo) -> tarfile.TarInfo:
        entry.uid = entry.gid = 0
        entry.uname = entry.gname = "root"
        entry.mtime = epoch
        return entry

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in [top, *sorted(top.rglob("*"))]:
            tar.add(path, arcname=str(path.relative_to(top.parent)), recursive=False,
                    filter=clean)
    with out.open("wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=epoch,
                                                  filename="",
                                                  compresslevel=1 if fast else 9) as gz:
        gz.write(raw.getvalue())


def write_checksums(out_dir: Path, files: list[Path]) -> Path:
    sums = out_dir / info.artefact_names()["checksums"]
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}" for f in sorted(files)]
    sums.write_text("\n".join(lines) + "\n")
    return sums


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / info.APP_ID)
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--version", default=None, help="package version (default: pyproject)")
    parser.add_argument("--fast", action="store_true",
                        help="light compression, for throwaway packages (the upgrade check)")
    parser.add_argument("--licences", type=Path, default=None,
                        help="a THIRD_PARTY_LICENSES file to use instead of collecting one")
    args = parser.parse_args(argv)
    version = args.version or info.version()
    if not (args.bundle / info.APP_ID).exists():
        print(f"No bundle at {args.bundle}: build it first with packaging/build.py.",
              file=sys.stderr)
        return 2
    epoch = source_date_epoch()
    import licenses

    licence_text = args.licences.read_text() if args.licences else licenses.collect(args.bundle)
    (args.out / "THIRD_PARTY_LICENSES").parent.mkdir(parents=True, exist_ok=True)
    if args.licences is None or args.licences.resolve() != (args.out / "THIRD_PARTY_LICENSES"
                                                             ).resolve():
        (args.out / "THIRD_PARTY_LICENSES").write_text(licence_text)
    icons = icon_pngs()
    args.out.mkdir(parents=True, exist_ok=True)
    names = info.artefact_names(version)
    deb = args.out / names["deb"]
    tarball = args.out / names["tarball"]
    # A staging folder of its own: two packagings (tests, the upgrade check) may run at once.
    with tempfile.TemporaryDirectory(prefix="ws-package-") as staging:
        work = Path(staging)
        build_deb(stage_deb(args.bundle, work, version, icons, licence_text), deb, epoch,
                  args.fast)
        build_tarball(stage_tarball(args.bundle, work, version, icons, licence_text), tarball,
                      epoch, args.fast)
    sums = write_checksums(args.out, [deb, tarball])
    for artefact in (deb, tarball):
        print(f"{artefact}: {artefact.stat().st_size / 1e6:.1f} MB")
    print(f"{sums}:\n{sums.read_text()}", end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
