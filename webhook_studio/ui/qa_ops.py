"""What the window does for the QA toolkit: compare two captures, export captures as tests,
chaos-replay the shown captures. Entry points take no arguments from a Qt signal (menu
actions and buttons are connected through lambdas)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt

if TYPE_CHECKING:
    from webhook_studio.ui.main_window import MainWindow


class QaOps:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.store = window.ctx.store

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15000)

    def compare(self) -> None:
        """The diff dialog for the two selected captures, or a sentence in the status bar."""
        from webhook_studio.ui.diff_dialog import open_diff

        self.window.inbox.selected_ids(lambda ids: open_diff(
            self.window, self.store, self.window.runner, ids, self.window.show_error))

    def export_tests(self) -> None:
        """The export dialog for the selected captures (their ids may be read first)."""
        self.window.inbox.selected_ids(self._export_tests)

    def _export_tests(self, ids: list[int]) -> Any:
        from webhook_studio.ui.contract_export_dialog import ContractExportDialog

        if not ids:
            self.window.show_error("Select the captures to export as tests first.")
            return None
        dialog = ContractExportDialog(self.store, ids, self.window, self.window.runner)

        def done(result: object) -> None:
            path, count, notes = cast(tuple[str, int, list[str]], result)
            self._status(f"Exported {count} capture(s) as tests to {path}"
                         + (f" ({notes[0]})" if notes else ""))

        dialog.exported.connect(done)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def chaos(self) -> Any:
        from webhook_studio.store.window_reads import capture_ids
        from webhook_studio.ui.chaos_panel import ChaosDialog
        from webhook_studio.ui.widgets.targets import recent_targets

        flt = self.window.inbox.current_filter()

        def shown() -> list[int]:  # read on a worker thread when Run is clicked
            return sorted(capture_ids(self.store, flt))  # received order

        recent = recent_targets(self.window.settings)
        dialog = ChaosDialog(self.store, self.window.runner, shown,
                             recent[0] if recent else "", self.window,
                             self.window.captures.profiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
