"""``webhook-studio open [FILE.har]``: open the desktop app, importing a HAR file first.

This is what the desktop entry runs ("Open with Webhook Studio" on a ``.har`` file, or the app
from the menu with no file). A file that cannot be imported still opens the app, with the
reason shown in the window, because a person who double-clicked a file sees no terminal.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from webhook_studio.cli.common import add_db_option


def import_for_open(db: str | None, path: str) -> str:
    """Import ``path`` into the store; a sentence for the window either way."""
    from webhook_studio.context import AppContext
    from webhook_studio.relay.errors import BadHarFile
    from webhook_studio.relay.har_import import import_har

    name = Path(path).name
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        return f"Could not open {name}: {exc.strerror or exc}."
    except ValueError as exc:
        return f"{name} is not a HAR file (it is not JSON: {exc})."
    ctx = AppContext.open(db)
    try:
        ids = import_har(ctx.store, document)
    except BadHarFile as exc:
        return f"{name} was not imported: {exc}"
    finally:
        ctx.close()
    count = len(ids)
    return f"Imported {count} capture{'' if count == 1 else 's'} from {name}."


def _cmd_open(args: argparse.Namespace) -> int:
    from webhook_studio.app import run_app

    notice = import_for_open(args.db, args.file) if args.file else None
    return run_app(db=args.db, notice=notice)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    command = sub.add_parser(
        "open", help="open the desktop app, importing a HAR file into the Inbox first",
        description="Open the desktop app. With a .har file, its entries are imported as "
        "captures first (what the desktop entry's 'Open with Webhook Studio' runs).")
    command.add_argument("file", nargs="?", metavar="FILE.har",
                         help="an HTTP Archive to import before the window opens")
    add_db_option(command)
    command.set_defaults(func=_cmd_open)
