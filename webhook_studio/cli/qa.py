"""The QA toolkit on the command line: ``captures export --format pytest|jest`` (contract
tests), ``replay --chaos …`` (chaos replay) and ``captures diff ID1 ID2``.

``replay`` and ``captures export`` are registered in :mod:`webhook_studio.cli.relaying`, which
calls :func:`add_chaos_options` / :func:`add_contract_options` and hands over here when a
chaos spec or a test format is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from webhook_studio.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_db_option,
    fail,
    print_json,
)
from webhook_studio.context import AppContext
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_queries import CaptureFilter

_FILTER_HELP = ("captures matching all of: method=POST, endpoint=ID, valid=yes|no, "
                "unverified, duplicates, state=NAME, text=WORD (a bare word is text)")


def parse_filter(text: str) -> CaptureFilter:
    """``method=POST valid=no payment`` as a CaptureFilter; UsageError with the syntax."""
    fields: dict[str, Any] = {}
    for word in text.replace(",", " ").split():
        key, eq, value = word.partition("=")
        key = key.lower()
        if not eq and key in ("unverified", "duplicates"):
            fields["unverified" if key == "unverified" else "duplicates_only"] = True
        elif not eq:
            fields["text"] = word
        elif key == "method" and value:
            fields["method"] = value.upper()
        elif key == "endpoint" and value.isdigit():
            fields["endpoint_id"] = int(value)
        elif key == "valid" and value.lower() in ("yes", "no", "true", "false"):
            fields["valid"] = value.lower() in ("yes", "true")
        elif key == "state" and value:
            fields["state"] = value
        elif key == "text" and value:
            fields["text"] = value
        else:
            raise UsageError(f"--filter {word!r} is not understood; give {_FILTER_HELP}.")
    return CaptureFilter(**fields)


def selected_ids(ctx: AppContext, ids: list[int] | None, filter_text: str | None,
                 limit: int) -> list[int]:
    """Capture ids in received order: explicit ids (all must exist) or the filter's newest."""
    from sqlalchemy import select

    from webhook_studio.store.receiver_models import Capture
    from webhook_studio.store.receiver_queries import existing_capture_ids

    rows: Any
    with ctx.store.session() as session:
        if ids:
            missing = sorted(set(ids) - existing_capture_ids(session, ids))
            if missing:
                raise UsageError(f"No capture with id {missing[0]}; list them with: "
                                 "webhook-studio captures list")
            rows = session.execute(select(Capture.id, Capture.received_at)
                                   .where(Capture.id.in_(ids))).all()
        else:
            flt = parse_filter(filter_text) if filter_text else CaptureFilter()
            query: Any = select(Capture.id, Capture.received_at)
            rows = session.execute(flt.apply(query)
                                   .order_by(Capture.id.desc()).limit(limit)).all()
    return [int(cid) for cid, _ in sorted(rows, key=lambda r: (r[1], r[0]))]


# -- captures export --format pytest|jest ---------------------------------------------------

def add_contract_options(export: argparse.ArgumentParser) -> None:
    tests = export.add_argument_group("contract tests (--format pytest or jest)")
    tests.add_argument("--filter", metavar="'WORDS'", help=_FILTER_HELP)
    tests.add_argument("--redact-pattern", action="append", metavar="email|card|token",
                       help="replace emails, card numbers (Luhn-checked) and bearer tokens/API "
                       "keys in bodies and headers (repeatable, or joined with |)")
    tests.add_argument("--profile", metavar="NAME", dest="sign_as",
                       help="re-sign every capture as this provider profile (default: each "
                       "capture's endpoint profile or scheme)")
    tests.add_argument("--expect-status", type=int, metavar="N",
                       help="assert this exact status (default: the status class each capture "
                       "was answered with)")


