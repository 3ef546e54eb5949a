"""Collect the licence notices of everything the bundle redistributes: THIRD_PARTY_LICENSES.

The LGPL (Qt, PySide6) and most other licences require their notices to travel with binary
copies. Three sources cover what a PyInstaller bundle holds:

* the Python distributions the app depends on at run time (the closure of webhook-studio's
  own requirements, markers evaluated for this interpreter), with their licence files;
* the Python runtime itself (its ``LICENSE.txt``);
* shared libraries copied from the build machine's system (OpenSSL, libffi, zlib…): each is
  traced to its Debian package with ``dpkg -S`` and that package's ``copyright`` file is
  included. Libraries that come from a wheel are covered by the wheel's licence, except those
  auditwheel vendored into ``<package>.libs/`` (psycopg-binary's libpq, Kerberos, OpenLDAP,
  SASL): the wheel ships no notice for them, so each is traced by its library name to the
  Debian package of the same library and that package's notice is included.

    python packaging/licenses.py dist/webhook-studio > THIRD_PARTY_LICENSES
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

RULE = "=" * 78
SYSTEM_LIB_DIR = re.compile(r"^/(usr/)?lib(64)?(/[a-z0-9_]+-linux-gnu[a-z]*)?/[^/]+$")
#: Full texts for licences a distribution names without shipping the text (PySide6 wheels).
COMMON_LICENCES = {"LGPL-3.0": "LGPL-3", "GPL-3.0": "GPL-3", "GPL-2.0": "GPL-2"}
LICENSE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(root: str = "webhook-studio") -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time (no extras), root excluded."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    # (distribution, extra): psycopg[binary] brings psycopg-binary through psycopg's extra.
    todo = [(root, "")]
    while todo:
        name, extra = todo.pop()
        name = _canonical(name)
        if (name, extra) in done:
            continue
        done.add((name, extra))
        try:
            dist = seen.get(name) or metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": extra}):
                continue
            todo.extend((req.name, wanted) for wanted in ("", *sorted(req.extras)))
    seen.pop(_canonical(root), None)
    return sorted(seen.values(), key=lambda d: _canonical(d.metadata["Name"]))


def _licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    texts = []
    for file in dist.files or []:
        if LICENSE_FILE.search(str(file)) and not str(file).endswith((".py", ".pyc")):
            path = Path(str(file.locate()))
            if path.is_file() and path.stat().st_size < 512_000:
                texts.append((str(file), path.read_text(encoding="utf-8", errors="replace")))
    return texts


def _named_licence_texts(declared: str) -> list[tuple[str, str]]:
    """The full text of each SPDX licence named in ``declared``, from the system's copy
    (Debian's /usr/share/common-licenses), for wheels that name a licence without its text."""
    texts = []
    for spdx, file_name in COMMON_LICENCES.items():
        path = Path("/usr/share/common-licenses") / file_name
        if spdx in declared and path.exists():
            texts.append((f"{spdx} (full text)", path.read_text(encoding="utf-8")))
    return texts


def python_section() -> str:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    licence = stdlib / "LICENSE.txt"
    text = licence.read_text(encoding="utf-8", errors="replace") if licence.exists() else (
        "Python Software Foundation License Version 2: https://docs.python.org/3/license.html")
    return f"{RULE}\nPython {sys.version.split()[0]} (the interpreter and standard library)\n" \
           f"{RULE}\n{text}\n"


def system_library_packages(bundle: Path) -> dict[str, set[str]]:
    """Debian package -> bundled library names, for libraries the build copied from the
    system (found by name under the system library folders and owned by a package)."""
    owners: dict[str, set[str]] = {}
    # PyInstaller puts libraries it copied from the system at the top of the bundle's library
    # folder; files inside package folders (PySide6/, cryptography/) came with their wheels.
    folders = [bundle, bundle / "_internal"]
    names = {p.name for folder in folders if folder.is_dir() for p in folder.glob("*.so*")
             if p.is_file() and not p.is_symlink()}
    for name in sorted(names):
        found = subprocess.run(["dpkg", "-S", f"*/{name}"], capture_output=True, text=True,
                               check=False)
        for line in found.stdout.splitlines():
            package, _sep, path = line.partition(": ")
            if SYSTEM_LIB_DIR.match(path):
                owners.setdefault(package.split(":")[0], set()).add(name)
                break
    return owners


#: auditwheel's name for a vendored library: the library's own name, a hash, the version.
VENDORED = re.compile(r"^(lib[A-Za-z0-9_+]+?)-[0-9a-f]{8}\.so")


def vendored_library_packages(bundle: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Debian package -> wheel-vendored libraries (``*.libs/libpq-e9b5c9ac.so.5.18``) that
    are the same library, and the vendored libraries no installed package provides."""
    owners: dict[str, set[str]] = {}
    untraced = []
    for path in sorted(bundle.rglob("*.libs/lib*.so*")):
        match = VENDORED.match(path.name)
        if path.is_symlink() or not path.is_file() or match is None:
            continue
        label = str(path.relative_to(bundle))
        for pattern in (f"*/{match.group(1)}.so*", f"*/{match.group(1)}-*.so*"):
            found = subprocess.run(["dpkg", "-S", pattern], capture_output=True, text=True,
                                   check=False)
            packages = [line.partition(": ")[0].split(":")[0]
                        for line in found.stdout.splitlines()
                        if SYSTEM_LIB_DIR.match(line.partition(": ")[2])]
            if packages:
                owners.setdefault(packages[0], set()).add(label)
                break
        else:
            untraced.append(label)
    return owners, untraced


def system_section(bundle: Path) -> str:
    parts = []
    owners = system_library_packages(bundle)
    vendored, untraced = vendored_library_packages(bundle)
    for package, libs in vendored.items():
        owners.setdefault(package, set()).update(libs)
    for label in untraced:
        print(f"licenses.py: no notice on this machine for the vendored {label}",
              file=sys.stderr)
        parts.append(f"{RULE}\n{label}: vendored by its wheel; see the library's project for "
                     f"its licence\n{RULE}\n\n")
    for package, libs in sorted(owners.items()):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        text = copyright_file.read_text(encoding="utf-8", errors="replace") \
            if copyright_file.exists() else "(no copyright file on the build machine)"
        parts.append(f"{RULE}\nDebian package {package}: {', '.join(sorted(libs))}\n{RULE}\n"
                     f"{text}\n")
    return "".join(parts)


def collect(bundle: Path | None) -> str:
    out = [
        "Webhook Studio redistributes the following third-party software. Each component's\n"
        "licence notice follows. Qt and PySide6 are used under the GNU LGPL v3: they are\n"
        "dynamically linked shared libraries in this folder, which you may replace with your\n"
        "own builds of the same version; their source is at https://code.qt.io.\n\n"]
    for dist in runtime_closure():
        name, ver, fields = dist.metadata["Name"], dist.version, dist.metadata.json
        declared = str(fields.get("license_expression") or fields.get("license") or "")
        if len(declared) > 200:  # some put the whole text in the field
            declared = declared[:200].rsplit(" ", 1)[0] + " …"
        out.append(f"{RULE}\n{name} {ver}" + (f" ({declared})" if declared else "") + "\n")
        out.append(f"{RULE}\n")
        texts = _licence_texts(dist) or _named_licence_texts(declared)
        if not texts:
            out.append(f"Licence: {declared or 'see the project page'}; "
                       f"{fields.get('home_page') or ''}\n\n")
        for file_name, text in texts:
            out.append(f"--- {file_name}\n{text.rstrip()}\n\n")
    out.append(python_section())
    if bundle is not None:
        out.append(system_section(bundle))
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(collect(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
