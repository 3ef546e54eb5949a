"""A re-signed replay renews every header the profile fills per delivery."""

from __future__ import annotations

from webhook_studio.core.profiles import parse_profile
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.relay.replay import Resign, resigned_headers

PROFILE = """
name = "acme"
scheme = "github"
envelope = "$data"
[headers]
X-Acme-Event = "$type"
X-Acme-Delivery = "$delivery_id"
X-Acme-Event-Id = "$id"
X-Acme-Nonce = "$nonce"
X-Acme-Hook = "42"
"""


def test_every_per_delivery_template_is_renewed_and_the_rest_kept() -> None:
    profile = parse_profile(PROFILE, "acme.toml")
    captured = [("x-acme-delivery", "d-1"), ("X-Acme-Event-Id", "e-1"), ("X-Acme-Nonce", "n-1"),
                ("X-Acme-Event", "order.paid"), ("X-Acme-Hook", "7"),
                ("X-Hub-Signature-256", "sha256=old")]
    out = dict(resigned_headers(captured, b"{}", "http://localhost/x",
                                Resign.for_profile(profile, "s3cret"), 1_700_000_000.0))
    assert out["X-Acme-Delivery"] not in ("d-1", "") and "x-acme-delivery" not in out
    assert out["X-Acme-Event-Id"] not in ("e-1", "")
    assert out["X-Acme-Nonce"] not in ("n-1", "")
    assert out["X-Acme-Event"] == "order.paid" and out["X-Acme-Hook"] == "7"
    assert out["X-Hub-Signature-256"] != "sha256=old"


def test_github_delivery_is_renewed_under_the_github_profile() -> None:
    github = ProfileLibrary.load().get("github")
    captured = [("X-GitHub-Delivery", "72d3162e"), ("X-GitHub-Event", "push")]
    first = dict(resigned_headers(captured, b"{}", "http://h/x",
                                  Resign.for_profile(github, "s"), 1_700_000_000.0))
    second = dict(resigned_headers(captured, b"{}", "http://h/x",
                                   Resign.for_profile(github, "s"), 1_700_000_000.0))
    assert first["X-GitHub-Delivery"] not in ("72d3162e", second["X-GitHub-Delivery"])
    assert first["X-GitHub-Event"] == "push"
