"""The installed app on a team database: a throwaway PostgreSQL server with TLS on, and the
installed command pointed at it.

    .venv/bin/python packaging/team_db_check.py [COMMAND]   # default: dist/webhook-studio/…

``check_install.py`` runs :func:`check_command` against the ``.deb`` and the tar.gz installs;
run alone it checks a command (by default the bundle ``build.py`` made). What it proves:

- psycopg and its libpq are in the installed app: ``captures import`` over a
  ``postgresql+psycopg://…?sslmode=require`` URL creates the schema in an empty database and
  stores a capture, and ``captures list --json`` reads it back;
- the connection is TLS through the bundle's own OpenSSL (``sslmode=require`` fails without
  TLS), and the process loads exactly one libcrypto, from the installed folder: the spec links
  psycopg's copy to the one Python's ssl module uses (``shared_openssl`` in the spec), and the
  dynamic loader's own trace (``LD_DEBUG=files``) shows what was loaded.

The server comes from ``tests/team/pgserver.py`` (Debian's ``postgresql`` package; as root it
runs as the ``postgres`` user).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.team.pgserver import SUPERUSER, PgServer  # noqa: E402 - needs ROOT on sys.path


class TeamCheckFailed(SystemExit):
    pass


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for the server (libpq's sslmode=require does not verify it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


class TeamDatabase:
    """A throwaway cluster that accepts TLS; one empty database per :meth:`new_url`."""

    def __init__(self) -> None:
        self.server = PgServer()

    def __enter__(self) -> TeamDatabase:
        self.server.start()
        cert, key = _self_signed(self.server.dir)
        if self.server.as_user:  # the server runs as postgres: its key must be its own
            import pwd

            entry = pwd.getpwnam("postgres")
            for path in (cert, key):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        for sql in (f"ALTER SYSTEM SET ssl_cert_file = '{cert}'",
                    f"ALTER SYSTEM SET ssl_key_file = '{key}'",
                    "ALTER SYSTEM SET ssl = on", "SELECT pg_reload_conf()"):
            self.server.admin(sql)
        self._wait_for_tls()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.cleanup()

    def _wait_for_tls(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.server.port, user=SUPERUSER,
                                     dbname="postgres", sslmode="require", connect_timeout=5):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise TeamCheckFailed(f"the test server did not turn TLS on: {exc}") from exc
                time.sleep(0.3)

    def new_url(self, name: str) -> str:
        """An empty database (no schema: the installed app must create it), over TLS."""
        self.server.admin(f"CREATE DATABASE {name}")
        return f"{self.server.url(name)}?sslmode=require"


def loaded_objects(ld_debug: str) -> list[str]:
    """Paths of the shared objects the dynamic loader initialised, from LD_DEBUG=files."""
    return re.findall(r"calling init: (\S+)", ld_debug)


def check_command(command: str, env: dict[str, str], url: str, har: Path, install: Path,
                  expect: Callable[[bool, str], None]) -> None:
    """The installed ``command`` (its files under ``install``) stores and lists a capture on
    the team database at ``url``, over TLS, with one OpenSSL loaded from ``install``."""
    def run(args: list[str], extra: dict[str, str] | None = None) -> (
            subprocess.CompletedProcess[str]):
        cmd = [command, "--db", url, *args]
        print("+", " ".join(cmd), flush=True)
        done = subprocess.run(cmd, text=True, capture_output=True, env={**env, **(extra or {})},
                              timeout=120, check=False)
        if done.returncode != 0:
            raise TeamCheckFailed(f"failed ({done.returncode}): {' '.join(cmd)}\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    run(["captures", "import", str(har)])
    listed = run(["captures", "list", "--json"], {"LD_DEBUG": "files"})
    captures = json.loads(listed.stdout)
    expect(len(captures) == 1, "the installed app created the schema on PostgreSQL, stored the "
                               "imported capture and lists it (over TLS: sslmode=require)")
    loaded = loaded_objects(listed.stderr)
    libpq = sorted({os.path.realpath(p) for p in loaded if "/libpq" in p})
    crypto = sorted({os.path.realpath(p) for p in loaded if "/libcrypto" in p})
    ssl = sorted({os.path.realpath(p) for p in loaded if re.search(r"/libssl[.-]", p)})
    root = os.path.realpath(install)
    expect(len(libpq) == 1 and libpq[0].startswith(root),
           f"libpq came from the installed folder ({libpq})")
    expect(len(crypto) == 1 and crypto[0].startswith(root) and len(ssl) == 1
           and ssl[0].startswith(root),
           f"one OpenSSL is loaded, the installed folder's ({crypto + ssl})")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "dist" / "webhook-studio" /
                                                        "webhook-studio")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from check_install import SAMPLE_HAR, expect

    with tempfile.TemporaryDirectory() as tmp, TeamDatabase() as team:
        har = Path(tmp) / "sample.har"
        har.write_text(json.dumps(SAMPLE_HAR))
        env = {**os.environ, "HOME": tmp, "QT_QPA_PLATFORM": "offscreen"}
        try:
            check_command(command, env, team.new_url("installed"), har,
                          Path(command).resolve().parent, expect)
        except SystemExit as exc:
            print(exc.code, file=sys.stderr)
            return 1
    print("team database: the app stores and lists captures on PostgreSQL over TLS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
