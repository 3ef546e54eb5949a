"""Logging that can never stop the event loop.

Unconfigured, Python's logging writes to stderr on the thread that logs: the loop. When stderr
is a pipe nobody reads, the 64 KiB pipe fills and the next write blocks the loop for good (a
flood of refused connections did exactly that). So when nothing else configured logging, the
receiver routes it through a bounded queue to a daemon thread that writes straight to the file
descriptor: the loop only ever does a ``put_nowait``; when the queue is full the record is
dropped and counted. The thread writes with ``os.write`` so that a write blocked at exit holds
no Python lock that interpreter shutdown would wait for.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import queue
import threading

_lock = threading.Lock()
_installed: DroppingQueueHandler | None = None


class DroppingQueueHandler(logging.handlers.QueueHandler):
    """A QueueHandler that drops (and counts) records instead of blocking or complaining."""

    def __init__(self, records: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(records)
        self.dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


class FdHandler(logging.Handler):
    """Writes each record to a raw file descriptor (on the listener's thread only)."""

    def __init__(self, fd: int) -> None:
        super().__init__(logging.WARNING)
        self.fd = fd
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = (self.format(record) + "\n").encode("utf-8", "replace")
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError:
            pass  # stderr closed: nothing sensible left to do with a log line


def install_nonblocking_logging(fd: int = 2, capacity: int = 1000) -> DroppingQueueHandler | None:
    """Route unconfigured logging through a bounded queue and a writer thread.

    Does nothing when the root logger already has handlers (the application, or pytest,
    configured logging and owns where records go). Returns the queue handler installed, or
    the one installed earlier.
    """
    global _installed
    with _lock:
        if _installed is not None:
            return _installed
        root = logging.getLogger()
        if root.handlers:
            return None
        records: queue.Queue[logging.LogRecord] = queue.Queue(capacity)
        handler = DroppingQueueHandler(records)
        handler.setLevel(logging.WARNING)
        listener = logging.handlers.QueueListener(records, FdHandler(fd))
        listener.start()  # a daemon thread; never joined, so a blocked write cannot hang exit
        root.addHandler(handler)
        _installed = handler
        return handler
