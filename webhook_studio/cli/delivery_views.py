"""What ``deliveries show`` prints of the handler's answer, and ``deliveries stats``.

``deliveries stats [--since DURATION] [--json]`` is seed 004's monitoring query: per event
type the deliveries made, how many succeeded and the average attempts, plus the attempts'
latency percentiles. ``--json`` prints ``{"since": ISO, "items": [{"event",
"total_deliveries", "successful", "avg_attempts", "latency_ms": {"p50", "p95", "p99"}}]}``,
the same as the API's ``GET /deliveries/stats``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
from typing import Any

from webhook_studio.cli.common import EXIT_OK, add_db_option, print_json
from webhook_studio.context import AppContext
from webhook_studio.core.errors import CoreError
from webhook_studio.core.retry import format_delay
from webhook_studio.core.specs_records import STATS_WINDOW, stats_window
from webhook_studio.store.sender_queries import delivery_stats

#: Lines of the handler's body ``deliveries show`` prints (``--json`` has it all).
BODY_LINES = 20


def response_lines(attempt: dict[str, Any]) -> list[str]:
    """The handler's answer to ``attempt`` (a ``delivery_to_dict`` attempt): status line,
    headers, and the first lines of its body (pretty when it is JSON)."""
    number = attempt["number"]
    if attempt["status"] is None:
        what = attempt["error_class"] or attempt["outcome"]
        return [f"  attempt {number} got no answer ({what})"]
    lines = [f"  response to attempt {number}: HTTP {attempt['status']}"]
    lines += [f"    {name}: {value}" for name, value in attempt["response_headers"].items()]
    text = attempt["response_body"]
    if text is None:
        size = len(base64.b64decode(attempt["response_body_base64"]))
        lines.append(f"    ({size} bytes of binary data; --json gives them as "
                     "response_body_base64)")
        return lines
    if not text:
        lines.append("    (empty body)")
        return lines
    with contextlib.suppress(ValueError):  # not JSON (or cut by the cap): as it came
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    body = text.splitlines()
    lines.append("")
    lines += [f"    {line}" for line in body[:BODY_LINES]]
    if len(body) > BODY_LINES:
        lines.append(f"    … {len(body) - BODY_LINES} more lines (--json has the whole body)")
    if attempt["response_truncated"]:
        lines.append(f"    (the handler sent {attempt['response_size']} bytes; the first "
                     "64 KiB are kept)")
    return lines


def _since(text: str) -> float | None:
    """``all`` (None), or a duration (30m, 2h, 7d): how far back the stats look; the API's
    rule (``stats_window``)."""
    try:
        return stats_window(text) or None
    except CoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def stats_table(items: list[dict[str, Any]]) -> list[str]:
    width = max([len("EVENT"), *(len(s["event"]) for s in items)])
    lines = [f"{'EVENT':<{width}}  {'TOTAL':>6}  {'OK':>6}  {'OK %':>5}  {'AVG TRIES':>9}  "
             f"{'P50 ms':>7}  {'P95 ms':>7}  {'P99 ms':>7}"]
    for s in items:
        share = 100 * s["successful"] / s["total_deliveries"] if s["total_deliveries"] else 0
        lat = s["latency_ms"]
        lines.append(f"{s['event']:<{width}}  {s['total_deliveries']:>6}  "
                     f"{s['successful']:>6}  {share:>4.0f}%  {s['avg_attempts']:>9.2f}  "
                     f"{_ms(lat['p50']):>7}  {_ms(lat['p95']):>7}  {_ms(lat['p99']):>7}")
    return lines


def _cmd_stats(args: argparse.Namespace) -> int:
    ctx = AppContext.open(args.db)
    try:
        with ctx.store.session() as session:
            data = delivery_stats(session, ctx.clock.now(), args.since)
    finally:
        ctx.close()
    if args.json:
        print_json(data)
        return EXIT_OK
    when = ("since the first delivery" if args.since is None
            else f"in the last {format_delay(args.since)}")
    if not data["items"]:
        print(f"No deliveries {when}. Send one with: webhook-studio send URL --event TYPE")
        return EXIT_OK
    print("\n".join(stats_table(data["items"])))
    print(f"Deliveries of subscriptions {when} (replays of captures are not counted); "
          "OK = delivered, P50/P95/P99 = attempt latency.")
    return EXIT_OK


def register(commands: argparse._SubParsersAction[Any]) -> None:
    stats = commands.add_parser(
        "stats", help="per event type: deliveries, succeeded, average attempts, latency",
        description="Per event type: deliveries made, how many were delivered, the average "
        "attempts each took and the attempts' latency percentiles (p50/p95/p99).")
    add_db_option(stats)
    stats.add_argument("--since", type=_since, default=STATS_WINDOW, metavar="DURATION",
                       help="only deliveries created in the last DURATION (30m, 2h, 7d; "
                       "default 24h) or all")
    stats.add_argument("--json", action="store_true", help="print them as JSON")
    stats.set_defaults(func=_cmd_stats)
