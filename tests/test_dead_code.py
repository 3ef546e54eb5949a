"""vulture runs with the project's settings (pyproject.toml, .ci/vulture_whitelist.py) and
finds dead code: the real ``vulture`` on the real tree, plus one probe file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VULTURE = Path(sys.executable).with_name("vulture")

pytestmark = pytest.mark.slow

PROBE = '''
import pytest


def never_called() -> int:
    return 1


@pytest.fixture
def found_by_name() -> int:
    return 2
'''


def vulture(*extra: Path) -> subprocess.CompletedProcess[str]:
    paths = [ROOT / "webhook_studio", ROOT / "tests", ROOT / ".ci" / "vulture_whitelist.py"]
    return subprocess.run([str(VULTURE), *map(str, paths), *map(str, extra)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_tree_has_no_dead_code_and_a_dead_function_is_found(tmp_path: Path) -> None:
    clean = vulture()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    dirty = vulture(probe)
    assert dirty.returncode == 3, dirty.stdout + dirty.stderr
    assert "unused function 'never_called'" in dirty.stdout
    assert "found_by_name" not in dirty.stdout  # pytest calls fixtures by name
