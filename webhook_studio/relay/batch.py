"""Long operations over many captures, in steps, with progress and cancellation.

Each yields control between steps (so the UI stays live) and reports ``(done, total)``;
cancelling the task stops it between steps, keeping what was already written or sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from webhook_studio.relay.export import HarImportError, import_har, to_har
from webhook_studio.store import Store
from webhook_studio.store.receiver_queries import CaptureFilter, count_captures, list_captures

Progress = Callable[[int, int], None]
STEP = 500


async def export_har(store: Store, flt: CaptureFilter, path: Path, base_url: str,
                     progress: Progress, *, redacted: bool = False) -> int:
    """Every capture matching ``flt``, oldest first, into one HAR file."""
    with store.session() as session:
        total = count_captures(session, flt)
    entries: list[dict[str, object]] = []
    offset = 0
    while offset < total:
        with store.session() as session:
            rows = list_captures(session, limit=STEP, offset=offset, flt=flt, with_body=True)
            entries.extend(to_har(rows, base_url, redacted=redacted)["log"]["entries"])
        offset += STEP
        progress(min(offset, total), total)
        await asyncio.sleep(0)
    entries.reverse()  # the list is newest first; a HAR reads oldest first
    document = to_har([], base_url)
    document["log"]["entries"] = entries
    text = json.dumps(document, ensure_ascii=False, indent=1)
    await asyncio.to_thread(path.write_text, text, encoding="utf-8")
    return len(entries)


async def import_har_file(store: Store, path: Path, progress: Progress) -> list[int]:
    """Import a HAR file in steps of entries; raises HarImportError with a sentence."""
    try:
        document = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
        entries = document["log"]["entries"]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise HarImportError(f"{path.name} is not a HAR file this app can read ({exc}).") from exc
    ids: list[int] = []
    for start in range(0, len(entries), STEP):
        chunk = {"log": {"entries": entries[start:start + STEP]}}
        ids += import_har(store, chunk)
        progress(min(start + STEP, len(entries)), len(entries))
        await asyncio.sleep(0)
    return ids
