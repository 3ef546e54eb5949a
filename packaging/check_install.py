"""Install the Linux artefacts the way people do, use them, upgrade them, remove them.

    sudo .venv/bin/python packaging/check_install.py [--dist dist] [--skip-gui-smoke]

Needs root (it installs a .deb system-wide), the artefacts from ``linux_package.py`` (it
builds the "next version" artefacts itself for the upgrade check), and for the GUI smoke test
Xvfb/xdotool/imagemagick as ``build.py`` does. Every step prints what it checks; any failure
exits non-zero. What it proves:

1. ``.deb``: ``apt-get install ./…deb`` resolves its dependencies; the command, the desktop
   entry (``desktop-file-validate``), the icons and the ``.har`` type are in place; the
   installed ``webhook-studio --self-test`` passes and the installed GUI opens and closes;
   "Open with" on a ``.har`` file imports it; the first run makes a private data folder;
   upgrading to the next version keeps the user's data; removal leaves nothing under
   ``/opt`` and ``/usr/share/applications`` (and keeps the user's data, as Debian expects).
2. ``tar.gz``: the same, installed into a temporary home with ``install.sh`` (no root), then
   ``uninstall.sh``.
3. The installed folder is under 150 MB.
4. Team mode, in both installs: the installed command creates the schema on a throwaway
   PostgreSQL server, stores and lists a capture over TLS, with one OpenSSL loaded from the
   installed folder (``team_db_check.py``); the ``.deb``'s window also opens on that database
   and quits cleanly (the GUI smoke test with the team URL).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import release_info as info
from team_db_check import TeamDatabase, check_command

SIZE_GOAL_MB = 150
SAMPLE_HAR = {"log": {"version": "1.2", "creator": {"name": "check_install", "version": "1"},
                      "entries": [{
                          "startedDateTime": "2026-11-30T10:00:00.000000+00:00", "time": 1,
                          "request": {"method": "POST", "url": "http://127.0.0.1:8000/hooks",
                                      "httpVersion": "HTTP/1.1",
                                      "headers": [{"name": "Content-Type",
                                                   "value": "application/json"}],
                                      "queryString": [], "cookies": [], "headersSize": -1,
                                      "bodySize": 11,
                                      "postData": {"mimeType": "application/json",
                                                   "text": "{\"ok\":true}"}},
                          "response": {"status": 200, "statusText": "OK",
                                       "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                                       "content": {"size": 0, "mimeType": "text/plain"},
                                       "redirectURL": "", "headersSize": -1, "bodySize": 0},
                          "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}}


class CheckFailed(SystemExit):
    pass


def step(text: str) -> None:
    print(f"== {text}", flush=True)


def run(cmd: list[str], *, env: dict[str, str] | None = None, check: bool = True,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, text=True, capture_output=True, env=env, timeout=timeout,
                          check=False)
    if check and done.returncode != 0:
        raise CheckFailed(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout[-3000:]}"
                          f"\n{done.stderr[-3000:]}")
    return done


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(f"check failed: {what}")
    print(f"   ok: {what}", flush=True)


def user_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink()) / 1e6


def check_first_run_and_data(command: str, home: Path, har: Path) -> None:
    """The installed command makes a private data folder and keeps captures in it."""
    env = user_env(home)
    run([command, "--self-test"], env=env)
    run([command, "captures", "import", str(har)], env=env)
    data = home / ".local" / "share" / info.APP_ID
    expect(data.is_dir(), f"first run created the data folder {data}")
    mode = stat.S_IMODE(data.stat().st_mode)
    expect(mode & 0o077 == 0, f"the data folder is private (mode {mode:o})")
    listed = json.loads(run([command, "captures", "list", "--json"], env=env).stdout)
    expect(len(listed) >= 1, "the imported capture is listed")


def data_survives(command: str, home: Path, at_least: int) -> None:
    listed = json.loads(run([command, "captures", "list", "--json"],
                            env=user_env(home)).stdout)
    expect(len(listed) >= at_least, f"the user's {at_least} capture(s) are still there")


def check_team_database(command: str, home: Path, har: Path, team: TeamDatabase, name: str,
                        install: Path) -> str:
    """The installed app on a team database (PostgreSQL over TLS), not only on SQLite."""
    url = team.new_url(name)
    check_command(command, user_env(home), url, har, install, expect)
    return url


def gui_smoke(command: str, skip: bool, db: str | None = None) -> None:
    if skip:
        print("   (GUI smoke test skipped on request)")
        return
    import build

    with tempfile.TemporaryDirectory() as tmp:
        build.gui_smoke(Path(command), Path(tmp) / "installed.png", db)


def check_deb(dist: Path, next_deb: Path, har: Path, skip_gui: bool,
              team: TeamDatabase) -> None:
    names = info.artefact_names()
    deb = dist / names["deb"]
    home = Path(tempfile.mkdtemp(prefix="ws-deb-home-"))
    step(f"install {deb.name} with apt (resolving its dependencies)")
    run(["apt-get", "install", "-y", "-qq", str(deb)], timeout=600)
    prefix = Path(info.LINUX_PREFIX)
    desktop = Path("/usr/share/applications") / info.DESKTOP_FILE
    expect((prefix / info.APP_ID).is_file(), f"{prefix}/{info.APP_ID} installed")
    expect(shutil.which(info.APP_ID) == info.LINUX_COMMAND, f"{info.APP_ID} is on PATH")
    expect(desktop.is_file(), f"{desktop} installed")
    run(["desktop-file-validate", str(desktop)])
    expect(all((Path("/usr/share/icons/hicolor") / f"{s}x{s}" / "apps" /
                f"{info.ICON_NAME}.png").is_file() for s in info.ICON_SIZES),
           "icons in every hicolor size")
    mime_xml = Path("/usr/share/mime") / f"{info.HAR_MIME_TYPE}.xml"
    expect(mime_xml.is_file(), f"the .har type is registered ({mime_xml})")
    cache = Path("/usr/share/applications/mimeinfo.cache")
    expect(cache.is_file() and info.HAR_MIME_TYPE in cache.read_text(),
           "the desktop database opens .har files with Webhook Studio")
    expect((prefix / "THIRD_PARTY_LICENSES").stat().st_size > 10_000,
           "THIRD_PARTY_LICENSES ships with the app")
    size = folder_mb(prefix)
    print(f"   installed folder: {size:.1f} MB")
    expect(size < SIZE_GOAL_MB, f"the installed folder is under {SIZE_GOAL_MB} MB")
    step("first run of the installed copy")
    check_first_run_and_data(info.APP_ID, home, har)
    step("the installed copy on a team database (PostgreSQL)")
    team_url = check_team_database(info.APP_ID, home, har, team, "installed_deb", prefix)
    step("GUI smoke test of the installed copy")
    gui_smoke(info.LINUX_COMMAND, skip_gui)
    step("GUI smoke test of the installed copy on the team database")
    gui_smoke(info.LINUX_COMMAND, skip_gui, team_url)
    step(f"upgrade to {next_deb.name}")
    run(["apt-get", "install", "-y", "-qq", str(next_deb)], timeout=600)
    version = run(["dpkg-query", "-W", "-f", "${Version}", info.APP_ID]).stdout
    expect(version == next_version(), f"the package is now {version}")
    data_survives(info.APP_ID, home, 1)
    step("remove the package")
    run(["apt-get", "remove", "-y", "-qq", info.APP_ID])
    expect(not prefix.exists(), f"nothing left under {prefix}")
    expect(not desktop.exists(), f"no {desktop} left")
    leftovers = [p for p in Path("/usr/share/applications").glob(f"{info.APP_ID}*")]
    expect(not leftovers, "nothing of ours left in /usr/share/applications")
    expect(not Path(info.LINUX_COMMAND).exists(), f"no {info.LINUX_COMMAND} left")
    expect((home / ".local" / "share" / info.APP_ID).is_dir(),
           "the user's data is kept after removal")
    shutil.rmtree(home, ignore_errors=True)


def check_tarball(dist: Path, next_tarball: Path, har: Path, skip_gui: bool,
                  team: TeamDatabase) -> None:
    tarball = dist / info.artefact_names()["tarball"]
    home = Path(tempfile.mkdtemp(prefix="ws-tar-home-"))
    env = user_env(home)
    step(f"install {tarball.name} into a temporary home with install.sh")

    def unpack_and_install(archive: Path) -> None:
        unpack = Path(tempfile.mkdtemp(prefix="ws-unpack-"))
        with tarfile.open(archive) as tar:
            tar.extractall(unpack, filter="tar")
        (top,) = list(unpack.iterdir())
        run([str(top / "install.sh")], env=env)
        shutil.rmtree(unpack)

    unpack_and_install(tarball)
    command = home / ".local" / "bin" / info.APP_ID
    desktop = home / ".local" / "share" / "applications" / info.DESKTOP_FILE
    expect(command.is_file(), f"{command} installed")
    expect(desktop.is_file() and str(command) in desktop.read_text(),
           "the menu entry runs the installed command")
    run(["desktop-file-validate", str(desktop)])
    size = folder_mb(home / ".local" / "opt" / info.APP_ID)
    print(f"   installed folder: {size:.1f} MB")
    expect(size < SIZE_GOAL_MB, f"the installed folder is under {SIZE_GOAL_MB} MB")
    check_first_run_and_data(str(command), home, har)
    step("the per-user install on a team database (PostgreSQL)")
    check_team_database(str(command), home, har, team, "installed_tarball",
                        home / ".local" / "opt" / info.APP_ID)
    step("GUI smoke test of the per-user install")
    gui_smoke(str(command), skip_gui)
    step(f"upgrade to {next_tarball.name}")
    unpack_and_install(next_tarball)
    data_survives(str(command), home, 1)
    step("uninstall.sh")
    run([str(home / ".local" / "opt" / info.APP_ID / "uninstall.sh")], env=env)
    expect(not (home / ".local" / "opt" / info.APP_ID).exists(), "the app folder is gone")
    expect(not command.exists() and not desktop.exists(), "the command and menu entry are gone")
    icons = list((home / ".local" / "share" / "icons").rglob(f"{info.ICON_NAME}.png"))
    expect(not icons, "the icons are gone")
    expect((home / ".local" / "share" / info.APP_ID).is_dir(), "the user's data is kept")
    shutil.rmtree(home, ignore_errors=True)


def next_version() -> str:
    major, minor, patch = ([*info.version().split("."), "0", "0"])[:3]
    return f"{major}.{minor}.{int(patch) + 1}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=info.ROOT / "dist")
    parser.add_argument("--skip-gui-smoke", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("check_install.py installs a .deb system-wide: run it as root.", file=sys.stderr)
        return 2
    bundle = args.dist / info.APP_ID
    upgrade_dist = Path(tempfile.mkdtemp(prefix="ws-next-"))
    step(f"package the same bundle as version {next_version()} for the upgrade checks")
    licences = args.dist / "THIRD_PARTY_LICENSES"  # collected by linux_package.py
    built = run([sys.executable, str(Path(__file__).parent / "linux_package.py"), "--bundle",
                 str(bundle), "--out", str(upgrade_dist), "--version", next_version(), "--fast",
                 *(["--licences", str(licences)] if licences.exists() else [])], timeout=600)
    print(built.stdout)
    names = info.artefact_names(next_version())
    har = upgrade_dist / "sample.har"
    har.write_text(json.dumps(SAMPLE_HAR))
    try:
        step("start a throwaway PostgreSQL server with TLS for the team-mode checks")
        with TeamDatabase() as team:
            check_deb(args.dist, upgrade_dist / names["deb"], har, args.skip_gui_smoke, team)
            check_tarball(args.dist, upgrade_dist / names["tarball"], har, args.skip_gui_smoke,
                          team)
    except SystemExit as exc:
        print(exc.code, file=sys.stderr)
        run(["apt-get", "remove", "-y", "-qq", info.APP_ID], check=False)
        return 1
    finally:
        shutil.rmtree(upgrade_dist, ignore_errors=True)
    print("installers: every install, upgrade and removal check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
