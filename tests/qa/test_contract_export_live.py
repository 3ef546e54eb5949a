"""An exported pytest module, run by pytest in a subprocess against a live ``listen``: it passes,
and fails when the receiver's answer changes (the endpoint's secret changes → 401)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from webhook_studio.cli import main
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import create_endpoint, list_endpoints, update_endpoint

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
S1, S2 = "whsec_first_secret_123", "whsec_second_secret_456"
BODY = json.dumps({"id": "evt_1", "type": "payment.succeeded",
                   "data": {"customer": {"email": "ana@example.org"}, "amount": 1200}},
                  indent=2).encode()


def _seed(db: Path) -> None:
    store = open_store(db)
    try:
        create_endpoint(store, name="stripe", path="/hooks/stripe", scheme="stripe",
                        profile="stripe", secrets=[S1], reject_invalid=True)
        create_endpoint(store, name="gitlab", path="/hooks/gitlab", scheme="token",
                        scheme_options={"header": "X-Gitlab-Token"}, secrets=["glt-1"],
                        reject_invalid=True)
    finally:
        store.dispose()


def _run_exported(module: Path, target: str,
                  env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=module.parent, capture_output=True, text=True, timeout=90, check=False,
        env={**os.environ, "WEBHOOK_TARGET_URL": target, **env})


@pytest.mark.slow
def test_exported_module_passes_then_fails_when_the_secret_changes(
        tmp_path: Path, listen: Callable[[Path], object],
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "studio.sqlite3"
    _seed(db)
    first = listen(db)
    headers = get_scheme("stripe").sign(S1, SignInput(BODY, "m1", int(time.time())))
    answer = httpx.post(first.url + "/hooks/stripe?mode=test", content=BODY,  # type: ignore[attr-defined]
                        headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 200
    token = httpx.post(first.url + "/hooks/gitlab", content=b"name=x&v=1",  # type: ignore[attr-defined]
                       headers={"X-Gitlab-Token": "glt-1"})
    assert token.status_code == 200

    module = tmp_path / "suite" / "tests" / "test_webhooks_recorded.py"
    assert main(["captures", "export", "--format", "pytest", "--db", str(db), "--out",
                 str(module), "--redact-pattern", "email"]) == 0
    assert "exported 2 capture(s)" in capsys.readouterr().out
    text = module.read_text()
    assert "ana@example.org" not in text and "whsec_first" not in text
    lint = subprocess.run([str(BIN / "ruff"), "check", "--config", str(REPO / "pyproject.toml"),
                           str(module)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    env = {"WEBHOOK_SECRET_STRIPE": S1, "WEBHOOK_SECRET_GITLAB": "glt-1"}
    passed = _run_exported(module, first.url, env)  # type: ignore[attr-defined]
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "2 passed" in passed.stdout

    first.stop()  # type: ignore[attr-defined]
    store = open_store(db)
    try:
        stripe = next(e for e in list_endpoints(store) if e.name == "stripe")
        update_endpoint(store, stripe.id, secrets=[S2])
    finally:
        store.dispose()
    second = listen(db)
    failed = _run_exported(module, second.url, env)  # type: ignore[attr-defined]
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "1 failed, 1 passed" in failed.stdout
    assert "answered 401, expected 2xx" in failed.stdout

    missing = _run_exported(module, second.url, {"WEBHOOK_SECRET_STRIPE": "",  # type: ignore[attr-defined]
                                                 "WEBHOOK_SECRET_GITLAB": ""})
    assert "Set WEBHOOK_SECRET_STRIPE" in missing.stdout
