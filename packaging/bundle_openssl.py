"""One OpenSSL in the Linux bundle: psycopg's libpq uses the copy Python's ssl module loads.

psycopg's binary wheel brings its own libcrypto and libssl (6.9 MB) beside the pair Python's
ssl module links to; with both, team mode's driver took the installed folder over its 150 MB
goal. OpenSSL 3 keeps its ABI across 3.x and versions every exported symbol (OPENSSL_3.0.0,
OPENSSL_3.2.0…), so libpq and libldap work with the bundle's copy when that copy exports every
versioned symbol they import. Then the wheel's two files become symlinks to it, the dynamic
loader sees one file and the process loads one OpenSSL (``team_db_check.py`` proves it on the
installed app). If the check fails (an older OpenSSL on the build machine than the wheel's
libpq needs), the wheel's copies stay and ``check_install.py``'s size check says so.

Used by ``webhook_studio.spec`` on a PyInstaller TOC: a list of ``(dest, source, typecode)``.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys

Entry = tuple[str, str, str]
#: The OpenSSL pair Python's ssl module links to, at the top of the bundle.
OURS = {"libcrypto": "libcrypto.so.3", "libssl": "libssl.so.3"}


def versioned_symbols(path: str, *, undefined: bool) -> set[tuple[str, str]]:
    """(symbol, version) pairs of OpenSSL's versions an ELF file imports (``undefined``) or
    exports, from ``objdump -T`` (binutils: PyInstaller itself needs it on Linux)."""
    out = subprocess.run(["objdump", "-T", path], capture_output=True, text=True,
                         check=True).stdout
    pairs = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4 or ("*UND*" in parts) != undefined:
            continue
        version = parts[-2].strip("()")
        if version.startswith("OPENSSL_"):
            pairs.add((parts[-1], version))
    return pairs


def shared_openssl(binaries: list[Entry], platform: str = sys.platform) -> list[Entry]:
    """``binaries`` with psycopg's libcrypto/libssl replaced by symlinks to the bundle's own,
    when the bundle's exports everything psycopg's libraries import; else unchanged."""
    if not platform.startswith("linux"):
        return binaries
    by_dest = {os.path.normpath(e[0]): e for e in binaries if e[2] != "SYMLINK"}
    found = {stem: by_dest.get(name) for stem, name in OURS.items()}
    theirs = {stem: [e for d, e in by_dest.items()
                     if fnmatch.fnmatch(d, f"psycopg_binary.libs/{stem}-*.so.3")]
              for stem in OURS}
    ours = {stem: entry for stem, entry in found.items() if entry is not None}
    if len(ours) != len(OURS) or not all(len(copies) == 1 for copies in theirs.values()):
        print("shared_openssl: no OpenSSL pair to share; psycopg keeps its own")
        return binaries
    replaced = {theirs[stem][0][0] for stem in OURS}
    users = [e for d, e in by_dest.items()
             if d.startswith("psycopg_binary") and e[0] not in replaced]
    needed: set[tuple[str, str]] = set()
    for entry in users:
        needed |= versioned_symbols(entry[1], undefined=True)
    provided: set[tuple[str, str]] = set()
    for entry in ours.values():
        provided |= versioned_symbols(entry[1], undefined=False)
    missing = sorted(needed - provided)
    if not needed or missing:
        print(f"shared_openssl: the bundle's OpenSSL lacks {len(missing)} of the "
              f"{len(needed)} symbols psycopg's libraries import (e.g. {missing[:3]}); "
              "psycopg keeps its own")
        return binaries
    links = []
    for stem, entry in ours.items():
        dest = theirs[stem][0][0]
        links.append((dest, os.path.relpath(entry[0], os.path.dirname(dest)), "SYMLINK"))
    print(f"shared_openssl: the {len(needed)} versioned OpenSSL symbols psycopg imports are "
          f"all in the bundle's copy; {', '.join(link[0] for link in links)} now link to it")
    return [e for e in binaries if e[0] not in replaced] + links
