"""A bare aiohttp server with a no-op handler: the baseline the receiver is measured against.

Same server machinery as the receiver (low-level ``web.Server`` on a plain asyncio loop), no
capture, no verification, no store.
"""

import asyncio
import sys

from aiohttp import web


async def main() -> None:
    async def handler(request: web.BaseRequest) -> web.Response:
        await request.read()
        return web.Response(body=b'{"received": true}')

    runner = web.ServerRunner(web.Server(handler, access_log=None), handle_signals=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
