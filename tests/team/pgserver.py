"""A throwaway PostgreSQL server for the tests: one per test session, one database per test.

Debian's ``postgresql`` package brings ``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/N/bin``);
the cluster lives in a temporary folder, listens on 127.0.0.1 and a free port with its unix
socket in that folder, and runs with ``fsync=off`` (it is thrown away at the end). initdb refuses
to run as root, so as root the server runs as the ``postgres`` user the package creates.

Each test gets a fresh database copied from a template that was migrated once (``CREATE
DATABASE ... TEMPLATE``): a copy costs milliseconds where running the migrations would not.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TEMPLATE = "ws_template"
SUPERUSER = "studio"


class PgUnavailable(Exception):
    """The PostgreSQL binaries (or the user to run them as) are not on this machine."""


def find_bin_dir() -> Path:
    """The newest installed server's bin folder."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name)
                        if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
                        "on Debian: apt-get install postgresql")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable_tmp(other_user: bool) -> str | None:
    """A temporary folder the server's user can reach: as root the server runs as
    ``postgres``, which cannot enter a 0700 /tmp (some sandboxes and CI images have one)."""
    if not other_user:
        return None
    for candidate in (tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        path = Path(candidate)
        if path.is_dir() and all(os.stat(p).st_mode & 0o001 for p in (path, *path.parents)):
            return str(path)
    return None


class PgServer:
    """A running cluster; :meth:`new_database` hands out fresh databases."""

    def __init__(self) -> None:
        self.bin = find_bin_dir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user to run "
                                    "the test server as") from None
            runuser = shutil.which("runuser") or shutil.which("setpriv")
            if runuser is None:
                raise PgUnavailable("running as root and neither runuser nor setpriv exists")
            self.as_user = ([runuser, "-u", "postgres", "--"] if runuser.endswith("runuser")
                            else [runuser, "--reuid=postgres", "--regid=postgres",
                                  "--init-groups"])
        self.dir = Path(tempfile.mkdtemp(prefix="ws-pg-", dir=_reachable_tmp(bool(self.as_user))))
        if self.as_user:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.data = self.dir / "data"
        self.port = 0
        self._names = itertools.count(1)

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): "
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        last: Exception | None = None
        for _ in range(3):  # a free port can be taken between finding it and binding it
            self.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                       f"-c unix_socket_directories={self.dir} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=300 -c shared_buffers=32MB")
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")
                break
            except RuntimeError as exc:
                last = exc
        else:
            raise RuntimeError(f"PostgreSQL did not start: {last}")
        self._make_template()

    def stop(self, mode: str = "immediate") -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                      "stop", timeout=60)

    def restart(self) -> None:
        """Start the cluster again after :meth:`stop` (same port)."""
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname=database, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def _make_template(self) -> None:
        from webhook_studio.store import open_store

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        store = open_store(self.url(TEMPLATE))
        store.dispose()

    def new_database(self) -> str:
        """A fresh, migrated database's URL."""
        name = f"t{os.getpid()}_{next(self._names)}_{int(time.time() * 1000) % 100000}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def terminate_backend(self, pid: int) -> bool:
        """``pg_terminate_backend`` one connection, as an administrator would."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            row = conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        return bool(row and row[0])
