"""Syntax colours for JSON in the inspector and the composer."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

RULES = (
    (re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)'), "#8250df", True),   # keys
    (re.compile(r'"(?:[^"\\]|\\.)*"'), "#0a7d32", False),          # strings
    (re.compile(r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"), "#b35900", False),
    (re.compile(r"\b(?:true|false|null)\b"), "#0550ae", True),
)


class JsonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats = []
        for pattern, colour, bold in RULES:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if bold:
                fmt.setFontWeight(QFont.Weight.DemiBold)
            self._formats.append((pattern, fmt))

    def highlightBlock(self, text: str) -> None:
        taken: list[tuple[int, int]] = []
        for pattern, fmt in self._formats:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                self.setFormat(start, end - start, fmt)
