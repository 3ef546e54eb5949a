from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import SHARED


@pytest.fixture(scope="session")
def vectors() -> list[dict[str, Any]]:
    data = json.loads((SHARED / "vectors" / "signatures.json").read_text(encoding="utf-8"))
    return list(data["vectors"])
