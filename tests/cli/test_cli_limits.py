"""The CLI applies the shared limits and the secret rule with the editors' sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from webhook_studio.cli import main
from webhook_studio.core.validation import secret_problem, timeout_problem


@pytest.mark.parametrize(("args", "expected"), [
    (["send", "http://localhost:1/", "--event", "a.b", "--timeout", "301"],
     f"--timeout: {timeout_problem(301)}"),
    (["send", "http://localhost:1/", "--event", "a.b", "--secret", "hello"],
     f"--secret: {secret_problem('standard-webhooks', 'hello')}"),
    (["replay", "1", "--to", "http://localhost:1/", "--timeout", "0"],
     f"--timeout: {timeout_problem(0)}"),
    (["replay", "1", "--to", "http://localhost:1/", "--resign", "--scheme",
      "standard-webhooks", "--secret", "hello"],
     f"--secret: {secret_problem('standard-webhooks', 'hello')}"),
    (["listen", "--scheme", "standard-webhooks", "--secret", "hello"],
     f"--secret: {secret_problem('standard-webhooks', 'hello')}"),
    (["listen", "--max-body", "-1"], "--max-body: The body limit must be a whole number"),
    (["listen", "--respond-status", "99"], "--respond-status: The status must be a whole "
     "number from 100 to 599."),
    (["listen", "--tolerance", "-5"], "--tolerance: The tolerance must be"),
])
def test_out_of_range_and_unusable_secrets_are_usage_errors(
        args: list[str], expected: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "--db", str(tmp_path / "x.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
