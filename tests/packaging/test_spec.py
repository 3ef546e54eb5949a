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


def spec_module_excludes() -> set[str]:
    """The non-Qt modules the spec leaves out (``EXCLUDES = QT_EXCLUDES + [...]``)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXCLUDES":
            right = node.value.right  # type: ignore[attr-defined]
            return {elt.value for elt in right.elts}
    raise AssertionError("EXCLUDES not found in the spec")


def app_imports() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "webhook_studio").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def test_no_module_the_spec_leaves_out_is_imported_by_the_app() -> None:
    excluded = spec_module_excludes()
    assert {"rich", "pygments", "click", "httpx._main", "sqlalchemy.dialects.mysql"} <= excluded
    clashes = {name for name in app_imports() for out in excluded
               if name == out or name.startswith(out + ".")}
    assert clashes == set()


def test_team_modes_driver_is_bundled() -> None:
    """The installers carry psycopg and SQLAlchemy's dialect for it (docs/team.md)."""
    assert "psycopg" in app_imports()
    assert not {"psycopg", "psycopg_binary"} & spec_module_excludes()
    source = SPEC.read_text(encoding="utf-8")
    for collected in ('collect_submodules("psycopg")', 'collect_submodules("psycopg_binary")',
                      'collect_submodules("sqlalchemy.dialects.postgresql")'):
        assert collected in source
    assert "shared_openssl(linked_only(" in source
