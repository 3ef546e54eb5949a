"""Where files live: one override moves all of them, and nothing lands in the real home.

Real subprocesses of the CLI with a temporary HOME (and XDG folders under it), so a file
placed by platformdirs or ``Path.home()`` instead of ``webhook_studio.paths`` would show up
in the home folder and fail the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webhook_studio import paths

PROFILE = ('name = "acme"\ntitle = "Acme Hooks"\nscheme = "hmac"\n'
           'scheme_options = { header = "X-Acme-Token" }\nenvelope = "$data"\n')


def run(home: Path, *args: str, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and k != paths.ENV_DATA_DIR}
    env["HOME"] = str(home)
    if data is not None:
        env[paths.ENV_DATA_DIR] = str(data)
    done = subprocess.run([sys.executable, "-m", "webhook_studio", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def test_the_data_dir_variable_moves_store_token_and_profiles(tmp_path: Path,
                                                              home: Path) -> None:
    data = tmp_path / "data"
    source = tmp_path / "acme.toml"
    source.write_text(PROFILE, encoding="utf-8")
    token = run(home, "token", data=data).stdout.strip()
    run(home, "profiles", "import", str(source), data=data)
    listed = json.loads(run(home, "profiles", "list", "--json", data=data).stdout)
    run(home, "deliveries", "list", data=data)

    assert (data / paths.TOKEN_FILENAME).read_text().strip() == token
    assert (data / paths.DB_FILENAME).is_file()
    assert (data / "profiles" / "acme.toml").is_file()
    assert "acme" in {row["name"] for row in listed}
    assert files_under(home) == []


def test_without_the_variable_nothing_of_another_data_dir_is_seen(tmp_path: Path,
                                                                  home: Path) -> None:
    """The imported profile lives only in the folder the variable named."""
    data = tmp_path / "data"
    source = tmp_path / "acme.toml"
    source.write_text(PROFILE, encoding="utf-8")
    run(home, "profiles", "import", str(source), data=data)
    other = json.loads(run(home, "profiles", "list", "--json",
                           data=tmp_path / "other").stdout)
    assert "acme" not in {row["name"] for row in other}
    assert files_under(home) == []


def test_db_file_moves_the_data_folder_with_it(tmp_path: Path, home: Path) -> None:
    """``--db project/studio.sqlite3``: the token sits next to the store, not in the data
    folder the variable names."""
    project, data = tmp_path / "project", tmp_path / "data"
    token = run(home, "--db", str(project / "studio.sqlite3"), "token", data=data).stdout
    assert (project / paths.TOKEN_FILENAME).read_text() == token
    assert not (data / paths.TOKEN_FILENAME).exists()
    assert files_under(home) == []


def test_the_platform_default_is_used_only_without_an_override(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "d"))
    assert paths.default_data_dir() == (tmp_path / "d").resolve()
    assert paths.data_dir(tmp_path / "p" / "x.sqlite3") == (tmp_path / "p").resolve()
    assert paths.data_dir("postgresql+psycopg://u@h/db") == (tmp_path / "d").resolve()
    monkeypatch.delenv(paths.ENV_DATA_DIR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert paths.default_data_dir() == tmp_path / "xdg" / "webhook-studio"


def test_an_existing_folder_the_variable_names_keeps_its_mode(tmp_path: Path,
                                                              home: Path) -> None:
    """The variable may name a project folder: it is used, not tightened (a new one is 0700)."""
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    project.chmod(0o755)
    run(home, "token", data=project)
    assert (project.stat().st_mode & 0o777, (project / "api-token").stat().st_mode & 0o777) \
        == (0o755, 0o600)
    fresh = tmp_path / "fresh"
    run(home, "token", data=fresh)
    assert fresh.stat().st_mode & 0o777 == 0o700