def export_contract(args: argparse.Namespace) -> int:
    from webhook_studio.relay.contract_export import contract_text, library_lookup
    from webhook_studio.relay.headers import SENSITIVE
    from webhook_studio.relay.redact import Redaction, RedactionError

    if args.expect_status is not None and not 100 <= args.expect_status <= 599:
        raise UsageError(f"--expect-status {args.expect_status} is not an HTTP status "
                         "(100 to 599).")
    rules = [r for r in args.redact or [] if r != "sensitive"]
    if "sensitive" in (args.redact or []):
        rules += [f"header:{name}" for name in sorted(SENSITIVE)]
    try:
        redaction = Redaction.parse(rules, args.redact_pattern or [])
    except RedactionError as exc:
        raise UsageError(str(exc)) from exc
    lookup = library_lookup()
    sign_as = None
    if args.sign_as:
        sign_as = lookup(args.sign_as)
        if sign_as is None:
            raise UsageError(f"No profile named {args.sign_as!r}; see: webhook-studio "
                             "profiles list")
    name = args.out or ("tests/test_webhooks_recorded.py" if args.format == "pytest"
                        else "webhook.recorded.test.js")
    ctx = AppContext.open(args.db)
    try:
        ids = selected_ids(ctx, args.ids, args.filter, args.limit)
        if not ids:
            raise UsageError("No capture matches; nothing to export (captures list shows "
                             "what there is).")
        text, plan = contract_text(ctx.store, ids, args.format, redaction=redaction,
                                   expect_status=args.expect_status,
                                   profiles=lookup, sign_as=sign_as, filename=name)
    finally:
        ctx.close()
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    if not args.out:
        sys.stdout.write(text)
        return EXIT_OK
    _write_atomically(Path(args.out), text)
    print(f"exported {len(plan.cases)} capture(s) as {args.format} tests to {args.out}")
    return EXIT_OK


def _write_atomically(target: Path, text: str) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise UsageError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- replay --chaos ------------------------------------------------------------------------

def add_chaos_options(replay: argparse.ArgumentParser) -> None:
    chaos = replay.add_argument_group("chaos replay (--chaos; many captures, no ID)")
    chaos.add_argument("--chaos", metavar="SPEC",
                       help="duplicates=P,shuffle,burst=N,delay=A-B (e.g. "
                       "duplicates=0.2,shuffle,burst=50,delay=0-2s); 'none' sends each once")
    chaos.add_argument("--ids", type=int, nargs="+", metavar="ID", help="these captures")
    chaos.add_argument("--filter", metavar="'WORDS'", help=_FILTER_HELP)
    chaos.add_argument("--limit", type=int, default=1000,
                       help="at most this many captures (newest) without --ids")
    chaos.add_argument("--seed", type=int, help="same seed, same schedule (default: random, "
                       "printed so the run can be repeated)")
    chaos.add_argument("--check", metavar="URL|COMMAND",
                       help="after the run, GET this URL (or run this shell command) for the "
                       "consumer's JSON map of event id → times applied, and report events "
                       "applied twice or lost")
    chaos.add_argument("--event-id", default="id", metavar="PATH",
                       help="where the event id is in the JSON body (default: id)")


def run_chaos_command(args: argparse.Namespace, resign: Any) -> int:
    import random

    from webhook_studio.core.chaos import ChaosSpecError, parse_spec, plan
    from webhook_studio.relay.chaos import CheckError, check_report, read_state, run_chaos

    if args.id is not None:
        raise UsageError("--chaos replays many captures: give --ids or --filter instead of "
                         "an ID.")
    try:
        spec = parse_spec("" if args.chaos == "none" else args.chaos)
    except ChaosSpecError as exc:
        raise UsageError(f"--chaos: {exc}") from exc
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    ctx = AppContext.open(args.db)
    try:
        ids = selected_ids(ctx, args.ids, args.filter, args.limit)
        if not ids:
            raise UsageError("No capture matches; nothing to replay.")
        schedule = plan(ids, spec, seed)

        async def go() -> Any:
            before = await read_state(args.check) if args.check else {}
            report = await run_chaos(ctx.store, schedule, args.to, resign=resign,
                                     timeout_s=args.timeout, event_id_path=args.event_id)
            if args.check:
                check_report(report, before, await read_state(args.check))
            return report

        try:
            report = asyncio.run(go())
        except CheckError as exc:
            return fail(str(exc))
    except NotFound as exc:
        return fail(str(exc))
    finally:
        ctx.close()
    if args.json:
        print_json(report.to_dict())
    else:
        print(render_report(report))
    failed = any(o.status is None or o.status >= 400 for o in report.outcomes)
    bad = report.check is not None and (report.check.duplicated or report.check.lost
                                        or not report.event_ids)
    return EXIT_FAILED if failed or bad else EXIT_OK


