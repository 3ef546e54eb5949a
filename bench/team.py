"""Team mode on PostgreSQL: deliveries/s with 1, 2 and 3 ``serve`` workers sharing one queue,
and capture throughput on PostgreSQL against SQLite.

    .venv/bin/python bench/team.py [--deliveries 2000] [--captures 3000] [--workers 1,2,3]

A throwaway PostgreSQL server is started for the run (``tests/team/pgserver.py``: Debian's
``postgresql`` package, ``fsync=off``, as the ``postgres`` user when run as root), unless
``--db`` names one (each phase then uses fresh tables in it: give an empty database).

* ``deliveries, N workers``: N real ``webhook-studio serve`` processes on one database; then
  ``--deliveries`` deliveries to one subscription (Standard Webhooks signature, retry ``0``,
  ``max_concurrency`` 32) are written in one transaction that NOTIFYs the workers; timed from
  that commit until every delivery is recorded ``delivered``. The target is
  ``bench/_bare_server.py`` (aiohttp no-op handler, its own process).
* ``captures``: one ``webhook-studio listen`` process; ``--captures`` POSTs of a ~1 KB body,
  32 in flight, each answered only after its capture is committed; on SQLite and PostgreSQL.

For every phase the CPU time of each party (workers or receiver, PostgreSQL's processes, the
target, this client) is read from ``/proc`` and printed as a split: on 2 cores the parties
compete for the same CPUs, so the split says what more cores would buy. Loopback only,
bounded by the counts and a per-phase time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
LIMIT_S = 300.0
TICK = os.sysconf("SC_CLK_TCK")
BODY = b'{"id":"evt_1","type":"order.created","data":{"lines":[' + b'"item",' * 120 + b'"x"]}}'


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return total


def postgres_pids(data_dir: Path | None) -> list[int]:
    """The postmaster and its children (backends, walwriter, ...)."""
    if data_dir is None:
        return []
    try:
        master = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                    if int(handle.read().rpartition(")")[2].split()[1]) == master:
                        pids.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return pids


def start_process(args: list[str], env: dict[str, str] | None = None
                  ) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"{args[1:4]} did not start: {line!r}")
    return proc, line.split()[-1]


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def split(parts: dict[str, float], wall: float) -> str:
    total = sum(parts.values()) or 1.0
    shown = ", ".join(f"{name} {seconds:.1f} s ({100 * seconds / total:.0f} %)"
                      for name, seconds in parts.items())
    return f"CPU {shown}; {total / wall:.2f} cores busy on average"


class Databases:
    """Fresh databases on one server (ours, or the one ``--db`` names)."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.server = None
        self.count = 0
        if url is None:
            from tests.team.pgserver import PgServer

            self.server = PgServer()
            self.server.start()

    @property
    def data_dir(self) -> Path | None:
        return self.server.data if self.server is not None else None

    def fresh(self) -> str:
        if self.server is not None:
            return self.server.url(self.server.new_database())
        assert self.url is not None
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return self.url

    def close(self) -> None:
        if self.server is not None:
            self.server.cleanup()


def enqueue(url: str, target: str, count: int) -> float:
    """``count`` deliveries in one transaction that NOTIFYs the workers; returns commit time."""
    from sqlalchemy import insert

    from webhook_studio.core.envelope import default_envelope
    from webhook_studio.core.retry import parse_policy
    from webhook_studio.store import open_store
    from webhook_studio.store.live import notify
    from webhook_studio.store.sender_models import Delivery, Event
    from webhook_studio.store.sender_queries import create_subscription, new_id

    store = open_store(url)
    try:
        sub = create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                  url=target, events=["*"], max_concurrency=32,
                                  retry_policy=parse_policy("0").to_dict(), timeout_seconds=30)
        now = time.time()
        events, deliveries = [], []
        for i in range(count):
            eid = new_id("evt")
            events.append({"id": eid, "type": "order.created", "created_at": now,
                           "payload": default_envelope("order.created", {"n": i}, eid, now)})
            deliveries.append({"id": new_id("msg"), "event_id": eid, "subscription_id": sub,
                               "event_type": "order.created", "target_url": target,
                               "state": "pending", "attempt_count": 0, "next_attempt_at": now,
                               "created_at": now, "updated_at": now})
        with store.session() as session:
            session.execute(insert(Event), events)
            session.execute(insert(Delivery), deliveries)
            notify(session, "deliveries", [d["id"] for d in deliveries[:20]])
        return time.monotonic()
    finally:
        store.dispose()


