"""Fixed-rate load in its own process: sends RATE requests/s for SECONDS, prints latencies.

wrk measures the maximum rate; this measures latency at a chosen rate (wrk2 is not packaged).
Output: one JSON object with count, errors, p50_ms, p99_ms, max_ms.
"""

import asyncio
import json
import sys
import time

import aiohttp


async def main(url: str, rate: float, seconds: float, body: bytes, headers: dict[str, str]) -> None:
    latencies: list[float] = []
    errors = 0
    interval = 1.0 / rate
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one() -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status >= 300:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        start = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(json.dumps({"count": len(latencies), "errors": errors, "p50_ms": round(pct(0.5), 2),
                      "p99_ms": round(pct(0.99), 2), "max_ms": round(latencies[-1], 2)}))


if __name__ == "__main__":
    url, rate, seconds, body_file = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    hdrs = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
    with open(body_file, "rb") as f:
        payload = f.read()
    asyncio.run(main(url, rate, seconds, payload, hdrs))
