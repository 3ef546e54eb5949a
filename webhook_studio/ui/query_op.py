"""Store reads off the GUI thread (Anki's ``QueryOp`` is the model).

A controller never calls the store on the GUI thread: it hands the read to :class:`Queries`,
which runs it on a worker thread (``asyncio.to_thread``) through the window's
:class:`~webhook_studio.ui.tasks.TaskRunner` and calls ``success`` back on the GUI thread.
A SQLite file locked by another process (a long ``webhook-studio`` import, a backup) then
makes a section wait, never the whole window.

Each read has a key ("list", "detail"…); a result whose key was asked again meanwhile is
dropped, so a slow read for an old selection never overwrites the newer one. Errors go to the
runner's error handler (the window's status bar), as a sentence.

Without a running event loop (a section built in a plain unit test, before ``qasync`` starts)
the read runs at once, on the calling thread, with the same callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from webhook_studio.ui.tasks import Stale, TaskRunner

T = TypeVar("T")


class Queries:
    """The reads of one controller, each key keeping only its newest result."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self._latest: dict[str, int] = {}
        #: Reads started and finished (shown or dropped); tests wait on these.
        self.started = 0
        self.finished = 0

    def run(self, key: str, op: Callable[[], T], success: Callable[[T], object],
            done: Callable[[], object] | None = None) -> None:
        """Run ``op`` on a worker thread, then ``success(result)`` on the GUI thread unless a
        newer read for ``key`` began meanwhile; ``done()`` after it either way (shown,
        dropped or failed), for callers that keep one read in flight."""
        generation = self._latest.get(key, 0) + 1
        self._latest[key] = generation
        self.started += 1
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                result = op()
            except Exception as exc:
                self._failed(exc)
            else:
                self.finished += 1
                success(result)
                if done is not None:
                    done()
                return
            self.finished += 1
            if done is not None:
                done()
            return

        async def read() -> Any:
            try:
                result = await asyncio.to_thread(op)
            except Exception:
                if self._latest.get(key) != generation:
                    raise Stale from None  # e.g. the capture it read was deleted meanwhile
                raise
            if self._latest.get(key) != generation:
                raise Stale
            return result

        # Counted as finished after ``success`` ran (the runner's callback comes first).
        task = self.runner.run(read(), on_success=success)
        task.add_done_callback(self._finished)
        if done is not None:
            task.add_done_callback(lambda _task: done())

    def forget(self, key: str) -> None:
        """Drop the result of a ``key`` read still running (what it was for changed)."""
        self._latest[key] = self._latest.get(key, 0) + 1

    def _finished(self, _task: asyncio.Task[Any]) -> None:
        self.finished += 1

    def busy(self) -> bool:
        return self.finished < self.started

    def _failed(self, exc: Exception) -> None:
        from webhook_studio.errors import describe_error

        self.runner.report(describe_error(exc)[0])



def if_found(then: Callable[..., object]) -> Callable[[Any], None]:
    """``then(result)`` (a tuple is spread), or nothing when the read found nothing."""
    def call(result: Any) -> None:
        if result is None:
            return
        if isinstance(result, tuple):
            then(*result)
        else:
            then(result)

    return call
