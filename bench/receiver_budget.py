"""What each part of the receiver costs per request, in CPU, at one fixed rate.

    python bench/receiver_budget.py [--rate 1500] [--seconds 5] [--runs 2]

At a fixed rate (``h2load --rps``, C; ``apt-get install nghttp2-client``) every server does the
same number of requests in the same time, so the CPU each uses per request compares parts
directly, which maximum rates on a shared two-core machine do not. Servers, interleaved in
every run:

* bare (``_bare_server.py``) and the durable floor (``_floor_server.py``), as in receiver.py;
* the receiver as shipped: ``listen --scheme github`` (``full``);
* the receiver with no scheme (nothing verified, no verdict stored): ``no-verify``;
* the receiver with its store taken away (``_receiver_variant.py no-store``);
* the receiver with the trailer tracker off (``no-trailers``).

For each: CPU µs per request of the whole process and of its busiest thread (the loop), and
p50/p99. The receiver's threads share one GIL, so the process's CPU per request is what sets
its maximum rate (bench/server_cpu.py); the differences between rows are the parts' prices.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from receiver import SECRET, _h2load_run, signed_body, start  # noqa: E402
from server_cpu import _threads, _ticks  # noqa: E402


def _run(cmd: list[str], rate: float, seconds: int, body: Path,
         headers: dict[str, str]) -> dict[str, Any]:
    hz = os.sysconf("SC_CLK_TCK")
    proc, url = start(cmd)
    try:
        _h2load_run(url, rate, 1, body, headers)  # warm up
        before, threads_before = _ticks(f"/proc/{proc.pid}/stat"), _threads(proc.pid)
        result = _h2load_run(url, rate, seconds, body, headers)
        after, threads_after = _ticks(f"/proc/{proc.pid}/stat"), _threads(proc.pid)
    finally:
        proc.terminate()
        proc.wait(15)
    n = result["count"]
    loop = next((t - threads_before.get(k, 0) for k, t in threads_after.items()
                 if k.startswith("loop")), 0)
    result["cpu_us"] = round((after - before) / hz * 1e6 / n, 1)
    result["loop_us"] = round(loop / hz * 1e6 / n, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1500)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("h2load") is None:
        raise SystemExit("h2load is needed: apt-get install nghttp2-client")
    py = sys.executable
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        body, headers = signed_body(tmp)
        for n in range(args.runs):
            def listen(*variant: str, scheme: bool = True, n: int = n) -> list[str]:
                db = tmp / f"{'-'.join(variant) or 'full'}{'' if scheme else '-nv'}{n}.sqlite3"
                head = [py, str(HERE / "_receiver_variant.py"), *variant] if variant else \
                    [py, "-m", "webhook_studio"]
                return [*head, "listen", "--port", "0", "--db", str(db), "--quiet",
                        *(["--scheme", "github", "--secret", SECRET] if scheme else [])]

            servers = {
                "bare": [py, str(HERE / "_bare_server.py")],
                "floor": [py, str(HERE / "_floor_server.py"), str(tmp / f"floor{n}.sqlite3"),
                          SECRET],
                "full": listen(),
                "no-verify": listen(scheme=False),
                "no-store": listen("no-store"),
                "no-trailers": listen("no-trailers"),
            }
            for name, cmd in servers.items():
                result = _run(cmd, args.rate, args.seconds, body, headers)
                results.setdefault(name, []).append(result)
                print(f"run {n + 1} {name:11} load {os.getloadavg()[0]:.1f}: "
                      f"{result['cpu_us']} us CPU/request (loop {result['loop_us']}), p50 "
                      f"{result['p50_ms']} ms, p99 {result['p99_ms']} ms, errors "
                      f"{result['errors']}", flush=True)
    print(f"\nmean CPU per request at {args.rate:.0f} req/s over {args.runs} runs:")
    mean = {k: sum(r["cpu_us"] for r in v) / len(v) for k, v in results.items()}
    for name, value in mean.items():
        print(f"  {name:11} {value:6.1f} us   ({value / mean['floor']:.2f}x the floor)")
    print(f"  verification costs {mean['full'] - mean['no-verify']:.1f} us, the store "
          f"{mean['full'] - mean['no-store']:.1f} us, the trailer tracker "
          f"{mean['full'] - mean['no-trailers']:.1f} us; 0.85x the floor's rate needs the full "
          f"receiver at <= {mean['floor'] / 0.85:.1f} us")


if __name__ == "__main__":
    main()
