"""``listen --public``: the contract other tools parse (``public URL: …`` on its own line),
usage errors as sentences, and what it started is stopped with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.tunnel.test_bring_your_own import alive, fake_cloudflared
from webhook_studio.core.tunnels import (
    TunnelSpecError,
    parse_tunnel_spec,
    url_from_cloudflared,
    url_from_localhost_run,
    url_from_ngrok_api,
)


def read_until(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.time() + timeout
    assert process.stdout is not None
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not printed; got {lines}")


def test_listen_public_cloudflared_prints_the_url_and_stops_the_tunnel_with_it(
        tmp_path: Path) -> None:
    fake_cloudflared(tmp_path, "tools-parse-this-line")
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db",
         str(tmp_path / "s.sqlite3"), "--public", "cloudflared"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = read_until(process, "public URL:")
        assert lines[0].startswith("listening on http://127.0.0.1:")
        assert lines[-1] == "public URL: https://tools-parse-this-line.trycloudflare.com"
        pid = int((tmp_path / "calls").read_text().split()[0])
        assert alive(pid)
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Cf-Connecting-Ip" in err
    assert not alive(pid)


def test_listen_public_with_a_bad_tunnel_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db",
         str(tmp_path / "s.sqlite3"), "--public", "ssh://nouser.example"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "needs a user name" in done.stderr and "Traceback" not in done.stderr


@given(st.text(max_size=200))
def test_tunnel_specs_parse_or_say_why(text: str) -> None:
    try:
        spec = parse_tunnel_spec(text)
    except TunnelSpecError as exc:
        message = str(exc)
        assert message.endswith(".")
    else:
        assert spec.kind in ("ssh", "localhost.run", "ngrok", "cloudflared")


@given(st.text(max_size=300))
def test_log_line_parsers_never_raise(line: str) -> None:
    for url in (url_from_localhost_run(line), url_from_cloudflared(line)):
        assert url is None or url.startswith("https://")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20))
def test_ngrok_api_parser_never_raises(document: object) -> None:
    found = url_from_ngrok_api(document, 8000)
    assert found is None or found.startswith(("http://", "https://"))


def test_localhost_run_announcements() -> None:
    event = '{"event":"tcpip-forward","address":"4f2a9c1e7b3d5a.lhr.life","message":"ok"}'
    assert url_from_localhost_run(event) == "https://4f2a9c1e7b3d5a.lhr.life"
    banner = "4f2a9c1e7b3d5a.lhr.life tunneled with tls termination, https://4f2a9c1e7b3d5a.lhr.life"
    assert url_from_localhost_run(banner) == "https://4f2a9c1e7b3d5a.lhr.life"
    assert url_from_localhost_run('{"event":"tcpip-forward","address":"evil host/x"}') is None
