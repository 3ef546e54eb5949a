"""``webhook-studio replay`` and ``captures export|import|delete``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    fail,
    print_json,
    profile_library,
)
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.limits import DEFAULT_TIMEOUT_SECONDS, TIMEOUT_SECONDS
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme
from webhook_studio.core.validation import timeout_problem
from webhook_studio.core.vocabulary import AttemptOutcome
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_models import Capture

if TYPE_CHECKING:
    from collections.abc import Iterable

    from webhook_studio.store import Store
    from webhook_studio.store.receiver_queries import CaptureWalk


def _resign(args: argparse.Namespace) -> Any:
    from webhook_studio.core.validation import secret_problem
    from webhook_studio.relay.replay import Resign

    if args.profile and not args.resign:
        raise UsageError("--profile only applies with --resign (it says how to re-sign).")
    if args.resign and args.profile:
        if not args.secret:
            raise UsageError("--resign needs --secret S to sign with.")
        try:
            resign = Resign.for_profile(profile_library(args).get(args.profile), args.secret)
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
        resign = Resign.for_scheme(args.scheme, args.secret, profile_library(args).get)
    else:
        return None
    if problem := secret_problem(resign.scheme, resign.secret, resign.options):
        raise UsageError(f"--secret: {problem}")
    return resign


def _wants_edit(args: argparse.Namespace) -> bool:
    return bool(args.edit or args.set_header or args.remove_header or args.method
                or args.body_file is not None)


def _edited(ctx: AppContext, args: argparse.Namespace) -> tuple[Any, str]:
    """``(Edit or None when nothing changed, target URL)`` from the options and the editor."""
    from webhook_studio.cli.common import read_body
    from webhook_studio.core.specs import method_problem
    from webhook_studio.relay.edit import document, parse_document, with_changes
    from webhook_studio.relay.headers import forwardable
    from webhook_studio.store.receiver_queries import get_capture

    with ctx.store.session() as session:
        capture = get_capture(session, args.id)
        method, body = capture.method, capture.body or b""
        captured = forwardable(capture.headers or [])
    headers, problems = with_changes(captured, set_headers=args.set_header or [],
                                     remove=args.remove_header or [])
    if args.method and (problem := method_problem(args.method)):
        problems.append(f"--method: {problem}")
    if problems:
        raise UsageError(" ".join(problems) + " Nothing was sent.")
    new_method = (args.method or method).upper()
    new_body = body if args.body_file is None else read_body(args.body_file)
    url = args.to
    if args.edit:
        text, kept = _run_editor(document(new_method, url, headers, new_body))
        request, problems = parse_document(text)
        if request is None:  # keep what the person typed: a typo must not cost their edits
            Path(kept).write_text(text, encoding="utf-8")
            raise UsageError(" ".join(problems) + f" Nothing was sent; your edit is kept in "
                             f"{kept}.")
        new_method, url, headers, new_body = (request.method, request.url, request.headers,
                                              request.body)
    from webhook_studio.relay.replay import Edit

    if new_method == method.upper() and headers == captured and new_body == body:
        return None, url
    return Edit(method=new_method, headers=headers, body=new_body), url


def _run_editor(doc: dict[str, Any]) -> tuple[str, str]:
    """Open ``$EDITOR`` (else ``$VISUAL``, else vi) on the document: ``(the text it saved,
    a path to keep it at if it is not valid)``."""
    import os
    import shlex
    import subprocess
    import sys
    import tempfile

    from webhook_studio.relay.edit import document_text

    if not sys.stdin.isatty():
        raise UsageError("--edit needs a terminal; use --set-header/--body-file instead.")
    editor = os.environ.get("EDITOR") or os.environ.get("VISUAL") or "vi"
    handle, name = tempfile.mkstemp(prefix="webhook-studio-request-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(document_text(doc))
    try:
        command = [*shlex.split(editor), name]
        done = subprocess.run(command, check=False)
    except (OSError, ValueError) as exc:
        os.unlink(name)
        raise UsageError(f"Cannot start the editor {editor!r} ({exc}); set EDITOR to one "
                         "that works, or use --set-header/--body-file.") from exc
    if done.returncode != 0:
        os.unlink(name)
        raise UsageError(f"The editor exited with status {done.returncode}; nothing was sent.")
    try:
        with open(name, encoding="utf-8") as saved:
            return saved.read(), name + ".rejected"
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Cannot read the edited request ({exc}); nothing was sent.") from exc
    finally:
        os.unlink(name)


def _cmd_replay(args: argparse.Namespace) -> int:
    from webhook_studio.relay.replay import replay_capture, target_problem

    if problem := target_problem(args.to):
        raise UsageError(f"--to: {problem}")
    if problem := timeout_problem(args.timeout):
        raise UsageError(f"--timeout: {problem}")
    if args.chaos is not None:
        from webhook_studio.cli.qa import run_chaos_command

        return run_chaos_command(args, _resign(args))
    if args.id is None:
        raise UsageError("replay needs a capture ID (or --chaos SPEC with --ids/--filter).")
    if args.edit and args.body_file == "-":
        raise UsageError("--edit reads the terminal, so --body-file cannot be - (stdin) too.")
    resign = _resign(args)
    ctx = AppContext.open(args.db)
    try:
        edit, url = _edited(ctx, args) if _wants_edit(args) else (None, args.to)
        result = asyncio.run(replay_capture(ctx.store, args.id, url, resign=resign, edit=edit,
                                            timeout_s=args.timeout))
    except NotFound as exc:
        return fail(f"{exc} List them with: webhook-studio captures list")
    finally:
        ctx.close()
    if args.json:
        print_json({"delivery_id": result.delivery_id, "capture_id": result.capture_id,
                    "edited_from": result.edited_from, "url": url, "method": result.method,
                    "status": result.status, "outcome": result.outcome, "error": result.error,
                    "duration_ms": result.duration_ms,
                    "request_headers": [list(h) for h in result.request_headers]})
    else:
        what = (f"edited copy #{result.capture_id} of capture #{result.edited_from}"
                if result.edited_from is not None else f"capture #{result.capture_id}")
        unchanged = " (request unchanged)" if _wants_edit(args) and edit is None else ""
        print(f"replayed {what}{unchanged} to {url}"
              f"{' (re-signed)' if resign else ''}: "
              f"{result.status if result.status is not None else result.error} "
              f"in {result.duration_ms} ms; recorded as delivery {result.delivery_id}")
    return EXIT_OK if result.outcome == AttemptOutcome.SUCCESS else EXIT_FAILED


def _walk(store: Store, ids: list[int] | None, limit: int) -> CaptureWalk:
    """The captures to export, fixed now: explicit ids (all must exist) or the newest N."""
    from webhook_studio.store.receiver_queries import CaptureWalk, existing_capture_ids

    if ids:
        with store.session() as session:
            missing = sorted(set(ids) - existing_capture_ids(session, ids))
        if missing:
            raise UsageError(f"No capture with id {missing[0]}; list them with: "
                             "webhook-studio captures list")
        return CaptureWalk.of(store, ids=ids)
    if limit < 1:
        raise UsageError(f"--limit {limit} must be 1 or more.")
    return CaptureWalk.of(store, newest=limit)


def _write(args: argparse.Namespace, out: TextIO, captures: Iterable[Capture]) -> int:
    from webhook_studio.relay.export import write_captures

    return write_captures(out, captures, args.format, args.base_url, redacted=args.redact)


def _cmd_export(args: argparse.Namespace) -> int:
    """Streams oldest first, page by page: memory stays flat, and a file is written beside
    its destination and renamed into place, so a failed export never leaves half a file."""
    import os
    import tempfile

    if args.format in ("pytest", "jest"):
        from webhook_studio.cli.qa import export_contract

        return export_contract(args)
    if any(rule != "sensitive" for rule in args.redact or []) or args.redact_pattern \
            or args.filter or args.expect_status is not None or args.sign_as:
        raise UsageError("--redact RULE, --redact-pattern, --filter, --profile and "
                         "--expect-status are for --format pytest or jest; HAR, JSON Lines "
                         "and cURL take --redact alone (signature, auth and cookie headers).")
    ctx = AppContext.open(args.db)
    try:
        walk = _walk(ctx.store, args.ids, args.limit)
        if not args.out:
            _write(args, sys.stdout, walk)
            sys.stdout.flush()
            return EXIT_OK
        target = Path(args.out)
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                        dir=target.parent if str(target.parent) else ".")
        except OSError as exc:
            raise UsageError(f"Cannot write {args.out}: {exc.strerror or exc}.") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                count = _write(args, out, walk)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    finally:
        ctx.close()
    print(f"exported {count} capture(s) to {args.out}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from webhook_studio.relay.errors import BadHarFile
    from webhook_studio.relay.har_import import import_har, read_har_file

    try:
        document = read_har_file(Path(args.path))
    except BadHarFile as exc:
        raise UsageError(str(exc)) from exc
    ctx = AppContext.open(args.db)
    try:
        ids = import_har(ctx.store, document)
    except BadHarFile as exc:
        raise UsageError(str(exc)) from exc
    finally:
        ctx.close()
    print(f"imported {len(ids)} capture(s)" + (f": #{ids[0]}…#{ids[-1]}" if ids else ""))
    return EXIT_OK


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _cmd_delete(args: argparse.Namespace) -> int:
    from webhook_studio.store.receiver_queries import (
        count_captures,
        delete_captures,
        existing_capture_ids,
    )

    if args.all == bool(args.ids):
        raise UsageError("captures delete takes capture ids or --all (not both).")
    ctx = AppContext.open(args.db)
    try:
        if args.all:
            with ctx.store.session() as session:
                total = count_captures(session)
            if not args.yes and not _confirm(f"Delete all {total} capture(s)? This cannot be "
                                             "undone."):
                raise UsageError("Not deleted: --all deletes every capture; confirm with --yes.")
            print(f"deleted {delete_captures(ctx.store, None)} capture(s)")
            return EXIT_OK
        with ctx.store.session() as session:
            missing = sorted(set(args.ids) - existing_capture_ids(session, args.ids))
        deleted = delete_captures(ctx.store, args.ids)
    finally:
        ctx.close()
    print(f"deleted {deleted} capture(s)")
    if missing:
        return fail(f"No capture with id {', '.join(map(str, missing))} (nothing to delete "
                    "there).", EXIT_FAILED)
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from webhook_studio.cli import receiving

    replay = sub.add_parser(
        "replay", help="send a capture to a URL again, as it was, re-signed or edited",
        description="Send a capture to a URL again. Edits (--edit, --set-header, "
        "--remove-header, --method, --body-file) save the changed request as a new capture "
        "linked to the original, which stays as it was.")
    replay.add_argument("id", type=int, nargs="?", help="the capture's id (captures list)")
    replay.add_argument("--to", required=True, metavar="URL",
                        help="where to send it: a full http:// or https:// URL")
    replay.add_argument("--resign", action="store_true",
                        help="fresh id, timestamp and signature (passes today's tolerance)")
    how = replay.add_mutually_exclusive_group()
    how.add_argument("--scheme", metavar="NAME", help="re-sign under this scheme")
    how.add_argument("--profile", metavar="NAME",
                     help="re-sign as this provider profile (its scheme, nonce and id headers)")
    replay.add_argument("--secret", metavar="S", help="the secret to re-sign with")
    replay.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS,
                        metavar="SECONDS", help="wait this long for the answer "
                        f"({TIMEOUT_SECONDS.text()}, default {DEFAULT_TIMEOUT_SECONDS:g})")
    edits = replay.add_argument_group("edit before sending")
    edits.add_argument("--edit", action="store_true",
                       help="open $EDITOR (else $VISUAL, else vi) on the request as JSON "
                       "(method, url, headers, body) and send what you save")
    edits.add_argument("--set-header", action="append", metavar="'NAME: VALUE'",
                       help="set a header, replacing any of that name (repeatable)")
    edits.add_argument("--remove-header", action="append", metavar="NAME",
                       help="remove every header of that name (repeatable)")
    edits.add_argument("--method", metavar="METHOD", help="send with this method instead")
    edits.add_argument("--body-file", metavar="PATH|-",
                       help="send this file's bytes as the body (- reads standard input)")
    add_db_option(replay)
    replay.add_argument("--json", action="store_true",
                        help="print the result (with the new capture id) as JSON")
    from webhook_studio.cli.qa import add_chaos_options, add_contract_options

    add_chaos_options(replay)
    replay.set_defaults(func=_cmd_replay)

    captures = receiving.captures_commands
    assert captures is not None, "the receiving commands register first"
    export = captures.add_parser("export", help="as HAR 1.2, JSON Lines, cURL, or tests")
    export.add_argument("--format", choices=["har", "jsonl", "curl", "pytest", "jest"],
                        required=True, help="HAR 1.2 (browsers, HTTP Toolkit), JSON Lines, "
                        "cURL commands, or contract tests (pytest, Jest)")
    export.add_argument("--ids", type=int, nargs="+", metavar="ID",
                        help="these captures (default: the newest --limit)")
    export.add_argument("--limit", type=int, default=1000, help="newest N without --ids")
    export.add_argument("--out", metavar="PATH", help="write to this file (default: print)")
    export.add_argument("--redact", nargs="?", action="append", const="sensitive",
                        metavar="RULE", help="alone: replace signature, auth and cookie header "
                        "values; for tests also json:$.path or header:NAME (repeatable)")
    export.add_argument("--base-url", default="http://127.0.0.1:8000",
                        help="scheme and host the exported URLs use")
    add_contract_options(export)
    add_db_option(export)
    export.set_defaults(func=_cmd_export)
    imp = captures.add_parser("import", help="captures from a HAR file")
    imp.add_argument("path", help="a HAR file (from a browser, HTTP Toolkit or an export)")
    add_db_option(imp)
    imp.set_defaults(func=_cmd_import)
    delete = captures.add_parser(
        "delete", help="delete captures by id, or all of them",
        description="Ids are deleted at once; --all asks first (or takes --yes). Deliveries "
                    "replayed from a deleted capture are kept.")
    delete.add_argument("ids", type=int, nargs="*", metavar="ID", help="capture ids to delete")
    delete.add_argument("--all", action="store_true", help="every capture")
    delete.add_argument("--yes", action="store_true", help="do not ask before --all")
    add_db_option(delete)
    delete.set_defaults(func=_cmd_delete)
