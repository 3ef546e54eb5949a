"""The long-lived heap, set aside once the engines are up.

Python's full garbage collections walk every tracked object. In a running receiver that is
mostly what lives as long as the process (modules, SQLAlchemy's mappers, profiles, the window's
widgets): ~97,000 objects in ``listen``, whose full collections paused the loop for 30-60 ms
while webhooks arrived (docs/benchmarks.md, "Receiver, fourth pass"). Frozen, they are no longer
walked: a collection only looks at what requests made since.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect once, then move everything alive now out of the collector's sight. Call it
    when the process is fully started (the receiver bound, the window shown)."""
    gc.collect()
    gc.freeze()
