"""Hostile delivery targets: a tiny asyncio HTTP/1.1 server whose answers are scripted byte by
byte (dripping headers or bodies, huge bodies, raw header bytes no framework would send).

Runs on the test's own loop; ``requests`` counts the requests whose head arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from types import TracebackType

Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


class RawTarget:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests = 0
        self.heads: list[bytes] = []  # each request's head, as received
        self.finished = 0  # answers written to the end (not cut off by the client)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def __aenter__(self) -> RawTarget:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                await reader.readexactly(length)
                self.requests += 1
                self.heads.append(head)
                await self.answer(writer)
                self.finished += 1
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()


    def header_values(self, name: str) -> list[str]:
        """One header's value in each request received (e.g. every ``webhook-id`` sent)."""
        wanted = name.lower().encode()
        values = []
        for head in self.heads:
            for line in head.split(b"\r\n")[1:]:
                key, _, value = line.partition(b":")
                if key.strip().lower() == wanted:
                    values.append(value.strip().decode("latin-1"))
        return values


def fixed(raw: bytes) -> Answer:
    """The same raw answer every time (head and body as given)."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()

    return answer


def dripping(head: bytes, drip: bytes, every: float = 1.0) -> Answer:
    """``head`` at once, then ``drip`` one byte every ``every`` seconds."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head)
        await writer.drain()
        for i in range(len(drip)):
            await asyncio.sleep(every)
            writer.write(drip[i:i + 1])
            await writer.drain()

    return answer


def held(until: asyncio.Event, raw: bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
         ) -> Answer:
    """Nothing until ``until`` is set, then ``raw``: an attempt that stays in flight."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        await until.wait()
        writer.write(raw)
        await writer.drain()

    return answer


def huge(size: int, chunk: int = 256 * 1024) -> Answer:
    """A 200 with a ``size``-byte body, written as fast as the client reads it."""
    block = b"x" * chunk

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: %d\r\n\r\n" % size)
        left = size
        while left > 0:
            writer.write(block[:min(left, chunk)])
            left -= min(left, chunk)
            await writer.drain()

    return answer
