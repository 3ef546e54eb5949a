"""``deliveries retry --dead-letters [--subscription ID] [--since DURATION]``: a target that
was down is fixed, and every dead letter goes again; the wrong mix of options is one
sentence and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.cli.test_replay_deliveries_cli import cli


def test_dead_letters_retried_from_the_command_line(tmp_path: Path,
                                                    httpserver: HTTPServer) -> None:
    db = str(tmp_path / "d.sqlite3")
    up = {"now": False}

    def target(_request: Request) -> Response:
        return Response("ok" if up["now"] else "down", status=200 if up["now"] else 503)

    httpserver.expect_request("/hook").respond_with_handler(target)
    for n in range(2):
        sent = cli("send", httpserver.url_for("/hook"), "--event", f"a.{n}", "--retry", "0",
                   "--db", db)
        assert sent.returncode == 1, sent.stderr  # given up: a dead letter each
    dead = json.loads(cli("deliveries", "list", "--state", "dead_letter", "--json",
                          "--db", db).stdout)
    assert len(dead) == 2
    first = dead[-1]  # oldest last in the list

    up["now"] = True
    one = cli("deliveries", "retry", "--dead-letters", "--subscription",
              first["subscription_id"], "--json", "--db", db)
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout) == {"retried": 1, "delivery_ids": [first["id"]]}
    rest = cli("deliveries", "retry", "--dead-letters", "--since", "1h", "--db", db)
    assert rest.returncode == 0 and rest.stdout.startswith("1 dead letter(s) due now: ")
    assert "deliveries resume --wait" in rest.stderr  # how they get sent
    again = cli("deliveries", "retry", "--dead-letters", "--db", db)
    assert again.stdout.strip() == "No dead letters: nothing to retry."
    resumed = cli("deliveries", "resume", "--wait", "--json", "--db", db)
    assert json.loads(resumed.stdout) == {"delivered": 2}, resumed.stderr


def test_the_wrong_mix_of_options_is_one_sentence(tmp_path: Path) -> None:
    db = str(tmp_path / "d.sqlite3")
    for args in (["retry"], ["retry", "msg_x", "--dead-letters"],
                 ["retry", "msg_x", "--since", "1h"],
                 ["retry", "msg_x", "--subscription", "wh_x"]):
        done = cli("deliveries", *args, "--db", db)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "--dead-letters" in done.stderr
    bad = cli("deliveries", "retry", "--dead-letters", "--since", "soon", "--db", db)
    assert bad.returncode == 2 and "is not a delay" in bad.stderr
    unknown = cli("deliveries", "retry", "--dead-letters", "--subscription", "wh_nope",
                  "--db", db)
    assert unknown.returncode == 1
    assert "No subscription with id wh_nope." in unknown.stderr
    assert "deliveries list --state dead_letter" in unknown.stderr
