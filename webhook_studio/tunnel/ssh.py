"""SSH reverse tunnels, in-process with asyncssh: to a server you control, or to localhost.run.

Your own server: the remote port (chosen, or assigned by the server) forwards to the local
receiver; ``GatewayPorts yes`` (or ``clientspecified``) lets other machines reach it. The public
URL is ``public_url`` when given (a reverse proxy with TLS in front), else
``http://HOST:REMOTE_PORT``.

localhost.run: forward remote port 80, then read the URL it assigned from the session channel
(JSON events with ``-- --output json``, else its text banner).

Host keys are checked against ``~/.ssh/known_hosts`` and the app's own ``known_hosts`` file;
an unknown host is refused with a sentence unless ``accept_new_host_key`` is set, in which
case its key is recorded in the app's file (trust on first use, like ``ssh -o
StrictHostKeyChecking=accept-new``). A changed key is always refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from webhook_studio.core.tunnels import LOCALHOST_RUN, TunnelSpec, url_from_localhost_run
from webhook_studio.tunnel.base import Tunnel, TunnelError, TunnelGaveUp

CONNECT_TIMEOUT = 15.0
URL_TIMEOUT = 30.0


class SshTunnel(Tunnel):
    def __init__(self, spec: TunnelSpec, local_port: int, *, local_host: str = "127.0.0.1",
                 known_hosts: Path | None = None, accept_new_host_key: bool = False,
                 client_keys: list[str] | None = None) -> None:
        super().__init__(spec, local_port)
        self.local_host = local_host
        self.app_known_hosts = known_hosts
        self.accept_new_host_key = accept_new_host_key
        self.client_keys = client_keys
        self._conn: Any = None

    def _known_hosts_files(self) -> list[str]:
        files = [Path.home() / ".ssh" / "known_hosts"]
        if self.app_known_hosts is not None:
            files.append(self.app_known_hosts)
        return [str(f) for f in files if f.is_file()]

    def _is_known(self) -> bool:
        import asyncssh

        for path in self._known_hosts_files():
            known = asyncssh.read_known_hosts(path)
            if any(known.match(self.spec.host, "", self.spec.port)):
                return True
        return False

    def _remember(self, conn: Any) -> None:
        key = conn.get_server_host_key()
        if key is None or self.app_known_hosts is None:
            return
        host = self.spec.host if self.spec.port == 22 else f"[{self.spec.host}]:{self.spec.port}"
        self.app_known_hosts.parent.mkdir(parents=True, exist_ok=True)
        with self.app_known_hosts.open("a", encoding="ascii") as handle:
            handle.write(f"{host} {key.export_public_key('openssh').decode().strip()}\n")
        self.app_known_hosts.chmod(0o600)

    async def _connect(self) -> Any:
        import asyncssh

        keys: Any = [self.spec.key_file] if self.spec.key_file else self.client_keys
        trusted = self._known_hosts_files()
        first_use = not self._is_known()
        if first_use and not self.accept_new_host_key:
            raise TunnelGaveUp(
                f"{self.spec.host}'s host key is not known. Check it and add it to "
                f"~/.ssh/known_hosts (ssh-keyscan -p {self.spec.port} {self.spec.host}), or "
                "allow trusting it on first use.")
        options: dict[str, Any] = {
            "host": self.spec.host, "port": self.spec.port, "username": self.spec.user,
            "known_hosts": None if first_use else trusted, "keepalive_interval": 15,
            "keepalive_count_max": 3,
        }
        if keys is not None:
            options["client_keys"] = keys
        if self.spec.kind == LOCALHOST_RUN:  # no signup: any key, or none at all
            options.setdefault("client_keys", None)
            options["password"] = None
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                conn = await asyncssh.connect(**options)
        except TimeoutError as exc:
            raise TunnelError(f"{self.spec.host}:{self.spec.port} did not answer within "
                              f"{CONNECT_TIMEOUT:.0f} s") from exc
        except asyncssh.HostKeyNotVerifiable as exc:
            raise TunnelGaveUp(f"{self.spec.host}'s host key does not match the one on record "
                               "(it changed, or someone is in between): refusing to connect."
                               ) from exc
        except asyncssh.PermissionDenied as exc:
            raise TunnelGaveUp(f"{self.spec.user}@{self.spec.host} refused our keys (use "
                               "?key=PATH or load the key into your SSH agent).") from exc
        except (asyncssh.Error, OSError) as exc:
            raise TunnelError(f"cannot reach {self.spec.host}:{self.spec.port} ({exc})"
                              ) from exc
        if first_use:
            self._remember(conn)
        return conn

    async def _run_once(self) -> None:
        import asyncssh

        self._conn = conn = await self._connect()
        try:
            listener = await conn.forward_remote_port(
                "" if self.spec.kind == LOCALHOST_RUN else "0.0.0.0", self.spec.remote_port,
                self.local_host, self.local_port)
        except asyncssh.Error as exc:
            raise TunnelGaveUp(f"{self.spec.host} refused the port forward ({exc}); the "
                               "server needs AllowTcpForwarding yes.") from exc
        if self.spec.kind == LOCALHOST_RUN:
            await self._read_relay_urls(conn)
        else:
            port = listener.get_port()
            self._up(self.spec.public_url or f"http://{self.spec.host}:{port}")
            await conn.wait_closed()

    async def _read_relay_urls(self, conn: Any) -> None:
        """Read the relay's messages; each URL it announces becomes the public URL."""
        process = await conn.create_process("-- --output json", encoding="utf-8",
                                            term_type=None)
        async with asyncio.timeout(URL_TIMEOUT):
            first = await self._next_url(process)
        if first is None:
            raise TunnelError(f"{self.spec.host} did not say which URL it assigned")
        self._up(first)
        while True:  # the relay may announce a new URL (after its own reconnects)
            url = await self._next_url(process)
            if url is None:
                return
            if url != self.state.public_url:
                self._up(url)

    @staticmethod
    async def _next_url(process: Any) -> str | None:
        while True:
            line = await process.stdout.readline()
            if not line:
                return None
            url = url_from_localhost_run(line)
            if url:
                return url

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 5)
