"""Long operations over many captures, in steps, with progress and cancellation.

Each yields control between steps (so the UI stays live) and reports ``(done, total)``;
cancelling the task stops it between steps. An export is written beside its destination and
renamed into place when complete; an import stores all of its entries in one transaction after
checking every one, so cancelling or a bad entry leaves the store as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from webhook_studio.relay.export import HarWriter
from webhook_studio.relay.har_import import (
    check_entries,
    har_entries,
    read_har_file,
    store_rows,
)
from webhook_studio.store import Store
from webhook_studio.store.receiver_queries import CaptureFilter, CaptureWalk

Progress = Callable[[int, int], None]
STEP = 500


async def export_har(store: Store, flt: CaptureFilter, path: Path, base_url: str,
                     progress: Progress, *, redacted: bool = False) -> int:
    """Every capture matching ``flt`` when the export starts, oldest first, into one HAR file,
    each exactly once however many arrive meanwhile (keyset pages, streamed to disk)."""
    walk = CaptureWalk.of(store, flt)
    total = walk.count()
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            writer = HarWriter(out, base_url, redacted=redacted)
            for page in walk.pages(STEP):
                writer.add(page)
                progress(min(writer.count, total), max(total, writer.count))
                await asyncio.sleep(0)
            count = writer.close()
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return count


async def import_har_file(store: Store, path: Path, progress: Progress) -> list[int]:
    """Check every entry of a HAR file (in steps), then store them all in one transaction;
    raises BadHarFile with a sentence naming the first bad entry, storing nothing."""
    document = await asyncio.to_thread(read_har_file, path)
    entries = har_entries(document)
    rows = []
    for start in range(0, len(entries), STEP):
        rows += check_entries(entries[start:start + STEP], start=start)
        progress(min(start + STEP, len(entries)), len(entries))
        await asyncio.sleep(0)
    return await asyncio.to_thread(store_rows, store, rows)
