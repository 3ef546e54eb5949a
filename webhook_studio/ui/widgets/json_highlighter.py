"""Syntax colours for JSON in the inspector and the composer, one set per theme (each at least
4.5:1 on its palette's text background: ``tests/ui/test_theme.py`` measures them); the views
are highlighted again when View ▸ Theme changes (``theme.set_theme`` calls
:func:`rehighlight_all`)."""

from __future__ import annotations

import re
import weakref

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

PATTERNS = (
    (re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)'), "key", True),
    (re.compile(r'"(?:[^"\\]|\\.)*"'), "string", False),
    (re.compile(r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"), "number", False),
    (re.compile(r"\b(?:true|false|null)\b"), "literal", True),
)
COLOURS: dict[str, dict[str, str]] = {
    "light": {"key": "#8250df", "string": "#0a7d32", "number": "#9a4d00", "literal": "#0550ae"},
    "dark": {"key": "#c297ff", "string": "#7ee787", "number": "#ffa657", "literal": "#79c0ff"},
}
_live: weakref.WeakSet[JsonHighlighter] = weakref.WeakSet()


def rehighlight_all() -> None:
    """The theme changed: every JSON view takes the colours of the new one."""
    from shiboken6 import isValid

    for highlighter in list(_live):
        if isValid(highlighter):  # its view (a closed window's) may be gone already
            highlighter.rehighlight()
        else:
            _live.discard(highlighter)


class JsonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, list[tuple[re.Pattern[str], QTextCharFormat]]] = {}
        for scheme, colours in COLOURS.items():
            formats = []
            for pattern, kind, bold in PATTERNS:
                fmt = QTextCharFormat()
                fmt.setForeground(QColor(colours[kind]))
                if bold:
                    fmt.setFontWeight(QFont.Weight.DemiBold)
                formats.append((pattern, fmt))
            self._formats[scheme] = formats
        _live.add(self)

    def highlightBlock(self, text: str) -> None:
        from webhook_studio.ui.theme import shows_dark

        taken: list[tuple[int, int]] = []
        for pattern, fmt in self._formats["dark" if shows_dark() else "light"]:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                self.setFormat(start, end - start, fmt)