def render_report(report: Any) -> str:
    lines = [f"chaos replay to {report.url}: {report.schedule.spec.describe()}, seed "
             f"{report.schedule.seed}, {len(report.outcomes)} request(s)",
             "", f"{'CAPTURE':>8}  {'EVENT':<28} {'SENT':>4}  ANSWERS"]
    for cid, outs in report.by_capture().items():
        answers = ", ".join(str(o.status) if o.status is not None else f"error: {o.error}"
                            for o in outs)
        lines.append(f"{'#' + str(cid):>8}  {report.event_ids.get(cid, '-'):<28} "
                     f"{len(outs):>4}  {answers}")
    check = report.check
    if check is not None and not report.event_ids:
        lines += ["", "consumer check: no body had an event id at the --event-id path, so "
                  "nothing could be compared; give --event-id PATH (e.g. data.object.id)."]
    elif check is not None:
        lines.append("")
        if not check.duplicated and not check.lost:
            lines.append(f"consumer check: every event applied exactly once "
                         f"({len(check.applied)} event(s)).")
        if check.duplicated:
            lines.append("APPLIED MORE THAN ONCE: " + ", ".join(
                f"{e} ({check.applied[e]}×)" for e in check.duplicated))
        if check.lost:
            lines.append("LOST (never applied): " + ", ".join(check.lost))
    return "\n".join(lines)


# -- captures diff -------------------------------------------------------------------------

def _cmd_diff(args: argparse.Namespace) -> int:
    from webhook_studio.core.capture_diff import diff_captures, render_text
    from webhook_studio.store.receiver_queries import get_capture

    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            try:
                left, right = (capture_fields(get_capture(session, i)) for i in
                               (args.left, args.right))
            except NotFound as exc:
                return fail(f"{exc} List them with: webhook-studio captures list")
    finally:
        ctx.close()
    diff = diff_captures(left, right)
    if args.json:
        print_json(diff.to_dict())
    else:
        print(render_text(diff, args.left, args.right, raw=args.raw))
    return EXIT_OK if diff.same else EXIT_FAILED


def capture_fields(capture: Any) -> dict[str, Any]:
    """What the diff compares, read from a stored capture."""
    return {"method": capture.method, "path": capture.path, "query": capture.query or "",
            "headers": [tuple(h) for h in capture.headers or []], "body": capture.body or b"",
            "response_status": capture.response_status, "verify_valid": capture.verify_valid}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from webhook_studio.cli import receiving

    captures = receiving.captures_commands
    assert captures is not None, "the receiving commands register first"
    diff = captures.add_parser(
        "diff", help="what differs between two captures",
        description="Headers by name and JSON bodies by structure (key order ignored, arrays "
        "by index), or the raw bytes (--raw). Exit 0 when the requests are the same, 1 when "
        "they differ.")
    diff.add_argument("left", type=int, metavar="ID1", help="the first capture (shown left)")
    diff.add_argument("right", type=int, metavar="ID2", help="the second capture (shown right)")
    diff.add_argument("--raw", action="store_true", help="show the raw-bytes body diff")
    diff.add_argument("--json", action="store_true", help="print the differences as JSON")
    add_db_option(diff)
    diff.set_defaults(func=_cmd_diff)
