"""Where every file of Webhook Studio lives: the one place that decides (qutebrowser's
``standarddir`` is the model).

Why one module: the store, the API token, the TLS pair, the user's profiles and the window
state used to be placed by four modules with three rules, so ``WEBHOOK_STUDIO_DATA_DIR`` moved
the profiles and nothing else, and a test could write into the real home folder unnoticed.

The data folder is, first match wins:

1. the ``data_dir`` a caller passes (the self-test, tests);
2. the folder of the ``--db`` file, when ``--db`` names a file (a project keeps its own token,
   TLS pair, profiles and window state next to its store);
3. ``$WEBHOOK_STUDIO_DATA_DIR``;
4. the platform's per-user data folder (``platformdirs.user_data_dir("webhook-studio")``:
   ``~/.local/share/webhook-studio`` on Linux).

Everything else is a fixed name inside it::

    <data>/studio.sqlite3            the store (unless --db names another file or a URL)
    <data>/api-token                 the management API's bearer token (0600)
    <data>/tls/receiver-cert.pem     the receiver's self-signed certificate
    <data>/tls/receiver-key.pem      ... and its private key (0600)
    <data>/profiles/*.toml           the user's provider profiles (override bundled ones)
    <data>/window.ini                window geometry and settings (QSettings, INI format)
    <data>/known_hosts               SSH host keys accepted for tunnels

Not here on purpose: logs go to standard error (``serve`` and ``listen``) or the window's
status bar, never to a file; exports go where the person points the file dialog or ``--out``.
Outside the data folder only one file is read, never written: ``~/.ssh/known_hosts`` (the
user's own SSH trust, consulted by ``--public ssh:...`` tunnels).

Nothing here creates anything: callers make folders with :mod:`webhook_studio.private_files`
so the permissions are right.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "webhook-studio"
#: Set to a folder to move every file of the app there.
ENV_DATA_DIR = "WEBHOOK_STUDIO_DATA_DIR"

DB_FILENAME = "studio.sqlite3"
TOKEN_FILENAME = "api-token"
TLS_DIRNAME = "tls"
TLS_CERT_FILENAME = "receiver-cert.pem"
TLS_KEY_FILENAME = "receiver-key.pem"
PROFILES_DIRNAME = "profiles"
WINDOW_SETTINGS_FILENAME = "window.ini"
KNOWN_HOSTS_FILENAME = "known_hosts"


def env_data_dir() -> Path | None:
    """The folder ``$WEBHOOK_STUDIO_DATA_DIR`` names, or None when it is unset or blank."""
    override = os.environ.get(ENV_DATA_DIR, "").strip()
    return Path(override).expanduser().resolve() if override else None


def default_data_dir() -> Path:
    """``$WEBHOOK_STUDIO_DATA_DIR`` if set, else the platform's per-user data folder."""
    return env_data_dir() or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def db_file_folder(db: str | Path | None) -> Path | None:
    """The folder of a ``--db`` that names a file; None for no ``--db`` or a URL."""
    if db is None or "://" in str(db):
        return None
    return Path(db).expanduser().resolve().parent


def data_dir(db: str | Path | None = None, explicit: Path | None = None) -> Path:
    """The data folder for a process given its ``--db`` and an explicit folder (see above)."""
    return explicit or db_file_folder(db) or default_data_dir()


def default_db_path() -> Path:
    return default_data_dir() / DB_FILENAME


def token_file(base: Path) -> Path:
    return base / TOKEN_FILENAME


def tls_dir(base: Path) -> Path:
    return base / TLS_DIRNAME


def profiles_dir(base: Path) -> Path:
    return base / PROFILES_DIRNAME


def window_settings_file(base: Path) -> Path:
    return base / WINDOW_SETTINGS_FILENAME


def known_hosts_file(base: Path) -> Path:
    return base / KNOWN_HOSTS_FILENAME
