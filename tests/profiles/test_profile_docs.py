"""``profiles list`` groups by family with verify/emulate/handshake/proof; ``profiles show``
names family, proof and source; docs/profiles.md's table is the files' table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webhook_studio.cli import main
from webhook_studio.core.profiles import FAMILY_LABELS
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.profile_table import DOC, current_block, render


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_STUDIO_DATA_DIR", str(tmp_path))


def test_the_docs_table_matches_the_profile_files() -> None:
    """Fails when a profile is added, removed or changes family/proof without regenerating the
    table: run ``python -m webhook_studio.profile_table --write``."""
    block = current_block(DOC.read_text("utf-8"))
    assert block is not None, "docs/profiles.md has no generated profile table"
    assert block == render(ProfileLibrary.load(Path("/nonexistent-user-dir")))


def test_profiles_list_groups_by_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "list"]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert headings[0].startswith(FAMILY_LABELS["standard-webhooks"])
    assert any(h.startswith(FAMILY_LABELS["static-token"]) for h in headings)
    stripe = next(line for line in out.splitlines() if line.strip().startswith("stripe "))
    assert "✓" in stripe and "official vector" in stripe
    adyen = next(line for line in out.splitlines() if line.strip().startswith("adyen "))
    assert "✓      —" in adyen  # verifies, cannot be emulated (signature inside the body)
    slack = next(line for line in out.splitlines() if line.strip().startswith("slack "))
    assert "slack_url_verification" in slack
    assert "VERIFY" in out and "EMULATE" in out and "HANDSHAKE" in out and "PROOF" in out
    assert headings[-1].split()[0].isdigit() and "profiles in" in headings[-1]


def test_profiles_list_json_carries_the_same_columns(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert main(["profiles", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["mux"]["family"] == "timestamped-header" and rows["mux"]["proof"] == (
        "official-vector")
    assert rows["mailgun"]["emulate"] is False and rows["mailgun"]["verify"] is True
    assert "muxinc/mux-node-sdk@" in rows["mux"]["proof_source"]


def test_profiles_show_names_family_proof_and_source(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert main(["profiles", "show", "box"]) == 0
    out = capsys.readouterr().out
    assert f"Family: {FAMILY_LABELS['composite-string']}" in out
    assert "Proof: official vector (box/box-node-sdk@7dcf9c2b" in out
