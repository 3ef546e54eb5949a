from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def collect_qt_objects_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """Widgets left as garbage by a test are collected here, on the GUI thread.

    Otherwise Python's cyclic GC may run later inside a worker thread (the receiver's writer,
    an executor) and destroy Qt objects there, which Qt rejects ("Timers cannot be stopped
    from another thread").
    """
    yield
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    gc.collect()
    QApplication.processEvents()
