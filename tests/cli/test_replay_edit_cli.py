"""``replay ID --edit`` / ``--set-header`` / ``--body-file`` and target checks, driven as a
person does: the real CLI in a subprocess, an EDITOR script standing in for the person."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from pytest_httpserver import HTTPServer

from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Delivery

BODY = b'{"amount":100}'


def seed(db: Path, body: bytes = BODY) -> None:
    store = open_store(db)
    with store.session() as session:
        session.add(Capture(received_at=time.time() - 60, method="POST", path="/h", query="",
                            headers=[["Content-Type", "application/json"], ["X-Env", "prod"],
                                     ["x-env", "dup"], ["Content-Length", str(len(body))]],
                            body=body, body_size=len(body), state="captured",
                            response_status=200))
    store.dispose()


def cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "webhook_studio", *args], input=stdin,
                          capture_output=True, timeout=60, env={**os.environ, **(env or {})})
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


def editor_script(tmp_path: Path, code: str) -> str:
    """An EDITOR: a Python script that rewrites the JSON file it is given."""
    script = tmp_path / "editor.py"
    script.write_text("import json, sys\npath = sys.argv[1]\n"
                      "doc = json.load(open(path, encoding='utf-8'))\n"
                      + textwrap.dedent(code)
                      + "\njson.dump(doc, open(path, 'w', encoding='utf-8'))\n")
    return f"{sys.executable} {script}"


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    """The CLI with a terminal on stdin/stdout, as when a person types the command."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI itself
        os.execvpe(sys.executable, [sys.executable, "-m", "webhook_studio", *args],
                   {**os.environ, **env})
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        elif os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


