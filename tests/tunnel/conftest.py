"""A throwaway OpenSSH server on loopback (Debian's openssh-server; CI installs it), and a real
receiver, for tunnel tests."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.store import Store

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sshd:
    port: int
    user: str
    client_key: Path
    folder: Path
    process: subprocess.Popen[bytes]

    def url(self, **options: Any) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"ssh://{self.user}@127.0.0.1:{self.port}" + (f"?{query}" if query else "")

    def sessions(self) -> list[int]:
        """Process ids of the per-connection sshd children."""
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                               text=True, check=False)
        return [int(p) for p in found.stdout.split()]

    def kill_sessions(self) -> int:
        killed = 0
        for pid in self.sessions():
            os.kill(pid, signal.SIGKILL)
            killed += 1
        return killed


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    yield from start_sshd(tmp_path)


@pytest.fixture
def relay_sshd(tmp_path: Path) -> Iterator[Sshd]:
    """An sshd that behaves like localhost.run on the session channel: it announces the URL
    it assigned as a JSON event (its ``--output json`` format), then a new one, and stays."""
    script = tmp_path / "relay.sh"
    script.write_text("#!/bin/sh\n"
                      "echo 'Welcome to the stand-in relay'\n"
                      "echo '{\"event\":\"tcpip-forward\",\"address\":\"4f2a9c1e7b3d5a.lhr.life\","
                      "\"message\":\"4f2a9c1e7b3d5a.lhr.life tunneled with tls termination\"}'\n"
                      "sleep 2\n"
                      "echo '{\"event\":\"tcpip-forward\","
                      "\"address\":\"9b8c7d6e5f4a3b.lhr.life\"}'\n"
                      "exec sleep 600\n")
    script.chmod(0o755)
    yield from start_sshd(tmp_path, [f"ForceCommand {script}"])


def start_sshd(tmp_path: Path, extra: list[str] | None = None) -> Iterator[Sshd]:
    assert Path(SSHD).exists(), "tunnel tests need OpenSSH's sshd (apt-get install openssh-server)"
    folder = tmp_path / "sshd"
    folder.mkdir()
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)],
                       check=True)
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation folder sshd insists on
    port = free_port()
    (folder / "sshd_config").write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {folder / 'host_key'}",
        f"PidFile {folder / 'sshd.pid'}", f"AuthorizedKeysFile {folder / 'authorized_keys'}",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
        "StrictModes no", "PermitRootLogin prohibit-password", "AllowTcpForwarding yes",
        "GatewayPorts clientspecified", "ClientAliveInterval 5", "LogLevel ERROR",
        *(extra or []), ""]))
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(folder / "sshd_config")],
                               stderr=subprocess.PIPE)
    deadline = time.time() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                raise AssertionError(f"sshd did not start: {process.stderr.read()!r}"  # type: ignore[union-attr]
                                     ) from None
            time.sleep(0.1)
    yield Sshd(port, getpass.getuser(), folder / "client_key", folder, process)
    process.terminate()
    process.wait(10)
    process.stderr.close()  # type: ignore[union-attr]


@pytest.fixture
async def receiver(store: Store) -> AsyncIterator[Receiver]:
    started = Receiver(store, port=0, default_endpoint=EndpointConfig(
        scheme_name="github", secrets=("It's a Secret to Everybody",)))
    await started.start()
    yield started
    await started.stop()
