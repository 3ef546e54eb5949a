"""``listen --forward-to`` with ``--forward-mode`` and ``--forward-retry``: the real CLI in a
subprocess, the provider a real HTTP client, the handler a real server on a real port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from tests.cli.test_listen_output import read_line
from webhook_studio.cli import main
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture

BODY = b'{"type":"invoice.paid","id":"evt_1"}'


@contextmanager
def listening(tmp_path: Path, *extra: str) -> Iterator[str]:
    """``listen`` on a free port with ``extra`` options; yields its URL, stops it after."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--quiet",
         "--db", str(tmp_path / "f.sqlite3"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = read_line(proc)
        assert first.startswith("listening on http://127.0.0.1:"), (
            first, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        yield first.split()[-1]
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def provider_post(url: str) -> tuple[int, dict[str, str], bytes]:
    """What the provider gets back for its delivery: status, headers (names in lower case),
    body."""
    request = urllib.request.Request(url, data=BODY, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status), {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def until(condition: Callable[[], bool], within: float = 40.0, what: str = "") -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, what or "timed out"
        time.sleep(0.05)


def test_proxy_mode_answers_the_provider_with_the_handlers_response(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/handler/stripe", data=BODY).respond_with_data(
        '{"handled":"evt_1"}', status=201,
        headers={"Content-Type": "application/json", "X-Handled-By": "local"})
    with listening(tmp_path, "--forward-to", httpserver.url_for("/handler"),
                   "--forward-mode", "proxy", "--respond-status", "204") as url:
        status, headers, body = provider_post(f"{url}/stripe")
    assert (status, body) == (201, b'{"handled":"evt_1"}')  # not the 204 response rule
    assert headers["x-handled-by"] == "local"
    httpserver.check_assertions()


def test_async_mode_answers_with_the_response_rule_and_forwards_behind(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/handler/stripe", data=BODY).respond_with_data(
        "slow handler's answer", status=201)
    with listening(tmp_path, "--forward-to", httpserver.url_for("/handler"),
                   "--forward-mode", "async", "--respond-status", "202") as url:
        status, _, body = provider_post(f"{url}/stripe")
        assert status == 202 and b"slow handler" not in body
        until(lambda: len(httpserver.log) == 1, what="the capture was not forwarded")
    httpserver.check_assertions()


def test_forward_retry_schedule_is_the_one_given(tmp_path: Path,
                                                 httpserver: HTTPServer) -> None:
    """Five tries where the default gives four at most: the handler fails four times, then
    takes the fifth; the capture records every try."""
    seen: list[bytes] = []

    def handler(request: Request) -> Response:
        seen.append(request.get_data())
        return Response("down", status=503) if len(seen) < 5 else Response("ok")

    httpserver.expect_request("/h").respond_with_handler(handler)
    with listening(tmp_path, "--forward-to", httpserver.url_for("/h"),
                   "--forward-retry", "0,200ms,200ms,200ms,200ms") as url:
        assert provider_post(url)[0] == 200
        until(lambda: len(seen) == 5, what=f"{len(seen)} tries, not 5")
        db = str(tmp_path / "f.sqlite3")

        def recorded() -> list[dict[str, object]]:
            out = subprocess.run([sys.executable, "-m", "webhook_studio", "captures", "list",
                                  "--json", "--db", db], capture_output=True, text=True,
                                 check=True, timeout=60).stdout
            return list(json.loads(out)[0]["forwards"])

        until(lambda: len(recorded()) == 5, what="not every try was recorded")
    assert seen == [BODY] * 5
    assert [f["status"] for f in recorded()] == [503, 503, 503, 503, 200]


@pytest.mark.parametrize(("options", "sentence"), [
    (["--forward-mode", "proxy"], "--forward-mode proxy answers with a target's response: "
                                  "give the target with --forward-to URL."),
    (["--forward-to", "http://127.0.0.1:9/", "--forward-retry", "soon"],
     "--forward-retry: 'soon' is neither a preset (brainsait, envoyou, leads, none, "),
    (["--forward-to", "http://127.0.0.1:9/", "--forward-retry", "0,1s,x"],
     "--forward-retry: 'x' is not a delay"),
])
def test_bad_forwarding_options_are_usage_errors(
        options: list[str], sentence: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["listen", "--port", "0", "--db", str(tmp_path / "x.sqlite3"), *options]) == 2
    err = capsys.readouterr().err
    assert sentence in err and "Traceback" not in err
    assert not (tmp_path / "x.sqlite3").exists()  # refused before anything started


def test_forward_mode_is_a_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["listen", "--forward-mode", "sync", "--db", str(tmp_path / "x.sqlite3")])
    assert exited.value.code == 2
    assert "invalid choice: 'sync'" in capsys.readouterr().err


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *args, "--db",
                           str(tmp_path / "f.sqlite3")], capture_output=True, text=True,
                          timeout=60)


def forwards(tmp_path: Path) -> list[dict[str, Any]]:
    """The newest capture's forward records, read from the store file (no process each)."""
    store = open_store(tmp_path / "f.sqlite3")
    try:
        with store.session() as session:
            newest = session.scalars(select(Capture).order_by(Capture.id.desc())).first()
            return list(newest.forwards or []) if newest is not None else []
    finally:
        store.dispose()


def capture_ids(tmp_path: Path) -> list[int]:
    store = open_store(tmp_path / "f.sqlite3")
    try:
        with store.session() as session:
            return list(session.scalars(select(Capture.id).order_by(Capture.id)))
    finally:
        store.dispose()


def test_captures_forward_retries_a_failed_forward_by_hand(
        tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    """listen's default endpoint is not stored: the retry goes where the first forward went
    (the --path prefix taken off), to the target it was forwarded to."""
    target = httpserver.url_for("/handler")
    httpserver.stop()  # the handler is down when the provider calls
    with listening(tmp_path, "--path", "/hooks", "--forward-to", target,
                   "--forward-retry", "0") as url:
        assert provider_post(f"{url}/hooks/stripe")[0] == 200
        until(lambda: len(forwards(tmp_path)) == 1, what="the forward was not tried")
    [failed] = forwards(tmp_path)
    assert failed["ok"] is False
    capture_id = str(capture_ids(tmp_path)[0])

    httpserver.start()
    httpserver.expect_oneshot_request("/handler/stripe", data=BODY).respond_with_data("ok")
    done = cli(tmp_path, "captures", "forward", capture_id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(
        f"forwarded capture #{capture_id} again to {target}/stripe: 200 in ")
    assert "(forward 2 to that target)" in done.stdout
    httpserver.check_assertions()
    assert [(f["ok"], f.get("manual", False)) for f in forwards(tmp_path)] == [
        (False, False), (True, True)]

    db = ["--db", str(tmp_path / "f.sqlite3")]
    assert main(["captures", "forward", capture_id, "--target", "http://127.0.0.1:1/x",
                 *db]) == 2
    assert (f"is not forwarded to http://127.0.0.1:1/x; it forwards to {target}."
            in capsys.readouterr().err)
    assert main(["captures", "forward", "9999", *db]) == 1
    assert "No capture with id 9999" in capsys.readouterr().err
    httpserver.stop()
    assert main(["captures", "forward", capture_id, "--json", *db]) == 1  # down again
    assert json.loads(capsys.readouterr().out)["outcome"] == "connection_error"
    assert len(forwards(tmp_path)) == 3
