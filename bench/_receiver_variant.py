"""The receiver (``webhook-studio listen``) with one part taken away, to price each part.

    python bench/_receiver_variant.py VARIANT listen ARGS...

VARIANT is ``full`` (unchanged), ``no-store`` (the capture writer answers at once with a made-up
id: no SQLite, no writer thread) or ``no-trailers`` (the per-connection trailer tracker off).
For bench/receiver_budget.py only: a receiver without its store breaks the promise the product
makes (a 2xx only for a committed capture), which is exactly what is being priced.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _patch(variant: str) -> None:
    if variant == "no-store":
        from webhook_studio.receiver import writer

        ids = itertools.count(1)

        async def submit(self: Any, record: Any) -> tuple[int, None]:
            return next(ids), None

        writer.CaptureWriter.submit = submit  # type: ignore[method-assign]
        writer.CaptureWriter.start = lambda self: None  # type: ignore[method-assign]
    elif variant == "no-trailers":
        from webhook_studio.receiver import trailers

        trailers.TrailerTracker.feed = lambda self, data: None  # type: ignore[method-assign]
        trailers.TrailerTracker.next_frame = (  # type: ignore[method-assign]
            lambda self, method: None)
    elif variant != "full":
        raise SystemExit(f"unknown variant {variant!r}: full, no-store or no-trailers")


if __name__ == "__main__":
    _patch(sys.argv[1])
    from webhook_studio.cli import main

    sys.argv = ["webhook-studio", *sys.argv[2:]]
    sys.exit(main())
