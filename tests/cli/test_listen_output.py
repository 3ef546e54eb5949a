"""``listen`` prints one line per request (text or JSON), or nothing with ``--quiet``: the
real CLI in a subprocess, real HTTP posts, lines read from its standard output."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

SECRET = "gh-secret"
BODY = b'{"action":"opened","n":' + b"1" * 1200 + b"}"


@contextmanager
def listening(tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--scheme", "github",
         "--secret", SECRET, "--db", str(tmp_path / "l.sqlite3"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = read_line(proc)
        url = json.loads(first)["url"] if "--json" in extra else first.split()[-1]
        assert url.startswith("http://127.0.0.1:"), first
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def read_line(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    """The next line of the CLI's output, or a failure after ``timeout`` seconds."""
    assert proc.stdout is not None
    pool = ThreadPoolExecutor(1)
    try:  # on a timeout the reader ends when the process is stopped and its pipe closes
        return pool.submit(proc.stdout.readline).result(timeout)
    finally:
        pool.shutdown(wait=False)


def post(url: str, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request"}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def good_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def stop_and_read(proc: subprocess.Popen[str]) -> list[str]:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return out.splitlines()


def test_a_line_per_request_with_verdict_status_and_size(tmp_path: Path) -> None:
    with listening(tmp_path) as (proc, url):
        assert post(url + "/hooks/github", BODY, good_signature(BODY)) == 200
        assert proc.stdout is not None
        line = read_line(proc)  # printed while the receiver runs, not at exit
        assert post(url + "/hooks/github", b"{}", "sha256=" + "0" * 64) == 200
        lines = [line.rstrip("\n"), *stop_and_read(proc)]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  POST /hooks/github  valid  200  "
                        r"1\.2 kB  #1", lines[0]), lines[0]
    assert re.fullmatch(r"\S+ \S+  POST /hooks/github  invalid no_signature_matched  200  2 B  "
                        r"#2", lines[1]), lines[1]


def test_json_prints_one_object_per_line(tmp_path: Path) -> None:
    with listening(tmp_path, "--json") as (proc, url):
        post(url + "/a?x=1", BODY, good_signature(BODY))
        post(url + "/b", b"", None)
        lines = stop_and_read(proc)
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "request" and first["method"] == "POST" and first["path"] == "/a"
    assert first["query"] == "x=1"
    assert first["valid"] is True and first["status"] == 200 and first["size"] == len(BODY)
    assert first["capture_id"] == 1 and first["time"].endswith("Z")
    assert second["valid"] is False and second["reason"] and second["size"] == 0


def test_quiet_prints_nothing_per_request(tmp_path: Path) -> None:
    with listening(tmp_path, "--quiet") as (proc, url):
        assert post(url + "/q", BODY, good_signature(BODY)) == 200
        assert stop_and_read(proc) == []


def test_resigned_github_replay_is_not_a_duplicate_as_is_is(tmp_path: Path) -> None:
    """``replay --resign --profile github`` against ``listen --profile github``: the re-signed
    copy is valid and new; the as-is copy repeats the delivery id and is flagged."""
    import time

    from webhook_studio.store import open_store
    from webhook_studio.store.receiver_models import Capture

    source = tmp_path / "source.sqlite3"
    store = open_store(source)
    with store.session() as session:
        session.add(Capture(received_at=time.time(), method="POST", path="/gh", query="",
                            headers=[["X-GitHub-Delivery", "72d3162e-cc78"],
                                     ["X-GitHub-Event", "push"],
                                     ["X-Hub-Signature-256", good_signature(BODY)]],
                            body=BODY, body_size=len(BODY), state="captured",
                            response_status=200))
    store.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--profile",
         "github", "--secret", SECRET, "--db", str(tmp_path / "listen.sqlite3")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = read_line(proc).split()[-1] + "/gh"

        def replay(*extra: str) -> None:
            done = subprocess.run([sys.executable, "-m", "webhook_studio", "replay", "1",
                                   "--to", url, "--db", str(source), *extra],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr

        replay()
        replay()
        replay("--resign", "--profile", "github", "--secret", SECRET)
        lines = [read_line(proc) for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    first, again, resigned = (line.rstrip("\n") for line in lines)
    assert first.endswith("valid  200  1.2 kB  #1"), first
    assert again.endswith("valid  200  1.2 kB  #2  duplicate of #1"), again
    assert resigned.endswith("valid  200  1.2 kB  #3"), resigned
