"""What the window does with captures: export and import HAR, bulk replay, replay, edit and
resend (a capture or a delivery's request), delete and clear. Long work runs through the task
runner with a progress dialog; every question goes through ``ui/dialogs.py``.

Every entry point takes no arguments from a Qt signal: menu actions and buttons are connected
through lambdas, so ``triggered(bool)``/``clicked(bool)`` never land in a parameter.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from webhook_studio.ui import dialogs
from webhook_studio.ui.query_op import Queries

if TYPE_CHECKING:
    from webhook_studio.ui.edit_resend_dialog import ResendRequest
    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.ui.replay_dialog import ReplayRequest


class CaptureOps:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.store = window.ctx.store
        self.reads = Queries(window.runner)

    @property
    def profiles(self) -> dict[str, Any]:
        return dict(self.window.ctx.profiles.profiles)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15000)

    # -- HAR and bulk replay --------------------------------------------------------------------
    def export_har(self) -> None:
        dialogs.save_file(self.window, "Export shown captures", "captures.har",
                          "HAR files (*.har)", self._export_to)

    def _export_to(self, path: str) -> asyncio.Task[Any]:
        from webhook_studio.relay.batch import export_har
        from webhook_studio.ui.long_task import run_with_progress

        flt = self.window.inbox.current_filter()
        base_url = self.window.base_url
        return run_with_progress(
            self.window, self.window.runner, "Exporting captures",
            lambda progress: export_har(self.store, flt, Path(path), base_url, progress),
            lambda n: self._status(f"Exported {n} capture(s) to {path}"))[1]

    def import_har(self) -> None:
        dialogs.open_file(self.window, "Import HAR", "HAR files (*.har)", self._import_from)

    def _import_from(self, path: str) -> asyncio.Task[Any]:
        from webhook_studio.relay.batch import import_har_file
        from webhook_studio.ui.long_task import run_with_progress

        def done(ids: list[int]) -> None:
            self.window.inbox.apply_filter()
            self.window.inbox.tools.refresh_traffic(full=True)  # received in past minutes
            self._status(f"Imported {len(ids)} capture(s) from {path}")

        return run_with_progress(
            self.window, self.window.runner, "Importing captures",
            lambda progress: import_har_file(self.store, Path(path), progress), done)[1]

    def bulk_replay(self) -> None:
        """Ask where to, how far apart and how signed (re-signing defaults to how the newest
        shown capture was signed, read on a worker thread), then replay in order."""
        from webhook_studio.ui.models.sources import CaptureRow
        from webhook_studio.ui.widgets.signing import Signing, signing_for_capture

        inbox = self.window.inbox
        shown = inbox.model.rowCount()
        first = inbox.model.row_object(0) if shown else None
        if not isinstance(first, CaptureRow):
            self._ask_bulk(shown, Signing("scheme", "standard-webhooks"))
            return
        profiles = self.profiles
        self.reads.run("dialog", lambda: signing_for_capture(self.store, first.id, profiles),
                       lambda signing: self._ask_bulk(shown, signing))

    def _ask_bulk(self, shown: int, signing: Any) -> None:
        from webhook_studio.ui.bulk_replay_dialog import BulkReplayDialog

        dialog = BulkReplayDialog(shown, signing, self.window.settings, self.profiles,
                                  self.window)
        dialog.replay.connect(
            lambda request: self._bulk_replay_to(request.url, request.pacing, request.resign))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _bulk_replay_to(self, url: str, pacing: float = 0.0,
                        resign: Any = None) -> asyncio.Task[Any] | None:
        from webhook_studio.core.validation import url_problem
        from webhook_studio.relay.replay import bulk_replay
        from webhook_studio.ui.long_task import run_with_progress
        from webhook_studio.ui.widgets.targets import remember_target

        url = url.strip()
        if problem := url_problem(url):
            self.window.show_error(problem)
            return None
        remember_target(self.window.settings, url)
        from webhook_studio.store.window_reads import capture_ids

        flt = self.window.inbox.current_filter()

        async def work(progress: Any) -> Any:
            ids = await asyncio.to_thread(capture_ids, self.store, flt)  # off the GUI thread
            return await bulk_replay(self.store, ids, url, pacing=pacing, resign=resign,
                                     on_progress=lambda p: progress(p.done, p.total))

        def done(result: Any) -> None:
            self._status(f"Replayed {result.done} capture(s): {result.succeeded} succeeded, "
                         f"{result.failed} failed")
            self.window.deliveries_changed()

        self.bulk_task = run_with_progress(self.window, self.window.runner,
                                           "Replaying captures", work, done)[1]
        return self.bulk_task

    # -- one capture ----------------------------------------------------------------------------
    def open_replay(self, capture_id: int) -> None:
        """Read how the capture was signed (a worker thread), then ask where to send it."""
        from webhook_studio.ui.widgets.signing import signing_for_capture

        profiles = self.profiles
        self.reads.run("dialog", lambda: signing_for_capture(self.store, capture_id, profiles),
                       lambda signing: self._ask_replay(capture_id, signing))

    def _ask_replay(self, capture_id: int, signing: Any) -> None:
        from webhook_studio.ui.replay_dialog import ReplayDialog

        dialog = ReplayDialog(capture_id, signing, self.window.settings, self.profiles,
                              self.window)
        dialog.replay.connect(self._replay)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _replay(self, request: ReplayRequest) -> None:
        from webhook_studio.relay.replay import replay_capture

        capture_id, url, resign = request.capture_id, request.url, request.resign

        def done(result: Any) -> None:
            self._status(f"Replayed #{capture_id} to {url}: {result.status or result.error} "
                         f"({result.duration_ms} ms)")
            self.window.deliveries_changed()

        self.window.runner.run(replay_capture(self.store, capture_id, url, resign=resign),
                               on_success=done)

    def open_edit_capture(self, capture_id: int) -> None:
        """Read the capture and how it was signed (a worker thread; one deleted meanwhile is
        a sentence in the status bar), then open the editor."""
        from webhook_studio.relay.resend_attempt import draft_from_capture
        from webhook_studio.ui.widgets.signing import signing_for_capture

        profiles = self.profiles

        def read() -> tuple[Any, Any]:
            return (draft_from_capture(self.store, capture_id),
                    signing_for_capture(self.store, capture_id, profiles))

        self.reads.run("dialog", read, lambda found: self._open_editor(*found))

    def open_edit_delivery(self, delivery_id: str) -> None:
        """The same for a delivery's last request."""
        from webhook_studio.relay.resend_attempt import draft_from_attempt
        from webhook_studio.ui.widgets.signing import Signing, signing_for_capture

        profiles = self.profiles

        def read() -> tuple[Any, Any]:
            draft = draft_from_attempt(self.store, delivery_id)
            signing = (signing_for_capture(self.store, draft.capture_id, profiles)
                       if draft.capture_id is not None
                       else self._signing_of_delivery(delivery_id)
                       or Signing("scheme", "standard-webhooks"))
            return draft, signing

        self.reads.run("dialog", read, lambda found: self._open_editor(*found))

    def _signing_of_delivery(self, delivery_id: str) -> Any:
        from webhook_studio.store.window_reads import newest_secret, subscription_of_delivery
        from webhook_studio.ui.widgets.signing import Signing

        sub = subscription_of_delivery(self.store, delivery_id)
        if sub is None:
            return None
        secret = newest_secret(self.store, sub.id)
        if sub.profile and sub.profile in self.profiles:
            return Signing("profile", sub.profile, secret)
        return Signing("scheme", sub.scheme or "standard-webhooks", secret)

    def _open_editor(self, draft: Any, signing: Any) -> Any:
        from webhook_studio.ui.edit_resend_dialog import EditResendDialog

        dialog = EditResendDialog(draft, self.window.settings, self.profiles, signing,
                                  self.window)
        dialog.send.connect(self._resend)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _resend(self, request: ResendRequest) -> None:
        import time

        from webhook_studio.relay.replay import replay_capture
        from webhook_studio.relay.resend_attempt import capture_for_draft

        async def work() -> Any:
            original = capture_for_draft(self.store, request.draft, time.time())
            return original, await replay_capture(self.store, original, request.url,
                                                  resign=request.resign, edit=request.edit)

        def done(outcome: Any) -> None:
            original, result = outcome
            self._status(f"Sent edited copy #{result.capture_id} of #{original} to "
                         f"{request.url}: {result.status or result.error} "
                         f"({result.duration_ms} ms)")
            self.window.inbox.captures_arrived()
            self.window.inbox.select_capture(result.capture_id)
            self.window.deliveries_changed()

        self.window.runner.run(work(), on_success=done)

    # -- delete ---------------------------------------------------------------------------------
    def delete_captures(self, ids: list[int]) -> None:
        from webhook_studio.store.receiver_queries import delete_captures

        if not ids:
            return
        what = f"capture #{ids[0]}" if len(ids) == 1 else f"{len(ids)} captures"

        from webhook_studio.ui.undo import UNDO_LIMIT, DeleteCaptures

        undoable = len(ids) <= UNDO_LIMIT  # Edit ▸ Undo puts them back (ui/undo.py)

        def delete() -> None:
            if undoable:
                self.window.commands.undo_stack.push(DeleteCaptures(
                    self.store, ids, lambda n, gone, back: self._after_delete(n, gone, back)))
            else:
                self._after_delete(delete_captures(self.store, ids), ids)

        dialogs.confirm(self.window, "Delete captures", f"Delete {what}? " + (
            "Edit ▸ Undo (Ctrl+Z) puts it back." if undoable else "This cannot be undone."),
            f"Delete {what}", delete)

    def clear_captures(self) -> None:
        from webhook_studio.store.window_reads import capture_count

        def ask(total: int) -> None:
            if not total:
                self._status("There are no captures to clear.")
                return
            dialogs.confirm(self.window, "Clear all captures",
                            f"Delete all {total} captures? This cannot be undone.",
                            f"Delete all {total}", self._clear)

        self.reads.run("count", lambda: capture_count(self.store), ask)

    def _clear(self) -> None:
        from webhook_studio.store.receiver_queries import delete_captures

        self._after_delete(delete_captures(self.store, None), None)

    def _after_delete(self, count: int, ids: list[int] | None, restored: bool = False) -> None:
        inbox = self.window.inbox
        inspector = inbox.inspector
        if inspector.capture_id is not None and (ids is None or inspector.capture_id in ids):
            inspector.clear()
        inbox.apply_filter()
        inbox.tools.refresh_traffic(full=True)  # the strip's past minutes lost (or got) some
        self._status(f"Restored {count} capture(s)." if restored else
                     f"Deleted {count} capture(s).")
        if restored and ids:
            inbox.select_capture(ids[0])
        self.window.update_counts()