def test_set_header_remove_header_method_and_body_file(tmp_path: Path,
                                                      httpserver: HTTPServer) -> None:
    db = tmp_path / "s.sqlite3"
    seed(db)
    httpserver.expect_request("/t", method="PUT").respond_with_data("ok")
    new_body = tmp_path / "body.json"
    new_body.write_bytes(b'{"amount":999}')
    done = cli("replay", "1", "--to", httpserver.url_for("/t"), "--db", str(db),
               "--set-header", "x-env: staging", "--remove-header", "content-type",
               "--set-header", "X-New: 1", "--method", "put", "--body-file", str(new_body),
               "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["edited_from"] == 1 and out["capture_id"] == 2 and out["status"] == 200
    request = httpserver.log[0][0]
    assert request.method == "PUT" and request.get_data() == b'{"amount":999}'
    assert request.headers.get_all("X-Env") == ["staging"]
    assert request.headers.get("Content-Type") != "application/json"
    assert request.headers["X-New"] == "1"
    store = open_store(db)
    with store.session() as session:
        original, copy = session.get(Capture, 1), session.get(Capture, 2)
        assert original is not None and copy is not None
        assert original.body == BODY and original.method == "POST"
        assert copy.edited_from == 1 and copy.source == "edited" and copy.method == "PUT"
        delivery = session.get(Delivery, out["delivery_id"])
        assert delivery is not None and delivery.source_capture_id == 2
    store.dispose()


def test_body_from_stdin(tmp_path: Path, httpserver: HTTPServer) -> None:
    db = tmp_path / "b.sqlite3"
    seed(db)
    httpserver.expect_request("/t").respond_with_data("ok")
    done = cli("replay", "1", "--to", httpserver.url_for("/t"), "--db", str(db),
               "--body-file", "-", "--json", stdin=b"\x00\x01binary")
    assert done.returncode == 0, done.stderr
    assert httpserver.log[0][0].get_data() == b"\x00\x01binary"
    assert json.loads(done.stdout)["edited_from"] == 1


def test_edit_without_a_terminal_refuses_and_sends_nothing(tmp_path: Path,
                                                           httpserver: HTTPServer) -> None:
    db = tmp_path / "n.sqlite3"
    seed(db)
    done = cli("replay", "1", "--to", httpserver.url_for("/t"), "--db", str(db), "--edit",
               stdin=b"")
    assert done.returncode == 2
    assert "--edit needs a terminal; use --set-header/--body-file instead" in done.stderr
    assert httpserver.log == []


def test_edit_in_the_editor_sends_the_edited_request(tmp_path: Path,
                                                     httpserver: HTTPServer) -> None:
    db = tmp_path / "e.sqlite3"
    seed(db)
    httpserver.expect_request("/edited", method="PATCH").respond_with_data("ok", status=202)
    editor = editor_script(tmp_path, f"""
        assert doc["method"] == "POST" and doc["body"] == '{{"amount":100}}'
        assert {{"name": "X-Env", "value": "prod"}} in doc["headers"]
        assert all(h["name"] != "Content-Length" for h in doc["headers"])
        doc["method"] = "PATCH"
        doc["url"] = {httpserver.url_for("/edited")!r}
        doc["headers"].append({{"name": "X-Edited", "value": "yes"}})
        doc["body"] = '{{"amount":5}}'
    """)
    code, output = run_in_pty(["replay", "1", "--to", httpserver.url_for("/first"),
                               "--db", str(db), "--edit", "--json"], {"EDITOR": editor})
    assert code == 0, output
    out = json.loads(output[output.index("{"):])
    assert out["edited_from"] == 1 and out["status"] == 202
    request = httpserver.log[0][0]
    assert request.path == "/edited" and request.method == "PATCH"
    assert request.get_data() == b'{"amount":5}' and request.headers["X-Edited"] == "yes"


def test_a_broken_edit_names_each_problem_and_sends_nothing(
        tmp_path: Path, httpserver: HTTPServer) -> None:
    db = tmp_path / "x.sqlite3"
    seed(db)
    editor = editor_script(tmp_path, """
        doc["url"] = "localhost:3000/hook"
        doc["method"] = "NOT A METHOD"
        doc["headers"].append({"name": "Bad Name", "value": "x"})
        doc["bodyBase64"] = "AAAA"
    """)
    code, output = run_in_pty(["replay", "1", "--to", httpserver.url_for("/t"),
                               "--db", str(db), "--edit"], {"EDITOR": editor})
    assert code == 2
    flat = " ".join(output.split())
    assert "not a full URL: write http://localhost:3000/hook" in flat
    assert "The method must be a word like POST" in flat
    assert "'Bad Name' is not a valid HTTP header name" in flat
    assert "either as body (text) or bodyBase64, not both" in flat
    assert "Nothing was sent; your edit is kept in" in flat and httpserver.log == []
    kept = Path(flat.split("your edit is kept in ")[1].split()[0].rstrip("."))
    assert json.loads(kept.read_text())["url"] == "localhost:3000/hook"
    kept.unlink()
    store = open_store(db)
    with store.session() as session:
        assert session.query(Capture).count() == 1 and session.query(Delivery).count() == 0
    store.dispose()


def test_an_editor_that_fails_or_changes_nothing(tmp_path: Path,
                                                 httpserver: HTTPServer) -> None:
    db = tmp_path / "f.sqlite3"
    seed(db)
    httpserver.expect_request("/t").respond_with_data("ok")
    code, output = run_in_pty(["replay", "1", "--to", httpserver.url_for("/t"), "--db",
                               str(db), "--edit"], {"EDITOR": "false"})
    assert code == 2 and "exited with status 1; nothing was sent" in output
    code, output = run_in_pty(["replay", "1", "--to", httpserver.url_for("/t"), "--db",
                               str(db), "--edit"], {"EDITOR": "true"})
    assert code == 0 and "replayed capture #1 (request unchanged)" in output
    assert len(httpserver.log) == 1


def test_a_binary_body_is_edited_as_base64(tmp_path: Path, httpserver: HTTPServer) -> None:
    db = tmp_path / "bin.sqlite3"
    seed(db, body=bytes(range(256)))
    httpserver.expect_request("/t").respond_with_data("ok")
    editor = editor_script(tmp_path, """
        import base64
        assert "body" not in doc
        raw = base64.b64decode(doc["bodyBase64"])
        doc["bodyBase64"] = base64.b64encode(raw[::-1]).decode()
    """)
    code, output = run_in_pty(["replay", "1", "--to", httpserver.url_for("/t"), "--db",
                               str(db), "--edit"], {"EDITOR": editor})
    assert code == 0, output
    assert httpserver.log[0][0].get_data() == bytes(range(256))[::-1]


def test_a_target_without_a_scheme_is_refused_before_anything_is_stored(
        tmp_path: Path) -> None:
    db = tmp_path / "u.sqlite3"
    seed(db)
    for target in ("localhost:8000", "ftp://example.com/x", "http://", "http://exa mple.com"):
        done = cli("replay", "1", "--to", target, "--db", str(db))
        assert done.returncode == 2, (target, done.stderr)
        assert done.stderr.startswith("webhook-studio: --to: "), done.stderr
        assert "Traceback" not in done.stderr
    assert "write http://localhost:8000" in cli("replay", "1", "--to", "localhost:8000",
                                                "--db", str(db)).stderr
    store = open_store(db)
    with store.session() as session:
        assert session.query(Delivery).count() == 0
    store.dispose()




def test_an_unknown_capture_is_named_with_or_without_edits(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    seed(db)
    for extra in ([], ["--set-header", "A: b"]):
        done = cli("replay", "99", "--to", "http://127.0.0.1:9/", "--db", str(db), *extra)
        assert done.returncode == 1
        assert done.stderr == ("webhook-studio: No capture with id 99. List them with: "
                               "webhook-studio captures list\n")
