"""CPU per request of a server under wrk, per thread: where the receiver's time goes.

    python bench/server_cpu.py [--seconds 5] [--runs 2] [--receiver-args "..."]

Runs the receiver (``listen --scheme github --quiet``) and the durable floor
(``bench/_floor_server.py``) one after the other, each under the same ``wrk -t1 -c32`` POST of a
signed GitHub body, and reads ``/proc`` before and after: requests/s, the server's CPU per
request and per thread (the loop thread, the writer thread, ...), wrk's share of a core and how
busy the whole machine was. On two cores the receiver process uses about one core however much
is free: its threads share one GIL, so the loop thread's microseconds per request are what set
its rate (docs/benchmarks.md, "Where the receiver's time goes").
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from receiver import SECRET, signed_body, start  # noqa: E402


def _ticks(stat_path: str) -> int:
    fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def _threads(pid: int) -> dict[str, int]:
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        name = "loop" if int(tid) == pid else "thread"  # Python 3.11 names no OS thread
        out[f"{name}:{tid}"] = _ticks(f"/proc/{pid}/task/{tid}/stat")
    return out


def _machine() -> tuple[int, int]:
    values = list(map(int, Path("/proc/stat").read_text().split("\n")[0].split()[1:9]))
    return sum(values), values[3] + values[4]


def measure(cmd: list[str], lua: Path, seconds: int) -> dict[str, Any]:
    hz = os.sysconf("SC_CLK_TCK")
    proc, url = start(cmd)
    target = url + "/hooks/bench"
    try:
        subprocess.run(["wrk", "-t1", "-c32", "-d2s", "-s", str(lua), target],
                       capture_output=True, check=True)  # warm up
        before, threads_before, machine_before = _ticks(f"/proc/{proc.pid}/stat"), \
            _threads(proc.pid), _machine()
        load = subprocess.Popen(["wrk", "-t1", "-c32", f"-d{seconds}s", "-s", str(lua), target],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(0.2)
        wrk_before = _ticks(f"/proc/{load.pid}/stat")
        time.sleep(seconds - 0.6)
        wrk_after = _ticks(f"/proc/{load.pid}/stat")
        out, _ = load.communicate()
        after, threads_after, machine_after = _ticks(f"/proc/{proc.pid}/stat"), \
            _threads(proc.pid), _machine()
    finally:
        proc.terminate()
        proc.wait(15)
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert found, out
    rps = float(found.group(1))
    requests = rps * seconds
    total, idle = machine_after[0] - machine_before[0], machine_after[1] - machine_before[1]
    per_thread = {name: round((ticks - threads_before.get(name, 0)) / hz * 1e6 / requests, 1)
                  for name, ticks in threads_after.items()
                  if ticks - threads_before.get(name, 0)}
    return {"rps": round(rps), "us_per_request": round((after - before) / hz * 1e6 / requests, 1),
            "server_cores": round((after - before) / hz / seconds, 2),
            "wrk_cores": round((wrk_after - wrk_before) / hz / (seconds - 0.8), 2),
            "machine_busy": round(100 * (1 - idle / total)), "threads_us_per_request": per_thread}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--receiver-args", default="",
                        help="extra arguments for listen, e.g. '--log-format json'")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        body, headers = signed_body(tmp)
        lua = tmp / "post.lua"
        header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
        lua.write_text(f'wrk.method = "POST"\nwrk.body = io.open("{body}", "rb"):read("*a")\n'
                       f'wrk.headers["Content-Type"] = "application/json"\n{header_lines}')
        for n in range(args.runs):
            receiver = [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db",
                        str(tmp / f"r{n}.sqlite3"), "--scheme", "github", "--secret", SECRET,
                        "--quiet", *shlex.split(args.receiver_args)]
            floor = [sys.executable, str(HERE / "_floor_server.py"),
                     str(tmp / f"f{n}.sqlite3"), SECRET]
            for name, cmd in (("receiver", receiver), ("floor", floor)):
                result = measure(cmd, lua, args.seconds)
                threads = ", ".join(f"{k.split(':')[0]} {v}"
                                    for k, v in result.pop("threads_us_per_request").items())
                print(f"run {n + 1} {name:8}: {result}\n    us per request by thread: {threads}",
                      flush=True)


if __name__ == "__main__":
    main()
