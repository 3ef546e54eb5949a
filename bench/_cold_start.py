"""Child process of bench/ui.py: time from interpreter start to a shown, filled window."""

import sys
import time

START = float(sys.argv[2])

import os  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication  # noqa: E402

from webhook_studio.context import AppContext  # noqa: E402
from webhook_studio.ui.main_window import MainWindow  # noqa: E402
from webhook_studio.ui.theme import apply_theme  # noqa: E402

app = QApplication([])
apply_theme(app)
ctx = AppContext.open(sys.argv[1])
window = MainWindow(ctx)
window.show()
window.inbox.model.data(window.inbox.model.index(0, 0))
app.processEvents()
print(f"{time.time() - START:.3f}")
