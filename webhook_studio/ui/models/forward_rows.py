"""What the inspector's Forwards tab shows: one row per target (its latest outcome, how many
tries) and every forward in order, read off the GUI thread.

The targets are the ones "Retry forward" accepts (``relay.forward.forward_targets``): the
endpoint's, as configured now, and any the capture went to before, so a capture whose forward
never happened (the relay was off) still offers its endpoint's target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webhook_studio.relay.forward import capture_forwards
from webhook_studio.store import Store
from webhook_studio.ui import format as fmt


@dataclass(frozen=True)
class TargetRow:
    target: str
    #: The latest forward's outcome as a phrase; "not forwarded yet" when there is none.
    latest: str
    tries: int
    #: The latest forward got a 2xx (None: never forwarded).
    ok: bool | None


@dataclass(frozen=True)
class ForwardRows:
    capture_id: int
    targets: list[TargetRow]
    history: str


def outcome(record: dict[str, Any]) -> str:
    """``202 in 12.0 ms`` or ``failed: Connection refused … (3.1 ms)``."""
    took = f"{float(record.get('duration_ms') or 0):.1f} ms"
    if record.get("status") is not None and record.get("outcome") == "response":
        return f"{record['status']} in {took}"
    return f"failed: {record.get('error') or record.get('outcome')} ({took})"


def _line(record: dict[str, Any]) -> str:
    how = "by hand" if record.get("manual") else (
        f"automatic retry {record['attempt']}" if record.get("attempt") else "on arrival")
    return (f"{fmt.local_time(record.get('at'))}  {record.get('url') or record.get('target')}"
            f"  {outcome(record)}  ({how})")


def history_text(records: list[dict[str, Any]], empty: str = "Not forwarded.") -> str:
    """Every forward of a capture, a line each, in order (``empty`` when there is none)."""
    return "\n".join(_line(r) for r in records) or empty


def read_forwards(store: Store, capture_id: int) -> ForwardRows:
    """The capture's targets and forwards, read on the caller's (worker) thread."""
    records, targets = capture_forwards(store, capture_id)
    rows = []
    for target in targets:
        mine = [r for r in records if r.get("target") == target]
        latest = mine[-1] if mine else None
        rows.append(TargetRow(target, outcome(latest) if latest else "not forwarded yet",
                              len(mine), bool(latest["ok"]) if latest else None))
    history = history_text(records, "Not forwarded." if not rows else "Not forwarded yet.")
    return ForwardRows(capture_id, rows, history)
