"""The import contracts in pyproject.toml (``lint-imports``) hold, and each one bites.

Each probe copies the package to a temporary folder, adds one module that breaks one rule, and
runs the real ``lint-imports`` there: the run must fail and name the probe. Relative imports are
probed on purpose (the old source-text check missed them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.slow


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *selected], cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True, text=True, timeout=120, check=False)


def package_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "webhook_studio", tmp_path / "webhook_studio",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_source_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_unchanged_copy_keeps_every_contract(tmp_path: Path) -> None:
    """The probes below fail because of the probe, not because of the copy."""
    result = lint_imports(package_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("contract", "probe", "source"),
    [
        ("layers", "core/_probe.py", "from ..store import database\n"),
        ("layers", "store/_probe.py", "from ..relay import headers\n"),
        ("layers", "sender/_probe.py", "from webhook_studio.receiver import events\n"),
        ("layers", "relay/_probe.py", "from .. import api\n"),
        ("layers", "_probe.py", "VALUE = 1\n"),  # a new top-level module must be placed
        ("core-is-ours-alone", "core/_probe.py", "from ..store import database\n"),
        ("core-is-pure", "core/_probe.py", "import sqlalchemy\n"),
        ("core-is-pure", "core/schemes/_probe.py", "import asyncio\n"),
        ("qt-only-in-ui-and-app", "sender/_probe.py", "from PySide6 import QtCore\n"),
        ("qt-only-in-ui-and-app", "cli/_probe.py", "import qasync\n"),
        ("cli-reaches-window-through-app", "cli/_probe.py", "from ..ui import main_window\n"),
        ("ui-no-sqlalchemy", "ui/_probe.py", "from sqlalchemy import select\n"),
    ],
)
def test_a_broken_rule_fails_the_check(
    tmp_path: Path, contract: str, probe: str, source: str
) -> None:
    copy = package_copy(tmp_path)
    (copy / "webhook_studio" / probe).write_text(source, encoding="utf-8")
    result = lint_imports(copy, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    module = "webhook_studio." + probe.removesuffix(".py").replace("/", ".")
    assert module in result.stdout, result.stdout
