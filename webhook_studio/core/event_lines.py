"""Many events in one text: JSON Lines, one ``{"type": ..., "data": ...}`` object a line.

Why: ``send --events-file`` hands a whole file to ``Dispatcher.emit_many`` (one transaction
for every event and delivery, about twice the rate of one ``emit`` each; docs/benchmarks.md).
Every line is checked with the same ``EVENT`` spec the API's ``POST /events`` uses before
anything is stored, and every bad line is named (number and what is wrong), so a file is taken
whole or not at all. Blank lines are skipped; a line may not pick a subscription (the caller
says where the events go).
"""

from __future__ import annotations

import json
from typing import Any

from webhook_studio.core.errors import CoreError
from webhook_studio.core.specs import SpecError
from webhook_studio.core.specs_records import EVENT

#: More than this many events in one file is refused: one transaction holds them all.
MAX_EVENT_LINES = 100_000
#: At most this many bad lines are named in the sentence (with how many more there were).
NAMED_ERRORS = 5


class EventLinesError(CoreError):
    """A file of events that cannot be taken whole; ``problems`` is ``[(line, what)]``."""

    def __init__(self, problems: list[tuple[int, str]], total: int) -> None:
        named = "; ".join(f"line {n}: {what}" for n, what in problems[:NAMED_ERRORS])
        more = len(problems) - NAMED_ERRORS
        tail = f"; and {more} more bad line(s)" if more > 0 else ""
        super().__init__(f"{len(problems)} of {total} event line(s) are not valid ({named}"
                         f"{tail}). Nothing was sent; fix them and run it again.")
        self.problems = problems


def parse_event_lines(raw: bytes) -> list[tuple[str, Any]]:
    """``[(type, data)]`` in file order; raises :class:`EventLinesError` naming bad lines."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EventLinesError([(raw[:exc.start].count(b"\n") + 1, "is not UTF-8 text")],
                              raw.count(b"\n") + 1) from exc
    events: list[tuple[str, Any]] = []
    problems: list[tuple[int, str]] = []
    total = 0
    # "\n" only: str.splitlines() also splits at U+0085, U+2028... which JSON strings may
    # hold unescaped (a "\r" before the "\n" is JSON whitespace).
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        total += 1
        if total > MAX_EVENT_LINES:
            raise CoreError(f"The file holds more than {MAX_EVENT_LINES:,} events; split it "
                            "into smaller files. Nothing was sent.")
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((number, f"is not JSON ({exc.msg} at column {exc.colno})"))
            continue
        if isinstance(value, dict) and "subscription_id" in value:
            problems.append((number, "subscription_id does not belong in the file (every "
                                     "event goes where the command sends it)"))
            continue
        try:
            event = EVENT.validate(value)
        except SpecError as exc:
            problems.append((number, "; ".join(f"{k} {m}" for k, m in exc.fields.items())
                             if isinstance(value, dict) else
                             'must be a JSON object like {"type": "user.created", "data": {}}'))
            continue
        events.append((event["type"], event["data"]))
    if problems:
        raise EventLinesError(problems, total)
    if not events:
        raise CoreError('The file holds no events; write one JSON object a line, like '
                        '{"type": "user.created", "data": {"id": 1}}.')
    return events
