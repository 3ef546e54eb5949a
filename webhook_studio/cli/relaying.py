"""``webhook-studio replay`` and ``captures export|import``."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from webhook_studio.cli.common import EXIT_FAILED, EXIT_OK, UsageError, add_db_option, print_json
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import list_captures


def _cmd_replay(args: argparse.Namespace) -> int:
    from webhook_studio.relay.replay import Resign, replay_capture

    resign = None
    if args.profile and not args.resign:
        raise UsageError("--profile only applies with --resign (it says how to re-sign).")
    if args.resign and args.profile:
        if not args.secret:
            raise UsageError("--resign needs --secret S to sign with.")
        from webhook_studio.profile_library import ProfileLibrary

        try:
            resign = Resign.for_profile(ProfileLibrary.load().get(args.profile), args.secret)
        except CoreError as exc:
            raise UsageError(str(exc)) from exc
    elif args.resign:
        if not args.scheme or not args.secret:
            raise UsageError("--resign needs --scheme NAME (or --profile NAME) and --secret S.")
        if args.scheme not in SCHEME_NAMES:
            raise UsageError(f"Unknown scheme {args.scheme!r}; choose one of: "
                             f"{', '.join(SCHEME_NAMES)}.")
        try:
            get_scheme(args.scheme)
        except CoreError as exc:
            raise UsageError(str(exc)) from exc
        resign = Resign(args.scheme, args.secret)
    ctx = AppContext.open(args.db)
    try:
        result = asyncio.run(replay_capture(ctx.store, args.id, args.to, resign=resign))
    finally:
        ctx.close()
    if args.json:
        print_json({"delivery_id": result.delivery_id, "capture_id": result.capture_id,
                    "status": result.status, "outcome": result.outcome, "error": result.error,
                    "duration_ms": result.duration_ms,
                    "request_headers": [list(h) for h in result.request_headers]})
    else:
        print(f"replayed capture #{result.capture_id} to {args.to}"
              f"{' (re-signed)' if resign else ''}: "
              f"{result.status if result.status is not None else result.error} "
              f"in {result.duration_ms} ms; recorded as delivery {result.delivery_id}")
    return EXIT_OK if result.outcome == "success" else EXIT_FAILED


def _selected(session: Any, ids: list[int] | None, limit: int) -> list[Capture]:
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    if ids:
        rows = list(session.scalars(select(Capture).where(Capture.id.in_(ids)).options(
            undefer(Capture.body), undefer(Capture.response_body)).order_by(Capture.id)))
        missing = sorted(set(ids) - {r.id for r in rows})
        if missing:
            raise UsageError(f"No capture with id {missing[0]}.")
        return rows
    return list(reversed(list_captures(session, limit=limit, with_body=True)))


def _cmd_export(args: argparse.Namespace) -> int:
    from webhook_studio.relay.export import to_curl, to_har, to_jsonl

    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            rows = _selected(session, args.ids, args.limit)
            if args.format == "har":
                text = json.dumps(to_har(rows, args.base_url, redacted=args.redact), indent=2,
                                  ensure_ascii=False) + "\n"
            elif args.format == "jsonl":
                text = to_jsonl(rows, redacted=args.redact)
            else:
                text = "".join(to_curl(c, args.base_url, redacted=args.redact) + "\n"
                               for c in rows)
    finally:
        ctx.close()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"exported {len(rows)} capture(s) to {args.out}")
    else:
        print(text, end="")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from webhook_studio.relay.export import HarImportError, import_har

    try:
        document = json.loads(Path(args.path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"Cannot read {args.path}: {exc.strerror or exc}.") from exc
    except ValueError as exc:
        raise UsageError(f"{args.path} is not JSON ({exc}); captures import takes a HAR file."
                         ) from exc
    ctx = AppContext.open(args.db)
    try:
        ids = import_har(ctx.store, document)
    except HarImportError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        ctx.close()
    print(f"imported {len(ids)} capture(s)" + (f": #{ids[0]}…#{ids[-1]}" if ids else ""))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from webhook_studio.cli import receiving

    replay = sub.add_parser("replay", help="send a capture to a URL again")
    replay.add_argument("id", type=int)
    replay.add_argument("--to", required=True, metavar="URL")
    replay.add_argument("--resign", action="store_true",
                        help="fresh id, timestamp and signature (passes today's tolerance)")
    how = replay.add_mutually_exclusive_group()
    how.add_argument("--scheme", metavar="NAME", help="re-sign under this scheme")
    how.add_argument("--profile", metavar="NAME",
                     help="re-sign as this provider profile (its scheme, nonce and id headers)")
    replay.add_argument("--secret", metavar="S")
    add_db_option(replay)
    replay.add_argument("--json", action="store_true")
    replay.set_defaults(func=_cmd_replay)

    captures = receiving.captures_commands
    assert captures is not None, "the receiving commands register first"
    export = captures.add_parser("export", help="as HAR 1.2, JSON Lines or cURL")
    export.add_argument("--format", choices=["har", "jsonl", "curl"], required=True)
    export.add_argument("--ids", type=int, nargs="+", metavar="ID")
    export.add_argument("--limit", type=int, default=1000, help="newest N without --ids")
    export.add_argument("--out", metavar="PATH")
    export.add_argument("--redact", action="store_true",
                        help="replace signature, auth and cookie header values")
    export.add_argument("--base-url", default="http://127.0.0.1:8000",
                        help="scheme and host the exported URLs use")
    add_db_option(export)
    export.set_defaults(func=_cmd_export)
    imp = captures.add_parser("import", help="captures from a HAR file")
    imp.add_argument("path")
    add_db_option(imp)
    imp.set_defaults(func=_cmd_import)
