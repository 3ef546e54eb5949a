"""THE PROFILE COUNT: at least 80 bundled provider profiles, each with a known-answer vector.

Issue 16 asks for 80. This branch (profiles-hmac) ships 97 by itself; the JWT/asymmetric and
handshake profiles come from the profiles-asym branch. Once both are merged, the vectors of
those profiles live in tests/profiles/fixtures/vectors_asym.json, and
tests/profiles/test_provider_vectors.py::test_every_profile_has_a_vector checks every profile
has one in either file.
"""

from __future__ import annotations

from pathlib import Path

from webhook_studio.profile_library import ProfileLibrary

MINIMUM = 80


def test_at_least_eighty_bundled_profiles_load() -> None:
    library = ProfileLibrary.load(Path("/nonexistent-user-dir"))
    assert library.errors == []
    assert len(library.names()) >= MINIMUM, len(library.names())