def delivered(url: str) -> int:
    from sqlalchemy import func, select

    from webhook_studio.store import open_store
    from webhook_studio.store.sender_models import Delivery

    store = open_store(url)
    try:
        with store.session() as session:
            return int(session.scalar(select(func.count()).select_from(Delivery)
                                      .where(Delivery.state == "delivered")) or 0)
    finally:
        store.dispose()


def bench_workers(dbs: Databases, target: str, target_pid: int, workers: int, count: int,
                  home: Path) -> None:
    url = dbs.fresh()
    env = {**os.environ, "XDG_DATA_HOME": str(home), "WEBHOOK_STUDIO_DATA_DIR": str(home)}
    procs = []
    try:
        for _ in range(workers):
            proc, _url = start_process([sys.executable, "-m", "webhook_studio", "serve",
                                        "--port", "0", "--api-port", "0", "--db", url], env)
            procs.append(proc)
        pg = postgres_pids(dbs.data_dir)
        before = {"workers": cpu_seconds([p.pid for p in procs]), "postgres": cpu_seconds(pg),
                  "target": cpu_seconds([target_pid]), "bench": time.process_time()}
        started = enqueue(url, target + "/hook", count)
        while (done := delivered(url)) < count:
            if time.monotonic() - started > LIMIT_S:
                raise SystemExit(f"{workers} worker(s): only {done} of {count} delivered")
            time.sleep(0.2)
        wall = time.monotonic() - started
        pg = postgres_pids(dbs.data_dir)
        after = {"workers": cpu_seconds([p.pid for p in procs]), "postgres": cpu_seconds(pg),
                 "target": cpu_seconds([target_pid]), "bench": time.process_time()}
        print(f"deliveries, {workers} worker(s): {count / wall:,.0f} /s ({count} in {wall:.1f} s)"
              f"; {split({k: after[k] - before[k] for k in after}, wall)}", flush=True)
    finally:
        for proc in procs:
            stop(proc)


async def post_all(url: str, count: int, concurrency: int = 32) -> float:
    import aiohttp

    remaining = count

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            async with http.post(url, data=BODY,
                                 headers={"Content-Type": "application/json"}) as resp:
                await resp.read()
                assert resp.status == 200, resp.status

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(worker(http) for _ in range(concurrency))),
                               LIMIT_S)
        return time.monotonic() - started


def bench_captures(kind: str, db: str, count: int, data_dir: Path | None, home: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(home), "WEBHOOK_STUDIO_DATA_DIR": str(home)}
    proc, url = start_process([sys.executable, "-m", "webhook_studio", "listen", "--port", "0",
                               "--quiet", "--db", db], env)
    try:
        pg = postgres_pids(data_dir)
        before = {"receiver": cpu_seconds([proc.pid]), "postgres": cpu_seconds(pg),
                  "bench": time.process_time()}
        wall = asyncio.run(post_all(url + "/in", count))
        pg = postgres_pids(data_dir)
        after = {"receiver": cpu_seconds([proc.pid]), "postgres": cpu_seconds(pg),
                 "bench": time.process_time()}
        parts = {k: after[k] - before[k] for k in after}
        if kind == "sqlite":
            parts.pop("postgres")
        print(f"captures, {kind}: {count / wall:,.0f} /s ({count} in {wall:.1f} s); "
              f"{split(parts, wall)}", flush=True)
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--captures", type=int, default=3000)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--db", help="an empty PostgreSQL database to use instead of a "
                        "throwaway server (postgresql+psycopg://...)")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    dbs = Databases(args.db)
    target, target_url = start_process([sys.executable, str(HERE / "_bare_server.py")])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            for workers in (int(w) for w in args.workers.split(",") if w.strip()):
                bench_workers(dbs, target_url, target.pid, workers, args.deliveries, home)
            bench_captures("sqlite", str(home / "bench.sqlite3"), args.captures, None, home)
            bench_captures("postgresql", dbs.fresh(), args.captures, dbs.data_dir, home)
    finally:
        stop(target)
        dbs.close()


if __name__ == "__main__":
    main()
