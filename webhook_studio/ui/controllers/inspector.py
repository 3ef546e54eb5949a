"""The inspector: reading one capture for display, its cURL command, exporting it, and
forwarding it again by hand.

Signals:
    shown(CaptureView): the capture asked for with :meth:`show`, read and prepared off the
        GUI thread (an older read finishing late is dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.store import Store
from webhook_studio.ui import format as fmt
from webhook_studio.ui.models.capture_view import curl_text, read_view
from webhook_studio.ui.models.forward_rows import ForwardRows, outcome, read_forwards
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner


class InspectorController(QObject):
    shown = Signal(object)

    def __init__(self, store: Store, runner: TaskRunner, base_url: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.base_url = base_url
        self.runner = runner
        self.queries = Queries(runner)
        #: The receiver's relay (its ``forwarder``), so a retry by hand goes through the same
        #: forwarder as the automatic ones; None: a one-off forwarder does it.
        self.forwarder: Any = None

    def show(self, capture_id: int, full: bool = False) -> None:
        self.queries.run("capture", lambda: read_view(self.store, capture_id, full),
                         self.shown.emit)

    def forget(self) -> None:
        """Nothing is shown any more: a read still running is dropped when it ends."""
        self.queries.forget("capture")

    def curl(self, capture_id: int, then: Callable[[str], None]) -> None:
        base = self.base_url
        self.queries.run("curl", lambda: curl_text(self.store, capture_id, base), then)

    def export(self, capture_id: int, path: str, then: Callable[[str, bool], None]) -> None:
        """Write the capture to ``path`` in the format its extension names (.har, .jsonl,
        .sh/.curl; anything else: the raw body), as ``captures export`` writes it; ``then``
        gets a sentence and whether it worked."""
        from webhook_studio.relay.export import capture_export, format_for_suffix

        target = Path(path)
        kind = format_for_suffix(target.suffix)
        base = self.base_url

        def write() -> tuple[str, bool]:
            data = capture_export(self.store, capture_id, kind, base)
            if kind == "curl":
                data = b"#!/bin/sh\n" + data
            try:
                target.write_bytes(data)
            except OSError as exc:
                return (f"Could not write {target.name}: {exc.strerror or exc}. "
                        "Pick another folder."), False
            return f"Saved {target.name} ({fmt.size(len(data))})", True

        self.queries.run("export", write, lambda said: then(*said))

    def forwards(self, capture_id: int, then: Callable[[ForwardRows], None]) -> None:
        """The Forwards tab's rows for the capture, read on a worker thread."""
        self.queries.run("forwards", lambda: read_forwards(self.store, capture_id), then)

    def retry_forward(self, capture_id: int, target: str,
                      then: Callable[[str, bool], None]) -> None:
        """Forward the capture to ``target`` again, now, as a task on the window's loop (the
        store is read and written in worker threads); ``then(sentence, ok)`` says how it
        went: the target's answer, or why it could not be sent."""
        from webhook_studio.errors import describe_error
        from webhook_studio.relay.forward import retry_forward

        store, forwarder = self.store, self.forwarder

        async def run() -> tuple[str, bool]:
            try:
                result = await retry_forward(store, forwarder, capture_id, target)
            except Exception as exc:  # a sentence at the button, never a traceback
                return describe_error(exc)[0], False
            if result["ok"]:
                return f"Forwarded again to {result['url']}: {outcome(result)}.", True
            return f"Forward to {result['url']} {outcome(result)}.", False

        self.runner.run(run(), on_success=lambda said: then(*said))
