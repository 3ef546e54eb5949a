"""The spec's OpenSSL sharing on real ELF files: psycopg-binary's libraries as installed in
this venv, and the OpenSSL this Python's ssl module loads (what PyInstaller bundles)."""

from __future__ import annotations

import importlib.util
import ssl
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

from bundle_openssl import shared_openssl, versioned_symbols  # noqa: E402

Entry = tuple[str, str, str]


def loaded(name: str) -> str:
    """The path of a shared library this process has mapped (``ssl`` maps libcrypto/libssl)."""
    assert ssl.OPENSSL_VERSION
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if Path(path).name == name:
            return path
    raise AssertionError(f"{name} is not loaded")


def psycopg_toc() -> list[Entry]:
    spec = importlib.util.find_spec("psycopg_binary")
    assert spec is not None and spec.origin is not None
    libs = Path(spec.origin).parent.parent / "psycopg_binary.libs"
    entries = [(f"psycopg_binary.libs/{p.name}", str(p), "BINARY") for p in libs.iterdir()]
    extensions = Path(spec.origin).parent.glob("*.so")
    return entries + [(f"psycopg_binary/{p.name}", str(p), "EXTENSION") for p in extensions]


def bundle_toc(crypto: str, ssl_lib: str) -> list[Entry]:
    return [("libcrypto.so.3", crypto, "BINARY"), ("libssl.so.3", ssl_lib, "BINARY"),
            *psycopg_toc()]


def test_libpq_imports_only_versioned_openssl_3_symbols() -> None:
    libpq = next(e[1] for e in psycopg_toc() if "/libpq-" in e[1])
    needed = versioned_symbols(libpq, undefined=True)
    assert {"SSL_CTX_new", "SSL_connect"} <= {symbol for symbol, _version in needed}
    assert all(version.startswith("OPENSSL_3.") for _symbol, version in needed)


def test_psycopg_uses_the_bundles_openssl_when_it_has_every_symbol_libpq_needs() -> None:
    toc = bundle_toc(loaded("libcrypto.so.3"), loaded("libssl.so.3"))
    shared = shared_openssl(toc, "linux")
    links = {e[0]: e[1] for e in shared if e[2] == "SYMLINK"}
    assert sorted(links.values()) == ["../libcrypto.so.3", "../libssl.so.3"]
    assert all(Path(dest).name.startswith(("libcrypto-", "libssl-")) for dest in links)
    # The wheel's own copies are gone; everything else is kept as it was.
    assert not [e for e in shared if e[2] != "SYMLINK" and e[0] in links]
    assert len(shared) == len(toc)
    assert {e[0] for e in shared} == {e[0] for e in toc}


def test_psycopg_keeps_its_openssl_when_the_bundles_lacks_symbols() -> None:
    # A stand-in "OpenSSL" that exports none of them: libpq itself.
    stand_in = next(e[1] for e in psycopg_toc() if "/libpq-" in e[1])
    toc = bundle_toc(stand_in, stand_in)
    assert shared_openssl(toc, "linux") == toc


def test_other_platforms_keep_what_pyinstaller_collected() -> None:
    toc = bundle_toc(loaded("libcrypto.so.3"), loaded("libssl.so.3"))
    assert shared_openssl(toc, "win32") == toc
    assert shared_openssl(toc, "darwin") == toc
