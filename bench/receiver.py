"""Receiver throughput against the durable floor and a bare aiohttp handler, in the same run.

    .venv/bin/python bench/receiver.py [--seconds 5] [--connections 32] [--rounds 3]
                                       [--prefill N]
    .venv/bin/python bench/receiver.py --paced 500,1000,2000 [--seconds 5]   # latency only

Three servers, each in its own process on 127.0.0.1 with a plain asyncio loop, driven by
``wrk`` (another process) with the same signed ~1 KB POST, interleaved in every round as
bare, floor, receiver, floor:

* bare (``_bare_server.py``): reads the body, answers a constant.
* durable floor (``_floor_server.py``): reads the body, checks the GitHub HMAC, hands the row
  to one writer thread committing groups to SQLite (WAL, synchronous=NORMAL), answers after
  the commit. The least any server that keeps the receiver's promise can do (issue #20).
* the receiver (``webhook-studio listen --scheme github``): routing, raw-body read, signature
  verification, group-committed insert into the real schema, answer only after commit.

The ratio receiver/floor uses the mean of the two floor phases around the receiver.
``--prefill N`` stores N captures first, to show the rate does not fall with the table size.
Then a paced client at half the receiver's own best rate measures its p50/p99 latency, and the
same paced load on the floor shows what the machine allows at that rate: ``h2load --rps``
(``apt-get install nghttp2-client``) when installed, else a Python client. Last,
the store write alone is timed in CPU per capture, on the real schema (the receiver's own
writer code) and on the floor's minimal table. Loopback only; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
SECRET = "bench-secret"


def signed_body(tmp: Path) -> tuple[Path, dict[str, str]]:
    from webhook_studio.core.message import SignInput
    from webhook_studio.core.schemes import get_scheme

    body = json.dumps({"type": "invoice.paid", "data": {"id": "in_" + "x" * 24,
                       "lines": ["item"] * 60}}).encode()
    headers = get_scheme("github").sign(SECRET, SignInput(body))
    path = tmp / "body.json"
    path.write_bytes(body)
    return path, headers


def start(cmd: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    # Keep reading what it prints (listen logs each request) as a terminal would: a full pipe
    # would stall the server mid-run.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, line.split()[-1]


def wrk(url: str, body: Path, headers: dict[str, str], seconds: int, conns: int,
        tmp: Path) -> dict[str, float]:
    lua = tmp / "post.lua"
    header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    lua.write_text(f'wrk.method = "POST"\nwrk.body = io.open("{body}", "rb"):read("*a")\n'
                   f'wrk.headers["Content-Type"] = "application/json"\n{header_lines}')
    out = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", "-s",
                          str(lua), url + "/hooks/bench"],
                         capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        assert m, out
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rate, "p50_ms": latency("50"), "p99_ms": latency("99"),
            "non_2xx": float(non2xx.group(1)) if non2xx else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat bare, floor, receiver, floor this many times in one run")
    parser.add_argument("--prefill", type=int, default=0, metavar="N",
                        help="captures already in the receiver's store before the first round")
    parser.add_argument("--paced", metavar="RATE[,RATE...]",
                        help="only the latency runs: receiver then floor at each fixed rate")
    args = parser.parse_args()
    if args.paced:
        paced_only([float(r) for r in args.paced.split(",")], args.seconds)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        body, headers = signed_body(tmp)
        db = tmp / "bench.sqlite3"
        prefill(db, args.prefill)

        def measure(cmd: list[str]) -> dict[str, float]:
            proc, url = start(cmd)
            try:
                return wrk(url, body, headers, args.seconds, args.connections, tmp)
            finally:
                proc.terminate()
                proc.wait(15)

        receiver_cmd = [sys.executable, "-m", "webhook_studio", "listen", "--port", "0",
                        "--db", str(db), "--scheme", "github", "--secret", SECRET]
        for n in range(args.rounds):
            bare = measure([sys.executable, str(HERE / "_bare_server.py")])
            floor_a = measure([sys.executable, str(HERE / "_floor_server.py"),
                               str(tmp / f"floor{n}a.sqlite3"), SECRET])
            full = measure(receiver_cmd)
            floor_b = measure([sys.executable, str(HERE / "_floor_server.py"),
                               str(tmp / f"floor{n}b.sqlite3"), SECRET])
            floor_rps = (floor_a["rps"] + floor_b["rps"]) / 2
            rounds.append({"bare": bare, "floor": [floor_a, floor_b], "receiver": full,
                           "receiver/floor": round(full["rps"] / floor_rps, 3),
                           "receiver/bare": round(full["rps"] / bare["rps"], 3)})
        own_max = max(r["receiver"]["rps"] for r in rounds)
        real, real_url = start(receiver_cmd)
        try:
            own_half = paced_run(real_url, own_max / 2, args.seconds, body, headers)
        finally:
            real.terminate()
            real.wait(15)
        # The same paced load on the floor: what this machine allows at that rate (the paced
        # client is Python and shares the two cores with the server).
        floor_proc, floor_url = start([sys.executable, str(HERE / "_floor_server.py"),
                                       str(tmp / "floor-paced.sqlite3"), SECRET])
        try:
            floor_half = paced_run(floor_url, own_max / 2, args.seconds, body, headers)
        finally:
            floor_proc.terminate()
            floor_proc.wait(15)
        stored = count_rows(db)
        floor_us = store_floor(tmp)
        minimal_us = store_floor_minimal(tmp)
    print(json.dumps({"prefill": args.prefill, "rounds": rounds,
                      "at_half_receiver_rate": own_half,
                      "floor_at_the_same_rate": floor_half, "captures_stored": stored,
                      "store_write_cpu_us_per_capture": round(floor_us, 1),
                      "minimal_table_write_cpu_us_per_capture": round(minimal_us, 1)},
                     indent=2))
    print(f"\nprefill {args.prefill} captures, {args.connections} connections, "
          f"{args.seconds} s per phase")
    for n, r in enumerate(rounds, 1):
        floors = " / ".join(f"{f['rps']:.0f}" for f in r["floor"])
        print(f"round {n}: bare {r['bare']['rps']:.0f}, floor {floors}, receiver "
              f"{r['receiver']['rps']:.0f} req/s: receiver/floor {r['receiver/floor']:.0%} "
              f"(goal >= 85%), receiver/bare {r['receiver/bare']:.0%}")
    print(f"at half the receiver's own max rate ({own_half['rate']:.0f} req/s, "
          f"{own_half['client']} client) p99 "
          f"{own_half['p99_ms']} ms (goal < 20 ms), errors {own_half['errors']:.0f}; the floor "
          f"at the same rate: p99 {floor_half['p99_ms']} ms")
    print(f"store write alone: {floor_us:.1f} us CPU per capture on the real schema, "
          f"{minimal_us:.1f} us on the floor's minimal table")


def paced_only(rates: list[float], seconds: int) -> None:
    """p50/p99/max of the receiver and of the floor at each rate, one after the other."""
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        body, headers = signed_body(tmp)
        for n, rate in enumerate(rates):
            for name, cmd in (
                    ("receiver", [sys.executable, "-m", "webhook_studio", "listen", "--port",
                                  "0", "--db", str(tmp / f"r{n}.sqlite3"), "--scheme", "github",
                                  "--secret", SECRET]),
                    ("floor", [sys.executable, str(HERE / "_floor_server.py"),
                               str(tmp / f"f{n}.sqlite3"), SECRET])):
                proc, url = start(cmd)
                try:
                    result = paced_run(url, rate, seconds, body, headers)
                finally:
                    proc.terminate()
                    proc.wait(15)
                print(f"{name:8} at {result['rate']:.0f} req/s ({result['client']}): p50 "
                      f"{result['p50_ms']} ms, p99 {result['p99_ms']} ms, max "
                      f"{result['max_ms']} ms, errors {result['errors']:.0f} of "
                      f"{result['count']:.0f}", flush=True)


def prefill(db: Path, count: int) -> None:
    """``count`` realistic captures already stored (the receiver's own writer code, big groups),
    spread over the last days so time-range queries see a realistic table."""
    if count <= 0:
        return
    from webhook_studio.receiver.writer import CaptureWriter
    from webhook_studio.store import open_store

    store = open_store(db)
    writer = CaptureWriter(store)
    now = time.time()
    for first in range(0, count, 2000):
        writer._write([_record(first + i, now - (count - first - i))
                       for i in range(min(2000, count - first))])
    writer._drop_raw()
    store.dispose()


_BODY = b'{"type":"invoice.paid","data":{"id":"in_' + b"x" * 1000 + b'"}}'
_HEADERS = [["Host", "127.0.0.1:8000"], ["Content-Type", "application/json"],
            ["X-Hub-Signature-256", "sha256=" + "0" * 64], ["Content-Length", "1030"],
            ["X-GitHub-Delivery", "00000000-0000-0000-0000-000000000000"]]
_VERDICT = {"valid": True, "scheme": "github", "reason": "valid",
            "message": "Signature is valid.", "matched_secret": 0}


def _record(i: int, at: float | None = None) -> Any:
    from webhook_studio.receiver.writer import CaptureRecord

    return CaptureRecord({"received_at": time.time() if at is None else at, "method": "POST",
                          "path": "/hooks/bench", "headers": _HEADERS, "body": _BODY,
                          "body_size": len(_BODY), "verification": _VERDICT,
                          "verify_valid": True, "response_status": 200,
                          "duration_ms": 0.4}, f"x-github-delivery:{i}")


def store_floor(tmp: Path, groups: int = 200, group: int = 32) -> float:
    """CPU microseconds per capture for the store write alone: the receiver's own writer code
    (``CaptureWriter._write``) inserting realistic rows into the real schema, in groups, with
    nothing else running. No receiver can persist a capture for less."""
    from webhook_studio.receiver.writer import CaptureWriter
    from webhook_studio.store import open_store

    store = open_store(tmp / "floor.sqlite3")
    writer = CaptureWriter(store)
    record = _record
    writer._write([record(-1)])  # warm: connection, statement cache
    cpu = time.process_time()
    for g in range(groups):
        writer._write([record(g * group + i) for i in range(group)])
    per_capture = (time.process_time() - cpu) / (groups * group) * 1e6
    writer._drop_raw()
    store.dispose()
    return per_capture


def store_floor_minimal(tmp: Path, groups: int = 200, group: int = 32) -> float:
    """The same timing for the durable floor's own table (``bench/_floor_server.py``): what a
    capture costs to store with no indexes and no row-to-parameter work beyond three values."""
    import sqlite3

    conn = sqlite3.connect(tmp / "minimal.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE floor (id INTEGER PRIMARY KEY, received_at REAL, headers TEXT, "
                 "body BLOB)")
    headers = json.dumps(_HEADERS, separators=(",", ":"))
    cpu = time.process_time()
    for _ in range(groups):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO floor (received_at, headers, body) VALUES (?, ?, ?)",
                         [(time.time(), headers, _BODY) for _ in range(group)])
        conn.execute("COMMIT")
    per_capture = (time.process_time() - cpu) / (groups * group) * 1e6
    conn.close()
    return per_capture


#: Connections of the paced client; each sends its share of the rate, one request at a time.
PACED_CONNECTIONS = 32


def paced_run(url: str, rate: float, seconds: int, body: Path,
              headers: dict[str, str]) -> dict[str, Any]:
    """p50/p99/max at a fixed rate: ``h2load --rps`` (C, from nghttp2-client) when installed,
    else the Python client (which shares the two cores with the server, and at these rates
    adds milliseconds of its own to every latency)."""
    time.sleep(0.5)
    if shutil.which("h2load"):
        return _h2load_run(url, rate, seconds, body, headers)
    out = subprocess.run(
        [sys.executable, str(HERE / "_paced_client.py"), url + "/hooks/bench", str(rate),
         str(seconds), str(body), json.dumps(headers)],
        capture_output=True, text=True, timeout=seconds * 6 + 30, check=True).stdout
    result: dict[str, Any] = json.loads(out)
    result["rate"] = round(rate, 1)
    result["client"] = "python"
    return result


def _h2load_run(url: str, rate: float, seconds: int, body: Path,
                headers: dict[str, str]) -> dict[str, Any]:
    per_connection = max(1, round(rate / PACED_CONNECTIONS))
    total = per_connection * PACED_CONNECTIONS * seconds
    log = body.parent / "h2load.log"
    log.unlink(missing_ok=True)
    header_args = [arg for name, value in {"Content-Type": "application/json", **headers}.items()
                   for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(
        ["h2load", "--h1", "-c", str(PACED_CONNECTIONS), "--rps", str(per_connection),
         "-n", str(total), "-d", str(body), *header_args, "--log-file", str(log),
         url + "/hooks/bench"],
        capture_output=True, text=True, timeout=seconds * 6 + 30, check=True).stdout
    rows = [line.split("\t") for line in log.read_text().splitlines() if line.strip()]
    latencies = sorted(int(row[2]) / 1000 for row in rows)
    errors = sum(1 for row in rows if not 200 <= int(row[1]) < 300)
    failed = re.search(r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    if failed:
        errors += sum(int(n) for n in failed.groups())
    n = len(latencies)
    return {"count": n, "errors": errors, "p50_ms": round(latencies[n // 2], 2),
            "p99_ms": round(latencies[min(n - 1, int(n * 0.99))], 2),
            "max_ms": round(latencies[-1], 2), "rate": float(per_connection * PACED_CONNECTIONS),
            "client": "h2load"}


def count_rows(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM captures").fetchone()[0])


if __name__ == "__main__":
    main()
