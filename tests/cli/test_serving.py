"""``webhook-studio serve`` and ``webhook-studio token``."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from webhook_studio.cli import main
from webhook_studio.cli.serving import _check_args
from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import count_captures


def test_token_prints_the_same_token_each_time(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "t.sqlite3")
    assert main(["token", "--db", db]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["token", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == first
    assert (tmp_path / "api-token").read_text().strip() == first


def test_non_loopback_api_without_allow_remote_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "x.sqlite3")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--allow-remote" in err and "0.0.0.0" in err
    code = main(["serve", "--api-host", "192.0.2.1", "--db", str(tmp_path / "x.sqlite3")])
    assert code == 2


def test_allow_remote_warns(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(port=0, api_port=0, host="0.0.0.0", api_host=None,
                              allow_remote=True)
    assert _check_args(args) == "0.0.0.0"
    assert "warning" in capsys.readouterr().err
    args = argparse.Namespace(port=0, api_port=0, host="0.0.0.0", api_host="127.0.0.1",
                              allow_remote=False)
    assert _check_args(args) == "127.0.0.1"  # a public receiver, a local API: fine


def test_bad_port_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--api-port", "70000", "--db", str(tmp_path / "x.sqlite3")]) == 2
    assert "--api-port 70000" in capsys.readouterr().err


@pytest.mark.slow
async def test_serve_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "serve", "--port", "0", "--api-port", "0",
         "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        second = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        assert first.startswith(b"listening on http://127.0.0.1:"), first
        assert second.startswith(b"api on http://127.0.0.1:"), second
        receiver, api = first.decode().split()[-1], second.decode().split()[-1]
        token = (tmp_path / "api-token").read_text().strip()
        auth = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{api}/api/v1/webhooks") as resp:
                assert resp.status == 401
            async with http.post(f"{api}/api/v1/webhooks", headers=auth, json={
                    "url": receiver + "/in", "events": ["*"]}) as resp:
                assert resp.status == 201
            async with http.post(f"{api}/api/v1/events", headers=auth,
                                 json={"type": "a.b", "data": {}}) as resp:
                (delivery_id,) = (await resp.json())["delivery_ids"]
            for _ in range(200):  # the sender runs inside serve
                async with http.get(f"{api}/api/v1/deliveries/{delivery_id}",
                                    headers=auth) as resp:
                    if (await resp.json())["state"] == "delivered":
                        break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the delivery never arrived")
            async with http.post(receiver + "/direct", data=b"x") as resp:
                assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err = proc.stderr.read().decode() if proc.stderr else ""
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert token not in err and "api token in" in err
    store = open_store(db)
    try:
        with store.session() as session:
            assert count_captures(session) == 2  # flushed on the way out
    finally:
        store.dispose()
