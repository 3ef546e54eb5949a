"""The main window: a sidebar of sections, a stack of pages, a status bar.

Signals:
    closed: the window was closed; the composition root stops the loop on it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from webhook_studio.context import AppContext
from webhook_studio.ui.sections.placeholder import PlaceholderSection
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

    def __init__(self, ctx: AppContext, runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = runner or TaskRunner()
        self.runner.set_error_handler(self.show_error)
        self.settings = QSettings(str(ctx.data_dir / "window.ini"), QSettings.Format.IniFormat)
        self.setWindowTitle("Webhook Studio")
        self.resize(1200, 760)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(180)
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
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.receiver_label = QLabel("Receiver: stopped")
        self.queue_label = QLabel("Queue: 0")
        self.statusBar().addPermanentWidget(self.receiver_label)
        self.statusBar().addPermanentWidget(self.queue_label)
        QShortcut(QKeySequence.StandardKey.Quit, self).activated.connect(self.close)
        self._restore_state()

    def build_section(self, key: str, title: str, blurb: str) -> QWidget:
        """The page for one section; later issues replace placeholders with real views."""
        return PlaceholderSection(title, blurb)

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
        section = self.settings.value("section", "inbox")
        keys = [k for k, _, _ in SECTIONS]
        self.sidebar.setCurrentRow(keys.index(section) if section in keys else 0)

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("section", self.current_section())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)
        self.closed.emit()
