"""Copy as cURL / HTTPie / Python / fetch / raw HTTP, copy body, copy headers and one header
value: the same commands on every list row and inspector pane that shows a request.

The text comes from ``core/copy_as.py``; this only builds the menu and fills the clipboard. A
body that is not text goes to the clipboard twice: as bytes (application/octet-stream, for
apps that take them) and as base64 text (for the ones that take only text).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from webhook_studio.core.copy_as import LABELS, CopyFormat, RequestCopy, copy_as, headers_text

#: Header values longer than this are cut in the menu's labels (the copy is whole).
LABEL_CHARS = 48


def copy_text(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)


def copy_body(body: bytes) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is None:
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        data = QMimeData()
        data.setData("application/octet-stream", body)
        data.setText(base64.b64encode(body).decode("ascii"))
        clipboard.setMimeData(data)
        return
    clipboard.setText(text)


def add_copy_actions(menu: QMenu, request: RequestCopy) -> None:
    """Append the copy commands for ``request`` to ``menu``."""
    as_menu = menu.addMenu("Copy as")
    as_menu.setObjectName("copy-as")
    for fmt in CopyFormat:
        action = as_menu.addAction(LABELS[fmt])
        action.setObjectName(f"copy-as-{fmt}")
        action.triggered.connect(lambda _=False, f=fmt: copy_text(copy_as(request, f)))
    body = menu.addAction("Copy body")
    body.setObjectName("copy-body")
    body.setEnabled(bool(request.body))
    body.triggered.connect(lambda: copy_body(request.body))
    headers = menu.addAction("Copy headers")
    headers.setObjectName("copy-headers")
    headers.setEnabled(bool(request.headers))
    headers.triggered.connect(lambda: copy_text(headers_text(request.headers)))
    one = menu.addMenu("Copy header value")
    one.setObjectName("copy-header-value")
    one.setEnabled(bool(request.headers))
    for name, value in request.headers:
        shown = value if len(value) <= LABEL_CHARS else value[:LABEL_CHARS] + "…"
        action = one.addAction(f"{name}: {shown}")
        action.setData(name)
        action.triggered.connect(lambda _=False, v=value: copy_text(v))


def copy_menu(parent: QWidget, request: RequestCopy) -> QMenu:
    menu = QMenu(parent)
    add_copy_actions(menu, request)
    return menu


def find_action(menu: QMenu, object_name: str) -> object:
    """The action (or submenu's action) named ``object_name``: for tests and shortcuts."""
    for action in menu.actions():
        if action.objectName() == object_name:
            return action
        sub = action.menu()
        if isinstance(sub, QMenu):
            if sub.objectName() == object_name:
                return action
            found = find_action(sub, object_name)
            if found is not None:
                return found
    return None


def add_lazy_copy_actions(menu: QMenu, fetch: Callable[[Callable[[RequestCopy], None]], None]
                          ) -> None:
    """The copy commands appended to ``menu`` when ``fetch`` hands the request over (it is
    read on a worker thread); until then a disabled "Reading…" stands in their place."""
    waiting = menu.addAction("Copy: reading…")
    waiting.setEnabled(False)

    def fill(request: RequestCopy) -> None:
        menu.removeAction(waiting)
        add_copy_actions(menu, request)

    fetch(fill)
