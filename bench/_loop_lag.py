"""How late a 10 ms QTimer fires while ``wrk`` posts to the window's receiver (bench/ui.py and
bench/traffic_lag.py share it, so their loop-lag numbers are measured the same way)."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any


def _wrk_script(lua: Path, keep: bool) -> None:
    if keep:
        lua.write_text('wrk.method = "POST"\nwrk.body = \'{"type":"ping"}\'\n')
    else:
        lua.unlink()


async def lag_while_ingesting(receiver_url: str, seconds: int, lua: Path) -> dict[str, Any]:
    """Posts with ``wrk -t1 -c16`` for ``seconds``; returns the ingest rate and the lag."""
    import gc

    from PySide6.QtCore import QTimer

    lateness: list[float] = []
    last = time.perf_counter()
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = [0.0]

    def collected(phase: str, info: dict[str, int]) -> None:  # how long each GC pass took
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(collected)

    def tick() -> None:
        nonlocal last
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last) * 1000 - 10))
        last = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    _wrk_script(lua, keep=True)
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t1", "-c16", f"-d{seconds}s", receiver_url + "/hooks/load",
        "-s", str(lua), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    timer.stop()
    gc.callbacks.remove(collected)
    _wrk_script(lua, keep=False)
    lateness.sort()
    return {"ingest_rps": float(out.decode().split("Requests/sec:")[1].split()[0]),
            "ticks": len(lateness),
            "lag_p99_ms": round(lateness[int(0.99 * len(lateness))], 2),
            "lag_max_ms": round(lateness[-1], 2),
            "lag_median_ms": round(statistics.median(lateness), 2),
            # the garbage collector's passes on the loop thread meanwhile: count, longest
            "gc": {f"gen{g}": [len(p), round(max(p, default=0.0), 1)] for g, p in pauses.items()}}
