"""``send --retry`` with the exponential form, run as the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

from webhook_studio.core.retry import parse_policy, policy_from_dict
from webhook_studio.store import open_store
from webhook_studio.store.sender_models import Subscription

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webhook_studio", *args], capture_output=True,
                          text=True, timeout=60, check=False)


def test_send_retries_on_a_custom_exponential_policy_with_jitter(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    db = tmp_path / "s.db"
    policy = "exp 100ms x2 cap 200ms 4 attempts jitter 10%"
    done = cli("send", httpserver.url_for("/down"), "--event", "a.b", "--secret", SECRET,
               "--retry", policy, "--wait", "--json", "--db", str(db))
    assert done.returncode == 1, done.stderr  # every attempt failed
    result = json.loads(done.stdout)
    assert result["state"] == "failed"
    assert [a["status"] for a in result["attempts"]] == [500, 500, 500, 500]
    assert len(httpserver.log) == 4
    store = open_store(str(db))
    try:
        with store.session() as session:
            (sub,) = session.query(Subscription).all()
            assert policy_from_dict(sub.retry_policy) == parse_policy(policy)
    finally:
        store.dispose()


def test_a_bad_part_of_the_policy_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    for policy, words in (("exp 30s x0.5", "The factor x0.5 is out of range"),
                          ("exp 30s jitter 20", "Write jitter as a percentage"),
                          ("exp 2h cap 1h", "The cap 1h is shorter than the first retry's")):
        done = cli("send", "http://127.0.0.1:9/", "--event", "a.b", "--retry", policy,
                   "--db", str(tmp_path / "s.db"))
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
        assert done.stderr.strip().count("\n") == 0, done.stderr
