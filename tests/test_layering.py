"""The layer rules of DESIGN.md section 2, enforced on the source text (imports only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "webhook_studio"
FORBIDDEN_IN_CORE = ("PySide6", "shiboken6", "qasync", "aiohttp", "httpx", "httpcore", "sqlalchemy")
QT_MODULES = ("PySide6", "shiboken6", "qasync")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def offenders(files: list[Path], banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in files:
        for module in imported_modules(path):
            if module.split(".")[0].lower() in {b.lower() for b in banned}:
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    return found


def test_core_imports_no_qt_network_or_database() -> None:
    assert offenders(python_files(PACKAGE / "core"), FORBIDDEN_IN_CORE) == []


def test_only_ui_and_app_import_qt() -> None:
    outside = [
        p for p in python_files(PACKAGE)
        if "ui" not in p.relative_to(PACKAGE).parts and p.name != "app.py"
    ]
    assert offenders(outside, QT_MODULES) == []


@pytest.mark.parametrize(
    ("source", "banned", "expected"),
    [
        ("import PySide6.QtCore\n", QT_MODULES, 1),
        ("from sqlalchemy.orm import Session\n", FORBIDDEN_IN_CORE, 1),
        ("import json\n", FORBIDDEN_IN_CORE, 0),
    ],
)
def test_the_checker_itself_catches_imports(
    tmp_path: Path, source: str, banned: tuple[str, ...], expected: int
) -> None:
    fake = PACKAGE / "core" / "_layering_probe.py"
    target = tmp_path / "probe.py"
    target.write_text(source)
    # offenders() reports paths relative to the repo; use a file that lives under the package.
    assert len([m for m in imported_modules(target)
                if m.split(".")[0].lower() in {b.lower() for b in banned}]) == expected
    assert not fake.exists()
