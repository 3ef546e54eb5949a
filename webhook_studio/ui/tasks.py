"""One place that runs background coroutines for the UI (docs/architecture.md#threads-and-loops).

``@asyncSlot`` bodies hand their work to :meth:`TaskRunner.run`, which keeps the task handle,
cancels every task on shutdown and routes any error to one handler, so a failure becomes a
sentence in the window instead of a traceback on stderr.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from webhook_studio.errors import describe_error

log = logging.getLogger(__name__)

ErrorHandler = Callable[[str], None]


class Stale(Exception):
    """A newer read for the same view started: this result is dropped, not an error."""


class TaskRunner:
    def __init__(self, on_error: ErrorHandler | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error or (lambda message: log.error("%s", message))

    def set_error_handler(self, handler: ErrorHandler) -> None:
        self._on_error = handler

    def report(self, message: str) -> None:
        """Show ``message`` where every background failure is shown."""
        self._on_error(message)

    def run(
        self,
        coro: Coroutine[Any, Any, Any],
        *,
        on_success: Callable[[Any], object] | None = None,
    ) -> asyncio.Task[Any]:
        """Start ``coro`` as a tracked task; ``on_success`` gets its result."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if isinstance(exc, Stale):
                return
            if exc is not None:
                self._on_error(describe_error(exc)[0])
            elif on_success is not None:
                on_success(t.result())

        task.add_done_callback(done)
        return task

    async def shutdown(self) -> None:
        """Cancel whatever still runs and wait for it to finish cancelling."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
