"""The main window: a sidebar of sections, a stack of pages, a status bar.

Signals:
    closed: the window was closed; the composition root stops the loop on it.
"""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from webhook_studio.context import AppContext
from webhook_studio.ui.bridge import EngineBridge
from webhook_studio.ui.tasks import TaskRunner

#: (key, title, what the section is for). The order is the sidebar's order.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("inbox", "Inbox", "Every request the local receiver captured, with its signature verdict."),
    ("endpoints", "Endpoints", "Receiver endpoints: paths, schemes, secrets and responses."),
    ("subscriptions", "Subscriptions", "Where the sender delivers events, and how it retries."),
    ("composer", "Composer", "Build a signed event from a provider profile and send it."),
    ("deliveries", "Deliveries", "Every delivery and its attempts on a retry timeline."),
    ("settings", "Settings", "Data location, receiver address and defaults."),
)


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, ctx: AppContext, runner: TaskRunner | None = None, *,
                 receiver: Any = None, dispatcher: Any = None,
                 bridge: EngineBridge | None = None, health: Any = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.receiver = receiver
        self.dispatcher = dispatcher
        self.bridge = bridge or EngineBridge(self)
        self.base_url = "http://127.0.0.1:8000"
        self.runner = runner or TaskRunner()
        self.runner.set_error_handler(self.show_error)
        self.settings = QSettings(str(ctx.data_dir / "window.ini"), QSettings.Format.IniFormat)
        self.setWindowTitle("Webhook Studio")
        self.resize(1200, 760)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setMinimumWidth(150)
        self.sidebar.setMaximumWidth(260)
        self.pages = QStackedWidget()
        self.sections: dict[str, QWidget] = {}
        for index, (key, title, blurb) in enumerate(SECTIONS):
            page = self.build_section(key, title, blurb)
            self.sections[key] = page
            self.pages.addWidget(page)
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{blurb} (Ctrl+{index + 1})")
            self.sidebar.addItem(item)
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.sidebar.setCurrentRow(i))
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 1100])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.receiver_label = QPushButton("Receiver: stopped")
        self.receiver_label.setFlat(True)
        self.receiver_label.setToolTip("Click to copy the receiver's URL")
        self.receiver_label.clicked.connect(self.copy_url)
        self.today_label = QLabel("")
        self.queue_label = QLabel("")
        from webhook_studio.ui.widgets.health_indicator import HealthIndicator

        self.health_indicator = HealthIndicator(health or getattr(dispatcher, "health", None))
        for widget in (self.receiver_label, self.today_label, self.queue_label,
                       self.health_indicator):
            self.statusBar().addPermanentWidget(widget)
        self.bridge.captures_arrived.connect(self._captures_arrived)
        self.bridge.deliveries_changed.connect(self._deliveries_changed)
        self.inbox.inspector.replay_requested.connect(self.open_replay)
        self.inbox.export_action.triggered.connect(self.export_har)
        self.inbox.import_action.triggered.connect(self.import_har)
        self.inbox.bulk_action.triggered.connect(self.bulk_replay)
        self.endpoints.changed.connect(self._endpoints_changed)
        self.subscriptions.saved.connect(lambda _id: self.composer.reload_targets())
        self.composer.sent.connect(lambda _ids: self._deliveries_changed())
        self._counting = False
        self._counts = QTimer(self)
        self._counts.setInterval(2000)
        self._counts.timeout.connect(self.update_counts)
        self._counts.start()
        self.update_counts()
        QShortcut(QKeySequence.StandardKey.Quit, self).activated.connect(self.close)
        self._restore_state()

    def build_section(self, key: str, title: str, blurb: str) -> QWidget:
        from webhook_studio.ui.sections.composer import ComposerSection
        from webhook_studio.ui.sections.deliveries import DeliveriesSection
        from webhook_studio.ui.sections.endpoints import EndpointsSection
        from webhook_studio.ui.sections.inbox import InboxSection
        from webhook_studio.ui.sections.settings import SettingsSection
        from webhook_studio.ui.sections.subscriptions import SubscriptionsSection

        store = self.ctx.store
        if key == "inbox":
            self.inbox = InboxSection(store, self.base_url)
            return self.inbox
        if key == "endpoints":
            self.endpoints = EndpointsSection(store, self.base_url)
            return self.endpoints
        if key == "subscriptions":
            self.subscriptions = SubscriptionsSection(store)
            return self.subscriptions
        if key == "composer":
            self.composer = ComposerSection(store, self.dispatcher)
            return self.composer
        if key == "deliveries":
            self.deliveries = DeliveriesSection(store, self.dispatcher)
            return self.deliveries
        self.settings_page = SettingsSection(self.ctx, self.settings)
        return self.settings_page

    # -- engines ------------------------------------------------------------------------------
    async def start_engines(self) -> None:
        """Start the receiver (falling back to any free port) and the sender."""
        from webhook_studio.receiver import BindError

        if self.receiver is not None:
            try:
                url = await self.receiver.start()
            except BindError as exc:
                self.receiver.port = 0
                url = await self.receiver.start()
                self.show_error(f"{exc} Listening on {url} instead.")
            self.set_receiver_url(url)
        if self.dispatcher is not None:
            await self.dispatcher.start()
        if str(self.settings.value("api/enabled", "false")) == "true":
            await self.start_api(int(str(self.settings.value("api/port", 8001))))
        settle_heap()

    async def start_api(self, port: int) -> str:
        """Serve the management API from the GUI too (Settings → "Expose the API"), on
        loopback only, with the same token as ``webhook-studio serve``."""
        from webhook_studio.api import ApiServer, ApiServices, load_or_create_token

        self.api = ApiServer(ApiServices(self.ctx.store, self.ctx.clock, self.dispatcher,
                                         self.receiver), load_or_create_token(self.ctx.data_dir))
        url = await self.api.start("127.0.0.1", port)
        self.statusBar().showMessage(f"Management API on {url}", 10000)
        return url

    async def stop_engines(self) -> None:
        if getattr(self, "api", None) is not None:
            await self.api.stop()

    def set_receiver_url(self, url: str | None) -> None:
        self.base_url = url or self.base_url
        self.receiver_label.setText(f"● Receiving on {url}" if url else "○ Receiver stopped")
        self.endpoints.set_base_url(self.base_url)
        self.inbox.inspector.base_url = self.base_url

    def copy_url(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.base_url)
        self.statusBar().showMessage(f"Copied {self.base_url}", 3000)

    def update_counts(self) -> None:
        """Status-bar counts. Counting today's captures reads an index range that grows all
        day (tens of ms with a busy store), so with a running loop it is read on a worker
        thread and the labels change when it is done; one read at a time."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._show_counts(self._read_counts())
            return
        if self._counting:
            return
        self._counting = True

        async def read() -> tuple[int, dict[str, int]]:
            try:
                return await loop.run_in_executor(None, self._read_counts)
            finally:
                self._counting = False

        self.runner.run(read(), on_success=self._show_counts)

    def _read_counts(self) -> tuple[int, dict[str, int]]:
        import time as _time

        from sqlalchemy import func, select

        from webhook_studio.store.receiver_models import Capture
        from webhook_studio.store.sender_queries import count_by_state

        midnight = _time.mktime((*_time.localtime()[:3], 0, 0, 0, 0, 0, -1))
        with self.ctx.store.session() as session:
            today = session.scalar(select(func.count(Capture.id)).where(
                Capture.received_at >= midnight)) or 0
            return int(today), dict(count_by_state(session))

    def _show_counts(self, counts: tuple[int, dict[str, int]]) -> None:
        today, states = counts
        self.today_label.setText(f"{today} captured today")
        self.queue_label.setText(f"{states.get('pending', 0)} queued · "
                                 f"{states.get('failed', 0)} dead letters")

    def _captures_arrived(self, count: int) -> None:
        self.inbox.captures_arrived(count)

    def _deliveries_changed(self) -> None:
        self.deliveries.refresh()
        self.update_counts()

    def _endpoints_changed(self) -> None:
        if self.receiver is not None:
            self.receiver.reload_endpoints()
        self.inbox.reload_endpoints()

    # -- long operations (progress + cancel) ---------------------------------------------------
    def export_har(self, path: str | None = None) -> Any:
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from webhook_studio.relay.batch import export_har
        from webhook_studio.ui.long_task import run_with_progress

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export captures", "captures.har",
                                                  "HAR files (*.har)")
        if not path:
            return None
        flt = self.inbox.current_filter()
        return run_with_progress(
            self, self.runner, "Exporting captures",
            lambda progress: export_har(self.ctx.store, flt, Path(path), self.base_url,
                                        progress),
            lambda n: self.statusBar().showMessage(f"Exported {n} capture(s) to {path}",
                                                   10000))[1]

    def import_har(self, path: str | None = None) -> Any:
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from webhook_studio.relay.batch import import_har_file
        from webhook_studio.ui.long_task import run_with_progress

        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import HAR", "", "HAR files (*.har)")
        if not path:
            return None

        def done(ids: list[int]) -> None:
            self.inbox.apply_filter()
            self.statusBar().showMessage(f"Imported {len(ids)} capture(s) from {path}", 10000)

        return run_with_progress(
            self, self.runner, "Importing captures",
            lambda progress: import_har_file(self.ctx.store, Path(path), progress), done)[1]

    def bulk_replay(self, url: str | None = None, pacing: float | None = None) -> Any:
        from PySide6.QtWidgets import QInputDialog

        from webhook_studio.core.validation import url_problem
        from webhook_studio.relay.replay import bulk_replay
        from webhook_studio.store.receiver_queries import list_captures
        from webhook_studio.ui.long_task import run_with_progress

        if url is None:
            url, ok = QInputDialog.getText(self, "Replay shown captures",
                                           "Send every shown capture, oldest first, to:")
            if not ok:
                return None
        if problem := url_problem(url or ""):
            self.show_error(problem)
            return None
        with self.ctx.store.session() as session:
            ids = [c.id for c in list_captures(session, limit=10_000,
                                               flt=self.inbox.current_filter())]

        async def work(progress: Any) -> Any:
            return await bulk_replay(self.ctx.store, ids, str(url), pacing=pacing or 0.0,
                                     on_progress=lambda p: progress(p.done, p.total))

        def done(result: Any) -> None:
            self.statusBar().showMessage(
                f"Replayed {result.done} capture(s): {result.succeeded} succeeded, "
                f"{result.failed} failed", 10000)
            self._deliveries_changed()

        return run_with_progress(self, self.runner, "Replaying captures", work, done)[1]

    def open_replay(self, capture_id: int) -> None:
        from webhook_studio.ui.replay_dialog import ReplayDialog

        dialog = ReplayDialog(capture_id, self)
        dialog.replay.connect(self._replay)
        dialog.open()

    def _replay(self, request: object) -> None:
        from webhook_studio.relay.replay import replay_capture

        capture_id, url, resign = cast(tuple[int, str, Any], request)

        def done(result: Any) -> None:
            self.statusBar().showMessage(
                f"Replayed #{capture_id} to {url}: {result.status or result.error} "
                f"({result.duration_ms} ms)", 10000)
            self._deliveries_changed()

        self.runner.run(replay_capture(self.ctx.store, capture_id, url, resign=resign),
                        on_success=done)

    def current_section(self) -> str:
        return SECTIONS[max(self.pages.currentIndex(), 0)][0]

    def show_section(self, key: str) -> None:
        keys = [k for k, _, _ in SECTIONS]
        self.sidebar.setCurrentRow(keys.index(key))

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = self.settings.value("splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        for name, inner in self._section_splitters():
            state = self.settings.value(name)
            if isinstance(state, QByteArray):
                inner.restoreState(state)
        section = self.settings.value("section", "inbox")
        keys = [k for k, _, _ in SECTIONS]
        self.sidebar.setCurrentRow(keys.index(section) if section in keys else 0)

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        for name, inner in self._section_splitters():
            self.settings.setValue(name, inner.saveState())
        self.settings.setValue("section", self.current_section())
        self.settings.sync()

    def _section_splitters(self) -> list[tuple[str, QSplitter]]:
        """Every splitter inside a section (list/editor, inbox/inspector…), with a settings key
        made of the section and the splitter's order in it."""
        return [(f"splitters/{key}/{i}", inner) for key, page in self.sections.items()
                for i, inner in enumerate(page.findChildren(QSplitter))]

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)
        self.closed.emit()


def settle_heap() -> None:
    """Move everything alive now (modules, widgets, engines: it lives as long as the app) out
    of the garbage collector's sight. Without this, each full collection walked all of it on
    the GUI thread: 60-70 ms stalls while ingesting (docs/benchmarks.md, UI)."""
    import gc

    gc.collect()
    gc.freeze()

