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

from webhook_studio import __version__
from webhook_studio.cli.common import EXIT_FAILED, EXIT_USAGE, UsageError, fail

#: Command modules, in the order their commands appear in ``--help``.
COMMAND_MODULES = (
    "webhook_studio.cli.signing",
    "webhook_studio.cli.receiving",
    "webhook_studio.cli.sending",
    "webhook_studio.cli.relaying",
    "webhook_studio.cli.profiles",
    "webhook_studio.cli.keys",
    "webhook_studio.cli.handshake",
    "webhook_studio.cli.serving",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webhook-studio",
        description="Receive, verify, send, relay and replay webhooks. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"webhook-studio {__version__}")
    parser.add_argument("--db", metavar="PATH", help="database file or SQLAlchemy URL (GUI)")
    parser.add_argument(
        "--self-test", action="store_true",
        help="start a receiver and a sender on a temporary store, check one signed event "
        "round-trips with a valid verdict, print a report and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.self_test:
            from webhook_studio.selftest import run_self_test

            return int(run_self_test())
        if args.command is None:
            from webhook_studio.app import run_app

            return run_app(db=args.db)
        return int(args.func(args))
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: a sentence, never a traceback
        from webhook_studio.errors import describe_error

        message, code = describe_error(exc)
        return fail(message, code if code else EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
