"""Helpers every CLI command shares: options, input, output, error reporting."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webhook_studio.context import AppContext
    from webhook_studio.profile_library import ProfileLibrary

from webhook_studio.core.errors import WebhookStudioError

EXIT_OK = 0
EXIT_FAILED = 1


class UsageError(WebhookStudioError):
    """Bad command-line input; printed as one sentence, exit code 2."""

    exit_code = 2


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH",
        help="database file or SQLAlchemy URL (default: the per-user data folder)",
    )


def profile_library(args: argparse.Namespace) -> ProfileLibrary:
    """The provider profiles for this command, read once: bundled ones and those in the data
    folder that ``--db`` or ``WEBHOOK_STUDIO_DATA_DIR`` chooses (see ``paths``). Commands
    that open a store pass it to ``AppContext.open(profiles=...)`` so both share it."""
    library: ProfileLibrary | None = getattr(args, "profile_library_", None)
    if library is None:
        from webhook_studio import paths
        from webhook_studio.profile_library import ProfileLibrary

        folder = paths.data_dir(getattr(args, "db", None))
        library = ProfileLibrary.load(paths.profiles_dir(folder))
        args.profile_library_ = library
    return library


def read_body(source: str | None) -> bytes:
    """Read a body exactly as bytes: a file path, ``-`` for standard input, None for empty."""
    if source is None:
        return b""
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(f"Cannot read body file {source!r}: {exc.strerror or exc}.") from exc


def parse_pairs(items: list[str] | None, sep: str, what: str) -> list[tuple[str, str]]:
    """Parse ``NAME=VALUE`` (or ``Name: value``) options into pairs, order kept."""
    pairs: list[tuple[str, str]] = []
    for item in items or []:
        name, found, value = item.partition(sep)
        if not found or not name.strip():
            raise UsageError(f"{what} {item!r} is not of the form NAME{sep}VALUE.")
        pairs.append((name.strip(), value.strip() if sep == ":" else value))
    return pairs


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def quiet_closed_stdout() -> int:
    """The reader of our standard output went away (``... | head -1``): that is how a pipe
    ends, not an error. Point stdout at the null device so the interpreter's last flush has
    nothing to fail on, and exit 0 without a word (what ``cat`` and ``git log`` do)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (a test's captured stdout)
        pass
    return EXIT_OK


def tls_context(ctx: AppContext) -> Any:
    """``listen --tls`` and ``serve --tls``: the certificate kept in the data folder (made on
    first use), its path and SHA-256 fingerprint printed to stderr, as an SSL context."""
    from webhook_studio import paths
    from webhook_studio.receiver.tls import ensure_certificate, server_context

    certificate = ensure_certificate(paths.tls_dir(ctx.data_dir))
    print(f"TLS certificate {certificate.cert_path} (SHA-256 {certificate.fingerprint})",
          file=sys.stderr, flush=True)
    return server_context(certificate)


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """Print an error sentence to stderr and return the exit code to use."""
    print(f"webhook-studio: {message}", file=sys.stderr)
    return code


async def wait_for_stop_signal(stop: Any = None) -> None:
    """Return on SIGINT or SIGTERM, or when ``stop`` (an ``asyncio.Event``) is set, e.g. by a
    closed standard output (the headless commands then flush and exit 0)."""
    import asyncio
    import signal

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
