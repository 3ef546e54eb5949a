"""``sign`` and ``verify`` on the command line: vectors, exit codes, sentences, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.cli import main

NOW = 1_700_000_000


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def vector_args(v: dict[str, Any], body_file: Path) -> list[str]:
    body_file.write_bytes(v.get("body", "").encode("utf-8"))
    args = ["verify", "--scheme", v["scheme"], "--secret", v["secret"], "--body-file",
            str(body_file), "--now", str(v.get("timestamp", NOW))]
    scheme = v["scheme"]
    headers = {
        "standard-webhooks": [f"webhook-id: {v.get('id')}",
                              f"webhook-timestamp: {v.get('timestamp')}",
                              f"webhook-signature: {v['signature']}"],
        "github": [f"X-Hub-Signature-256: {v['signature']}"],
        "slack": [f"X-Slack-Signature: {v['signature']}",
                  f"X-Slack-Request-Timestamp: {v.get('timestamp')}"],
        "twilio": [f"X-Twilio-Signature: {v['signature']}"],
        "square": [f"x-square-hmacsha256-signature: {v['signature']}"],
    }[scheme]
    for h in headers:
        args += ["-H", h]
    if "url" in v:
        args += ["--url", v["url"]]
    for name, value in v.get("params", []):
        args += ["--param", f"{name}={value}"]
    return args


def test_every_vector_verifies_through_the_cli(vectors: list[dict[str, Any]], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for v in vectors:
        code, out, _ = run(vector_args(v, tmp_path / "body"), capsys)
        assert code == 0, (v["source"], out)
        assert out.startswith("Signature is valid")


def test_every_vector_is_reproduced_by_cli_sign(vectors: list[dict[str, Any]], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "body"
    for v in vectors:
        body.write_bytes(v.get("body", "").encode())
        args = ["sign", "--scheme", v["scheme"], "--secret", v["secret"], "--body-file", str(body)]
        if "id" in v:
            args += ["--id", v["id"]]
        if "timestamp" in v:
            args += ["--timestamp", str(v["timestamp"])]
        if "url" in v:
            args += ["--url", v["url"]]
        for name, value in v.get("params", []):
            args += ["--param", f"{name}={value}"]
        code, out, _ = run(args, capsys)
        assert code == 0
        assert v["signature"] in json.loads(out).values(), v["source"]


def test_sign_then_verify_round_trip_with_fresh_id_and_time(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "b.json"
    body.write_bytes(b'{"type":"invoice.paid"}\n')
    code, out, _ = run(["sign", "--scheme", "stripe", "--secret", "whsec_x", "--body-file",
                        str(body)], capsys)
    headers = json.loads(out)
    assert code == 0 and list(headers) == ["Stripe-Signature"]
    code, out, _ = run(["verify", "--scheme", "stripe", "--secret", "other", "--secret",
                        "whsec_x", "-H", f"Stripe-Signature: {headers['Stripe-Signature']}",
                        "--body-file", str(body), "--json"], capsys)
    verdict = json.loads(out)
    assert code == 0 and verdict["valid"] is True and verdict["matched_secret"] == 1


def test_an_invalid_signature_exits_1_with_the_sentence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "b"
    body.write_bytes(b"Hello, World!")
    code, out, _ = run(["verify", "--scheme", "github", "--secret", "wrong", "-H",
                        "X-Hub-Signature-256: sha256=" + "0" * 64, "--body-file", str(body)],
                       capsys)
    assert code == 1
    assert out.startswith("No signature matched the secret")


def test_stale_timestamp_explained_with_numbers(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "b"
    body.write_bytes(b"{}")
    _, out, _ = run(["sign", "--scheme", "slack", "--secret", "s", "--timestamp", str(NOW),
                     "--body-file", str(body)], capsys)
    h = json.loads(out)
    code, out, _ = run(["verify", "--scheme", "slack", "--secret", "s", "--now", str(NOW + 712),
                        "-H", f"X-Slack-Signature: {h['X-Slack-Signature']}", "-H",
                        f"X-Slack-Request-Timestamp: {NOW}", "--body-file", str(body)], capsys)
    assert code == 1
    assert "Timestamp is 712 s old; the tolerance is 300 s." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "--scheme", "nope", "--secret", "s"], "Unknown scheme 'nope'"),
        (["verify", "--scheme", "github", "--secret", "s", "-H", "no colon"], "NAME:VALUE"),
        (["sign", "--scheme", "github", "--secret", "s", "--body-file", "/no/such/file"],
         "Cannot read body file"),
        (["sign", "--scheme", "standard-webhooks", "--secret", "whsec_YWJj"], "24 to 64 bytes"),
        (["sign", "--scheme", "twilio", "--secret", "s"], "--url"),
        (["sign", "--scheme", "hmac", "--secret", "s", "--option", "algorithm=md5"],
         "header=NAME"),
    ],
)
def test_usage_errors_exit_2_with_a_sentence(args: list[str], message: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(args, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_generic_scheme_from_the_command_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "b"
    body.write_bytes(b'{"b":1,"a":2}')
    opts = ["--option", "header=X-EnvoyOU-Signature", "--option", "prefix=v1,",
            "--option", "template={timestamp}.{body}", "--option", "canonical_json=true",
            "--option", "timestamp_header=X-EnvoyOU-Timestamp", "--option", "tolerance=300"]
    _, out, _ = run(["sign", "--scheme", "hmac", "--secret", "k", "--timestamp", str(NOW),
                     "--body-file", str(body), *opts], capsys)
    h = json.loads(out)
    assert h["X-EnvoyOU-Signature"].startswith("v1,")
    code, out, _ = run(["verify", "--scheme", "hmac", "--secret", "k", "--now", str(NOW),
                        "--body-file", str(body), *opts,
                        *[a for k, v in h.items() for a in ("-H", f"{k}: {v}")]], capsys)
    assert code == 0, out


def test_the_installed_command_and_python_dash_m_agree(tmp_path: Path) -> None:
    body = tmp_path / "b"
    body.write_bytes(b"Hello, World!")
    args = ["verify", "--scheme", "github", "--secret", "It's a Secret to Everybody", "-H",
            "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f"
            "4379c8b043e17", "--body-file", "-"]
    done = subprocess.run([sys.executable, "-m", "webhook_studio", *args], input=body.read_bytes(),
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"Signature is valid")
