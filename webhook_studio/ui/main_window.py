"""The main window: a sidebar of sections, a stack of pages, a status bar.

Each section is a view (``ui/sections/``) over a controller (``ui/controllers/``) built
here; what it does with captures is in ``capture_ops.py``; starting and re-binding the engines
and applying Settings in ``receiver_control.py``. Store reads run off the GUI thread
(``ui/query_op.py``). Every signal is connected through a lambda or to
a slot without optional parameters, so ``clicked(bool)``/``triggered(bool)`` never become an
argument (the Inbox ▸ Actions menu was dead that way).

The status bar's first permanent widget, ``health_label``, says how the engines are
("Receiver: listening on …"); the sender's health joins it there.

Signals:
    closed: the window was closed; the composition root stops the loop on it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from webhook_studio import paths
from webhook_studio.context import AppContext
from webhook_studio.heap import settle_heap
from webhook_studio.ui import format as fmt
from webhook_studio.ui.bridge import EngineBridge
from webhook_studio.ui.query_op import Queries
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
        #: The engines' health model (sender-faults); its indicator sits after health_label.
        self.health = health
        self.ctx = ctx
        self.receiver = receiver
        self.dispatcher = dispatcher
        self.bridge = bridge or EngineBridge(self)
        self.base_url = "http://127.0.0.1:8000"
        self.runner = runner or TaskRunner()
        self.runner.set_error_handler(self.show_error)
        self.api: Any = None
        self.settings = QSettings(str(paths.window_settings_file(ctx.data_dir)),
                                  QSettings.Format.IniFormat)
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
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 1100])
        self.splitter.setChildrenCollapsible(False)
        from webhook_studio.ui.widgets.port_banner import PortBanner

        self.port_banner = PortBanner()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.port_banner)
        central_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.health_label = QLabel("Receiver: stopped")
        self.health_label.setObjectName("health_label")
        self.copy_url_button = QPushButton("Copy URL")
        self.copy_url_button.setFlat(True)
        self.copy_url_button.setToolTip("Copy the receiver's URL")
        self.copy_url_button.clicked.connect(self.copy_url)
        self.today_label = QLabel("")
        self.queue_label = QLabel("")
        from webhook_studio.ui.widgets.health_indicator import HealthIndicator

        self.health_indicator = HealthIndicator(health or getattr(dispatcher, "health", None))
        # Permanent, so a passing message never hides the engines' state.
        for widget in (self.health_label, self.copy_url_button, self.today_label,
                       self.queue_label, self.health_indicator):
            self.statusBar().addPermanentWidget(widget)
        from webhook_studio.ui.widgets.public_url import install as install_public_url

        self.public_url = install_public_url(self)  # tunnels: a public URL for the receiver
        from webhook_studio.ui.live_updates import install as install_live

        self.live = install_live(self)  # team database: other processes' work, live

        from webhook_studio.ui.capture_ops import CaptureOps
        from webhook_studio.ui.receiver_control import ReceiverControl

        self.captures = CaptureOps(self)
        self.control = ReceiverControl(self)
        self.bridge.captures_arrived.connect(self._captures_arrived)
        self.bridge.deliveries_changed.connect(self.deliveries_changed)
        inbox, ops = self.inbox, self.captures
        inbox.reload_receiver = self._endpoints_changed  # Load examples adds endpoints
        from webhook_studio.store.saved_filters import SavedFilters

        inbox.filter_field.set_saved(SavedFilters(ctx.data_dir))
        inbox.inspector.replay_requested.connect(ops.open_replay)
        inbox.inspector.edit_requested.connect(ops.open_edit_capture)
        inbox.replay_requested.connect(ops.open_replay)
        inbox.edit_requested.connect(ops.open_edit_capture)
        inbox.delete_requested.connect(ops.delete_captures)
        inbox.clear_requested.connect(ops.clear_captures)
        inbox.export_action.triggered.connect(lambda: ops.export_har())
        inbox.import_action.triggered.connect(lambda: ops.import_har())
        inbox.bulk_action.triggered.connect(lambda: ops.bulk_replay())
        from webhook_studio.ui.qa_ops import QaOps

        self.qa = QaOps(self)  # compare, export as tests, chaos replay
        inbox.compare_action.triggered.connect(lambda: self.qa.compare())
        inbox.export_tests_action.triggered.connect(lambda: self.qa.export_tests())
        inbox.chaos_action.triggered.connect(lambda: self.qa.chaos())
        self.deliveries.resend_requested.connect(ops.open_edit_delivery)
        self.deliveries.compose_requested.connect(lambda: self.show_section("composer"))
        self.deliveries.filter_field.set_saved(SavedFilters(ctx.data_dir))
        self.endpoints.controller.changed.connect(self._endpoints_changed)
        self.subscriptions.controller.saved.connect(lambda _id: self.composer.reload_targets())
        self.composer.controller.sent.connect(lambda _ids: self.deliveries_changed())
        self.settings_page.controller.saved.connect(self.control.apply_settings)
        self.settings_page.restart_requested.connect(
            lambda: self.control.run(self.control.restart()))
        self.apply_defaults()
        self.composer.controller.sent.connect(self.deliveries.follow)
        self._counts_read = Queries(self.runner)
        self._counts = QTimer(self)
        self._counts.setInterval(2000)
        self._counts.timeout.connect(self.update_counts)
        self._counts.start()
        self.update_counts()
        from webhook_studio.ui.window_commands import WindowCommands

        # The menu bar, shortcuts (Ctrl+1…N, Quit), palette, notices (ui/window_commands.py)
        self.commands = WindowCommands(self)
        self._restore_state()

    def build_section(self, key: str, title: str, blurb: str) -> QWidget:
        from webhook_studio.ui.controllers.composer import ComposerController
        from webhook_studio.ui.controllers.deliveries import DeliveriesController
        from webhook_studio.ui.controllers.endpoints import EndpointsController
        from webhook_studio.ui.controllers.inbox import InboxController
        from webhook_studio.ui.controllers.settings import SettingsController
        from webhook_studio.ui.controllers.subscriptions import SubscriptionsController
        from webhook_studio.ui.sections.composer import ComposerSection
        from webhook_studio.ui.sections.deliveries import DeliveriesSection
        from webhook_studio.ui.sections.endpoints import EndpointsSection
        from webhook_studio.ui.sections.inbox import InboxSection
        from webhook_studio.ui.sections.settings import SettingsSection
        from webhook_studio.ui.sections.subscriptions import SubscriptionsSection

        store, runner = self.ctx.store, self.runner
        if key == "inbox":
            self.inbox = InboxSection(InboxController(store, runner, self.base_url, self))
            # Retry forward goes through the receiver's relay (wiring.py), like its retries.
            self.inbox.inspector.controller.forwarder = getattr(self.receiver, "forwarder", None)
            return self.inbox
        if key == "endpoints":
            self.endpoints = EndpointsSection(
                EndpointsController(store, runner, self, profiles=self.ctx.profiles),
                self.base_url)
            return self.endpoints
        if key == "subscriptions":
            self.subscriptions = SubscriptionsSection(
                SubscriptionsController(store, runner, self, profiles=self.ctx.profiles))
            return self.subscriptions
        if key == "composer":
            self.composer = ComposerSection(ComposerController(
                store, runner, self.dispatcher, self, profiles=self.ctx.profiles))
            return self.composer
        if key == "deliveries":
            self.deliveries = DeliveriesSection(DeliveriesController(
                store, runner, self.dispatcher, self, profiles=self.ctx.profiles))
            return self.deliveries
        self.settings_page = SettingsSection(self.ctx, SettingsController(self.settings, self))
        return self.settings_page

    # -- engines ------------------------------------------------------------------------------
    async def start_engines(self) -> None:
        """Start the receiver on its configured port (a taken port shows the port banner, it
        is never swapped silently), the sender, and the API when Settings ask for it."""
        if self.receiver is not None:
            await self.control.start()  # it also tells the health light
        if self.dispatcher is not None:
            await self.dispatcher.start()
        self.live.start()
        if str(self.settings.value("api/enabled", "false")) == "true":
            try:
                await self.start_api(int(str(self.settings.value("api/port", 8001))))
            except Exception as exc:  # the window still opens; the reason is shown
                from webhook_studio.errors import describe_error

                self.show_error(f"The management API could not start: "
                                f"{describe_error(exc)[0]}")
        settle_heap()

    def apply_defaults(self) -> None:
        """Settings' default retry policy and timeout prefill new subscriptions and the
        Composer's ad-hoc sends."""
        from webhook_studio.ui.controllers.settings import setting

        retry = setting(self.settings, "defaults/retry")
        timeout = float(setting(self.settings, "defaults/timeout"))
        self.subscriptions.set_defaults(retry, timeout)
        self.composer.set_defaults(retry, timeout)

    async def start_api(self, port: int) -> str:
        """Serve the management API from the GUI too (Settings → "Expose the API"), on
        loopback only, with the same token as ``webhook-studio serve``."""
        from webhook_studio.api import ApiServer, ApiServices, load_or_create_token

        api = ApiServer(ApiServices(self.ctx.store, self.ctx.clock, self.dispatcher,
                                    self.receiver, profiles=self.ctx.profiles),
                        load_or_create_token(self.ctx.data_dir))
        url: str = await api.start("127.0.0.1", port)
        self.api = api
        self.statusBar().showMessage(f"Management API on {url}", 10000)
        return url

    async def stop_engines(self) -> None:
        await self.live.stop()
        await self.public_url.stop()  # what we started (cloudflared, SSH) stops with us
        if self.api is not None:
            api, self.api = self.api, None
            await api.stop()

    def set_receiver_url(self, url: str | None, problem: str | None = None) -> None:
        self.base_url = url or self.base_url
        if url:
            temporary = self.control.temporary
            self.health_label.setText(f"Receiver: listening on {url}"
                                      + (" (this run only)" if temporary else ""))
            self.health_label.setToolTip(
                f"Port {self.control.configured_port} was taken, so this free port is used "
                "until the app closes; Settings still say "
                f"{self.control.configured_port}." if temporary else
                "Where providers and tools should send webhooks")
        else:
            self.health_label.setText("Receiver: stopped" + (f" ({problem})" if problem else ""))
            self.health_label.setToolTip("Nothing is being received")
        self.copy_url_button.setEnabled(bool(url))
        self.endpoints.set_base_url(self.base_url)
        self.inbox.inspector.base_url = self.base_url

    def copy_url(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.base_url)
        self.statusBar().showMessage(f"Copied {self.base_url}", 3000)

    def update_counts(self) -> None:
        """Status-bar counts. Counting today's captures reads an index range that grows all
        day (tens of ms with a busy store), so it is read on a worker thread and the labels
        change when it is done; one read at a time."""
        import time as _time

        from webhook_studio.store.window_reads import status_counts

        if self._counts_read.busy():
            return
        midnight = _time.mktime((*_time.localtime()[:3], 0, 0, 0, 0, 0, -1))
        self._counts_read.run("counts", lambda: status_counts(self.ctx.store, midnight),
                              self._show_counts)

    def _show_counts(self, counts: tuple[int, dict[str, int]]) -> None:
        today, states = counts
        self.today_label.setText(f"{today} captured today")
        self.queue_label.setText(f"{states.get('pending', 0)} queued · "
                                 f"{fmt.count(states.get('failed', 0), 'dead letter')}")

    def _captures_arrived(self, count: int) -> None:
        from webhook_studio.store import StoreUnavailable

        try:
            self.inbox.captures_arrived(count)
        except StoreUnavailable as exc:  # keep what is shown; the next batch reads again
            self.show_error(str(exc))

    def deliveries_changed(self) -> None:
        from webhook_studio.store import StoreUnavailable

        try:
            self.deliveries.refresh()
        except StoreUnavailable as exc:  # keep what is shown (team database unreachable)
            self.show_error(str(exc))
        self.update_counts()

    def _endpoints_changed(self) -> None:
        if self.receiver is not None:
            self.receiver.reload_endpoints()
        self.inbox.reload_endpoints()

    def current_section(self) -> str:
        return SECTIONS[max(self.pages.currentIndex(), 0)][0]

    def show_section(self, key: str) -> None:
        keys = [k for k, _, _ in SECTIONS]
        self.sidebar.setCurrentRow(keys.index(key))

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        if hasattr(self, "commands"):  # kept in View ▸ Notices after the message fades
            self.commands.notices.add(message)

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
        self.commands.on_close()
        super().closeEvent(event)
        self.closed.emit()
