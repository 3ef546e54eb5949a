"""The real window with live engines, as the window scenarios use it (tests/ui/conftest.py)."""

from tests.ui.conftest import (  # noqa: F401  (fixtures, found by name)
    collect_qt_objects_on_the_gui_thread,
    make_window,
    window,
)
