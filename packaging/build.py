"""Build the PyInstaller bundle and prove it works: size report, frozen --version and
--self-test, and a GUI smoke test under Xvfb (screenshot, clean close). Fails on any error
or unexpected stderr.

    .venv/bin/python packaging/build.py [--onefile] [--skip-gui-smoke]

Needs (Debian): xvfb xdotool imagemagick x11-utils for the GUI smoke test, and the X11 client
libraries Qt's xcb plugin loads (every X11 desktop has them; a bare server does not):
libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-xkb1
libxkbcommon-x11-0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
#: stderr lines that are harmless, with why.
HARMLESS = (
    "This plugin does not support propagateSizeHints",  # Xvfb has no window manager
    "QStandardPaths: XDG_RUNTIME_DIR not set",  # a bare Xvfb session has none
    "QStandardPaths: runtime directory",
    "XGetInputFocus returned the focused window of 1",  # xdotool, no window manager
)


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, capture_output=True, env=env, cwd=cwd, timeout=timeout)


def unexpected(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if line.strip() and not any(h in line for h in HARMLESS)]


def ensure_pyinstaller() -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyinstaller"], check=True)


def size_report(folder: Path) -> float:
    # Symlinks (PyInstaller links duplicate shared libraries) take no space: skip them.
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files) / 1e6
    print(f"bundle {folder}: {total:.1f} MB in {len(files)} files; largest:")
    for p in sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:15]:
        print(f"  {p.stat().st_size / 1e6:7.1f} MB  {p.relative_to(folder)}")
    return total


def gui_smoke(exe: Path, shot: Path, db: str | None = None) -> None:
    """Open the window on ``db`` (default: a new SQLite file), screenshot, quit with Ctrl+Q."""
    missing = [t for t in ("Xvfb", "xdotool", "import") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"GUI smoke test needs {', '.join(missing)}: apt-get install xvfb "
                         "xdotool imagemagick x11-utils libxcb-cursor0 (or --skip-gui-smoke)")
    display = ":97"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1400x900x24", "-nolisten",
                             "tcp"], stderr=subprocess.DEVNULL)
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    try:
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as tmp:
            app = subprocess.Popen([str(exe), "--db", db or str(Path(tmp) / "gui.sqlite3")],
                                   env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            window = ""
            deadline = time.time() + 60
            while not window:
                if app.poll() is not None:
                    raise SystemExit(f"the GUI exited {app.returncode} before showing a "
                                     f"window:\n{app.communicate()[1]}")
                if time.time() > deadline:
                    app.kill()
                    raise SystemExit("no window titled 'Webhook Studio' within 60 s")
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name",
                                        "Webhook Studio"], env=env, capture_output=True,
                                       text=True, check=False)
                window = found.stdout.split()[0] if found.stdout.strip() else ""
                time.sleep(0.3)
            time.sleep(2.0)
            subprocess.run(["import", "-window", "root", str(shot)], env=env, check=True)
            # No window manager under Xvfb: give the window focus ourselves, then Ctrl+Q.
            subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, check=True)
            subprocess.run(["xdotool", "key", "ctrl+q"], env=env, check=True)
            _out, err = app.communicate(timeout=30)
            if app.returncode != 0:
                raise SystemExit(f"GUI exited {app.returncode}: {err}")
            bad = unexpected(err)
            if bad:
                raise SystemExit("GUI wrote unexpected stderr:\n" + "\n".join(bad))
        print(f"GUI smoke test passed; screenshot {shot}")
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onefile", action="store_true")
    parser.add_argument("--skip-gui-smoke", action="store_true")
    args = parser.parse_args()
    ensure_pyinstaller()
    env = {**os.environ, "WEBHOOK_STUDIO_ONEFILE": "1" if args.onefile else "0"}
    started = time.time()
    build = run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                 "--distpath", str(DIST), "--workpath", str(ROOT / "build"),
                 str(ROOT / "packaging" / "webhook_studio.spec")], env=env, cwd=ROOT)
    if build.returncode != 0:
        print(build.stdout[-4000:], build.stderr[-8000:], sep="\n")
        return 1
    print(f"built in {time.time() - started:.0f} s")
    exe = DIST / "webhook-studio" if args.onefile else DIST / "webhook-studio" / "webhook-studio"
    if sys.platform == "win32":
        exe = exe.with_suffix(".exe")
    size_report(exe if args.onefile else exe.parent)
    for flags in (["--version"], ["--self-test"]):
        done = run([str(exe), *flags], timeout=120)
        print(done.stdout.strip())
        if done.returncode != 0 or unexpected(done.stderr):
            print(f"frozen {' '.join(flags)} failed ({done.returncode}):\n{done.stderr}")
            return 1
    if not args.skip_gui_smoke:
        gui_smoke(exe, ROOT / "docs" / "screenshots" / "frozen-main-window.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
