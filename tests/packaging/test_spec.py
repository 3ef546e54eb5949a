"""The PyInstaller spec stays true to the code, without building (the build is
packaging/build.py, run by CI as its own step)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "webhook_studio.spec"


def spec_excludes() -> set[str]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "QT_EXCLUDES":
            modules = node.value.generators[0].iter  # type: ignore[attr-defined]
            return {f"PySide6.{elt.value}" for elt in modules.elts}
    raise AssertionError("QT_EXCLUDES not found in the spec")


def test_spec_is_valid_python_and_reads_the_version_from_pyproject() -> None:
    source = SPEC.read_text(encoding="utf-8")
    compile(source, str(SPEC), "exec")
    assert 'tomllib.loads((ROOT / "pyproject.toml")' in source
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_no_excluded_qt_module_is_imported_by_the_app() -> None:
    used = set()
    for path in (ROOT / "webhook_studio").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.Qt\w+", path.read_text(encoding="utf-8")))
    assert used, "the app imports Qt somewhere"
    assert used & spec_excludes() == set()
    assert {"PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtWebEngineCore"} <= spec_excludes()


def test_resources_are_bundled_where_the_app_looks_for_them() -> None:
    source = SPEC.read_text(encoding="utf-8")
    # The same place as in a wheel: the package webhook_studio.bundled (pyproject's package-dir).
    assert 'datas=[(str(ROOT / "resources"), "webhook_studio/bundled")]' in source
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert pyproject["package-dir"]["webhook_studio.bundled"] == "resources"
    from webhook_studio.resources import resource_path

    assert resource_path("icons", "webhook-studio.png").is_file()
    assert resource_path("profiles", "github.toml").is_file()


def test_entry_point_runs_the_cli() -> None:
    entry = (ROOT / "packaging" / "entry.py").read_text(encoding="utf-8")
    assert "from webhook_studio.cli import main" in entry and "sys.exit(main())" in entry
    assert "collect_submodules(\"webhook_studio\")" in SPEC.read_text(encoding="utf-8")
