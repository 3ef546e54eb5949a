"""The Jest module is valid JavaScript (``node --check``) and, run by Node with a minimal
stand-in for Jest's ``describe``/``test.each``, signs what a live ``listen`` accepts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from webhook_studio.cli import main
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import create_endpoint

NODE = shutil.which("node")
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#: Runs the test.each cases in order and exits 1 on the first failure (Jest is not installed
#: here; the module uses nothing else from it).
SHIM = """
const cases = [];
global.describe = (_name, body) => body();
global.test = { each: (rows) => (_title, fn) => rows.forEach((r) => cases.push([r, fn])) };
require(process.argv[2]);
(async () => {
  for (const [row, fn] of cases) {
    try { await fn(...row); console.log("PASS " + row[0]); }
    catch (e) { console.log("FAIL " + row[0] + ": " + e.message); process.exitCode = 1; }
  }
})();
"""


@pytest.mark.slow
@pytest.mark.skipif(NODE is None, reason="node is not installed; the parse check needs it")
def test_jest_module_checks_and_runs_against_listen(
        tmp_path: Path, listen: Callable[[Path], object]) -> None:
    assert NODE is not None
    db = tmp_path / "studio.sqlite3"
    store = open_store(db)
    try:
        create_endpoint(store, name="svix", path="/wh", profile="svix",
                        scheme="standard-webhooks", scheme_options={"header_prefix": "svix"},
                        secrets=[SECRET], reject_invalid=True)
        create_endpoint(store, name="envoyou", path="/envoy", profile="envoyou", scheme="hmac",
                        secrets=["envoy-secret"], reject_invalid=True)
    finally:
        store.dispose()
    live = listen(db)
    body = json.dumps({"id": "evt_9", "note": "café ✓", "b": [1, 2]}).encode()
    headers = get_scheme("standard-webhooks", {"header_prefix": "svix"}).sign(
        SECRET, SignInput(body, "msg_1", int(time.time())))
    assert httpx.post(live.url + "/wh", content=body,  # type: ignore[attr-defined]
                      headers=headers).status_code == 200
    from webhook_studio.profile_library import ProfileLibrary

    envoy = ProfileLibrary.load().get("envoyou")
    spaced = b'{"z": 1, "a": {"y": "\\u00e9", "x": [true, null]}}'
    assert httpx.post(live.url + "/envoy", content=spaced,  # type: ignore[attr-defined]
                      headers=envoy.make_scheme().sign(
                          "envoy-secret", SignInput(spaced, "m", int(time.time())))
                      ).status_code == 200
    module = tmp_path / "webhook.recorded.test.js"
    assert main(["captures", "export", "--format", "jest", "--db", str(db), "--out",
                 str(module)]) == 0
    check = subprocess.run([NODE, "--check", str(module)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stderr
    shim = tmp_path / "shim.js"
    shim.write_text(SHIM)

    def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([NODE, str(shim), str(module)], capture_output=True, text=True,
                              timeout=60, check=False,
                              env={**os.environ, "WEBHOOK_TARGET_URL": live.url,  # type: ignore[attr-defined]
                                   **env})

    ok = run({"WEBHOOK_SECRET_SVIX": SECRET, "WEBHOOK_SECRET_ENVOYOU": "envoy-secret"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("PASS") == 2
    bad = run({"WEBHOOK_SECRET_SVIX": "whsec_" + "A" * 32,
               "WEBHOOK_SECRET_ENVOYOU": "envoy-secret"})
    assert bad.returncode == 1
    assert "answered 401, expected 2xx" in bad.stdout and bad.stdout.count("PASS") == 1


@pytest.mark.skipif(NODE is None, reason="node is not installed; the parse check needs it")
def test_the_javascript_signer_signs_what_we_verify_for_every_profile(tmp_path: Path) -> None:
    """The Jest module's signer is a port: checked, like the Python one, against our own
    verifier for every profile it can sign."""
    import base64

    from webhook_studio.core.message import IncomingRequest
    from webhook_studio.profile_library import ProfileLibrary
    from webhook_studio.relay.contract_jest import _SIGNER_JS
    from webhook_studio.relay.contract_recipes import signing_for

    assert NODE is not None
    library = ProfileLibrary.load()
    body = '{"id":"evt_1","b":{"z":1,"a":"café ✓ 𝄞"},"n":[1.5,true,null]}'.encode()
    url = "http://127.0.0.1:9/hooks/x?y=1"
    now = int(time.time())
    jobs: list[dict[str, Any]] = []
    for name in library.names():
        profile = library.get(name)
        signing = signing_for(None, None, profile, name)
        if signing.recipe is not None:
            jobs.append({"name": name, "recipe": signing.recipe,
                         "secret": profile.make_scheme().generate_secret()})
    assert len(jobs) >= 100
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    harness = tmp_path / "harness.js"
    harness.write_text(_SIGNER_JS + f"""
const jobs = JSON.parse(require("node:fs").readFileSync({json.dumps(str(tmp_path / "jobs.json"))}));
const body = Buffer.from({json.dumps(base64.b64encode(body).decode())}, "base64");
console.log(JSON.stringify(jobs.map((j) =>
  signRequest(j.recipe, j.secret, body, {json.dumps(url)}, "POST", {now}))));
""")
    done = subprocess.run([NODE, str(harness)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    failures = []
    for job, headers in zip(jobs, json.loads(done.stdout), strict=True):
        scheme = library.get(job["name"]).make_scheme()
        verdict = scheme.verify(IncomingRequest(body, tuple(headers.items()), url, "POST"),
                                [job["secret"]], now=now)
        if not verdict.valid:
            failures.append(f"{job['name']}: {verdict.message}")
    assert failures == []
