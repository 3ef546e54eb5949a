"""Files only their owner may read: the store, the API token, the TLS key.

Secrets at rest (endpoint and subscription secrets in the store, the token, the key) are kept
in clear text and protected by file permissions alone, so this module is where that protection
is made and checked (see docs/security.md):

- folders it creates are 0700 and files 0600, whatever the umask;
- a token or key file is used only if it is a regular file owned by the current user and
  nobody else can write it: a file planted by another user (in ``/tmp``, say, when ``--db``
  lives there) is refused with a sentence saying how to fix it, never trusted.

On Windows, POSIX modes mean little; the checks are skipped there and the per-user data
folder's ACLs protect the files.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from webhook_studio.core.errors import WebhookStudioError

POSIX = os.name == "posix"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class UnsafeFileError(WebhookStudioError):
    """A secret-bearing file someone else could have written; the message says what to do."""

    exit_code = 2


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created inside get no group or other permissions."""
    if not POSIX:
        yield
        return
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def make_private_dir(path: Path, *, tighten: bool = False) -> None:
    """Create ``path`` (and missing parents) as 0700. ``tighten`` also removes group/other
    access from an existing folder we own (the per-user data folder: never a folder the user
    merely chose to put ``--db`` in, such as a project or /tmp)."""
    with private_umask():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if tighten:
        restrict(path, PRIVATE_DIR)


def restrict(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Take group/other access away from a file or folder we own (no-op otherwise)."""
    if not POSIX:
        return
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        mode = PRIVATE_DIR
    elif not stat.S_ISREG(info.st_mode):
        return
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def check_private_file(path: Path, what: str) -> None:
    """Refuse ``path`` unless it is a regular file owned by us that no one else can write.

    A group- or world-readable file we own is tightened to 0600 instead (it was ours, only
    too open); a writable or foreign one may hold anything, so it is refused.
    """
    if not POSIX:
        return
    info = path.lstat()
    fix = f"delete {path} (a new one is made)"
    if stat.S_ISLNK(info.st_mode):
        if info.st_uid != os.getuid():
            raise UnsafeFileError(
                f"The {what} {path} is a link made by another user (uid {info.st_uid}), so it "
                f"cannot be trusted; {fix}.")
        info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"The {what} {path} is not a regular file; {fix}.")
    if info.st_uid != os.getuid():
        raise UnsafeFileError(
            f"The {what} {path} belongs to another user (uid {info.st_uid}), who could have "
            f"chosen its contents, so it is not used; {fix}, or keep --db in a folder only "
            "you can write.")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise UnsafeFileError(
            f"The {what} {path} can be changed by other users (mode {mode:04o}), so it is not "
            f"used; run: chmod 600 {path}  (or {fix}).")
    if mode & 0o044:
        path.chmod(PRIVATE_FILE)


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a new 0600 file (``exclusive``: fail if it exists, so two writers cannot race)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
    if POSIX:
        os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its mode through O_TRUNC
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
