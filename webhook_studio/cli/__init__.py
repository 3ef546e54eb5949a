"""The ``webhook-studio`` command: the GUI with no arguments, headless commands otherwise.

Each command group lives in its own module with a ``register(subparsers)`` function that adds
its sub-commands and sets ``func`` on them. ``func(args) -> int`` returns the exit code.
Exit codes: 0 success, 1 a negative result (invalid signature, failed delivery), 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from webhook_studio import __version__
from webhook_studio.cli.common import EXIT_FAILED, UsageError, fail, quiet_closed_stdout
from webhook_studio.core.errors import WebhookStudioError

#: Command modules, in the order their commands appear in ``--help``.
COMMAND_MODULES = (
    "webhook_studio.cli.signing",
    "webhook_studio.cli.receiving",
    "webhook_studio.cli.sending",
    "webhook_studio.cli.relaying",
    "webhook_studio.cli.qa",
    "webhook_studio.cli.profiles",
    "webhook_studio.cli.keys",
    "webhook_studio.cli.handshake",
    "webhook_studio.cli.serving",
    "webhook_studio.cli.opening",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webhook-studio",
        description="Receive, verify, send, relay and replay webhooks. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"webhook-studio {__version__}")
    parser.add_argument("--db", metavar="PATH", dest="global_db",
                        help="database file or SQLAlchemy URL, for the GUI or any command "
                        "(the same as --db after the command)")
    parser.add_argument(
        "--self-test", action="store_true",
        help="start a receiver and a sender on a temporary store, check one signed event "
        "round-trips with a valid verdict, print a report and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                help="one of these (COMMAND --help tells more)")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _same_db(a: str, b: str) -> bool:
    if "://" in a or "://" in b:
        return a == b
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def apply_global_db(args: argparse.Namespace) -> None:
    """``webhook-studio --db X COMMAND`` means the same as ``COMMAND --db X``; two different
    files are a usage error, never a silent choice."""
    chosen = args.global_db
    command_db = getattr(args, "db", None)
    if chosen is not None and command_db is not None and not _same_db(chosen, command_db):
        raise UsageError(f"--db is given twice with different values ({chosen!r} before the "
                         f"command, {command_db!r} after it); give it once.")
    args.db = command_db or chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # --help and usage errors write, then SystemExit
    except BrokenPipeError:
        return quiet_closed_stdout()
    try:
        apply_global_db(args)
        if args.self_test:
            from webhook_studio.selftest import run_self_test

            return int(run_self_test())
        if args.command is None:
            from webhook_studio.app import run_app

            return run_app(db=args.db)
        code = int(args.func(args))
        sys.stdout.flush()  # here, so a closed pipe is seen now and not at interpreter exit
        return code
    except BrokenPipeError:
        return quiet_closed_stdout()
    except WebhookStudioError as exc:  # a sentence; exit 2 when the input was wrong
        return fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: a sentence, never a traceback
        from webhook_studio.errors import describe_error

        message, code = describe_error(exc)
        return fail(message, code if code else EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
