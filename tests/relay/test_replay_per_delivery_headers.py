"""A re-signed replay under the GitHub profile renews X-GitHub-Delivery (what the replay
dialog sends by default for a GitHub capture), so it is not flagged as a duplicate."""

from __future__ import annotations

from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.relay.replay import Resign, resigned_headers


def test_github_delivery_is_renewed_under_the_github_profile() -> None:
    github = ProfileLibrary.load().get("github")
    captured = [("X-GitHub-Delivery", "72d3162e"), ("X-GitHub-Event", "push")]
    first = dict(resigned_headers(captured, b"{}", "http://h/x",
                                  Resign.for_profile(github, "s"), 1_700_000_000.0))
    second = dict(resigned_headers(captured, b"{}", "http://h/x",
                                   Resign.for_profile(github, "s"), 1_700_000_000.0))
    assert first["X-GitHub-Delivery"] not in ("72d3162e", second["X-GitHub-Delivery"])
    assert first["X-GitHub-Event"] == "push"
