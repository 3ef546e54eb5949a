"""Light and dark (View ▸ Theme: System, Light, Dark, applied live), the verdict and state
colours for each, the body views' font size, and one small stylesheet.

Fusion is used everywhere so the window looks the same on every platform. "System" follows
the platform's colour scheme and switches when it changes (Qt >= 6.5 reports it). Verdict and
delivery-state colours come in a light and a dark set, each at least 4.5:1 (WCAG AA for body
text) against the list backgrounds of its palette; ``tests/ui/test_theme.py`` computes it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

THEMES: tuple[tuple[str, str], ...] = (("system", "System"), ("light", "Light"),
                                      ("dark", "Dark"))

#: Body views (bodies, raw requests, hex, previews) font sizes in points; None = the system's.
BODY_SIZES = (8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 24)

SIDEBAR_QSS = """
QListWidget#sidebar { border: none; padding-top: 8px; font-size: 13px; }
QListWidget#sidebar::item { padding: 8px 14px; border-radius: 6px; margin: 1px 6px; }
QListWidget#sidebar::item:selected { background: palette(highlight);
                                     color: palette(highlighted-text); }
QLabel[role="heading"] { font-size: 17px; font-weight: 600; }
QLabel[role="muted"] { color: palette(placeholder-text); }
"""

#: Meaning → colour, per palette. Light: on white/#f7f7f7/#efefef; dark: on the dark bases.
STATUS_COLOURS: dict[str, dict[str, str]] = {
    "light": {"valid": "#17763a", "invalid": "#b42318", "neutral": "#5f6670",
              "warn": "#8a5a00", "pending": "#1e5bc6"},
    "dark": {"valid": "#56c27f", "invalid": "#ff7b72", "neutral": "#a3a8b0",
             "warn": "#e0a84a", "pending": "#6ea8fe"},
}

#: Placeholder and muted text (``QLabel[role="muted"]``), at least 4.5:1 on every list and
#: window background of its palette (Fusion's half-transparent black was about 3.9:1 and
#: the dark set's #8b8f96 4.3:1 on the window).
MUTED = {"light": "#62666c", "dark": "#9a9ea5"}

_state: dict[str, object] = {"choice": "system", "body_pt": None, "watching": False}
#: Bumped at every palette change: what caches colours per row (the lists) re-reads them.
_palette = {"generation": 0}

#: What a widget's ``tone`` property colours (:func:`set_tone`): its text, the left edge of a
#: banner or verdict box, or the frame of a field with a problem. The colours come from
#: ``STATUS_COLOURS`` of the palette in use, in the application's style sheet, so they follow
#: View ▸ Theme; a colour written into a widget's own style sheet stayed the light one in the
#: dark theme (an error label measured 2.8:1 there).
TONE_PROPERTIES = ("tone", "edge", "frame")


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1f2125"), QColor("#2a2d32"), QColor("#e6e6e6")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#26292e"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, window)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.ToolTipBase, base)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor(MUTED["dark"]))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#3b82f6"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.Link, QColor("#6ea8fe"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7d8189"))
    return p


def light_palette() -> QPalette:
    """Fusion's own light palette, every colour marked as set (a palette with nothing set
    would not replace a dark one that was)."""
    standard = QStyleFactory.create("Fusion").standardPalette()
    p = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive,
                  QPalette.ColorGroup.Disabled):
        for role in QPalette.ColorRole:
            if role in (QPalette.ColorRole.NColorRoles, QPalette.ColorRole.NoRole):
                continue
            p.setBrush(group, role, standard.brush(group, role))
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(MUTED["light"]))
    return p


def is_dark() -> bool:
    """Whether the system asks for dark (what "System" follows)."""
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)


def palette_for(choice: str) -> QPalette:
    dark = choice == "dark" or (choice == "system" and is_dark())
    return dark_palette() if dark else light_palette()


def current_choice() -> str:
    return str(_state["choice"])


def shows_dark() -> bool:
    """Whether the palette in use is a dark one (by its list background, so a platform's own
    dark palette counts too)."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


def status_colour(meaning: str) -> QColor:
    """The colour for ``valid``/``invalid``/``neutral``/``warn``/``pending`` in the palette in
    use. Always paired with a word or icon in the views: colour never carries it alone."""
    scheme = "dark" if shows_dark() else "light"
    colour = _COLOURS.get((scheme, meaning))
    if colour is None:  # parsed once: the lists ask for it at every repaint
        colour = _COLOURS[scheme, meaning] = QColor(STATUS_COLOURS[scheme][meaning])
    return QColor(colour)


_COLOURS: dict[tuple[str, str], QColor] = {}


def set_theme(app: QApplication, choice: str) -> None:
    """Switch live: every window repaints with the new palette at once."""
    if choice not in {key for key, _ in THEMES}:
        choice = "system"
    _state["choice"] = choice
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(choice))
    if not _state["watching"]:
        _state["watching"] = True
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: _follow_system(app))
    # With a style sheet, widgets keep the palette they were polished with: re-polish.
    _apply_stylesheet(app, force=True)
    _recolour_views()


def _follow_system(app: QApplication) -> None:
    if current_choice() == "system":
        app.setPalette(palette_for("system"))
        _apply_stylesheet(app, force=True)  # the tones of the new palette
        _recolour_views()


def palette_generation() -> int:
    """A number that changes whenever the palette (and so every status colour) does."""
    return _palette["generation"]


def _recolour_views() -> None:
    """What paints its own colours per theme (JSON syntax colours, the lists' cached row
    colours) takes the new set."""
    from webhook_studio.ui.widgets.json_highlighter import rehighlight_all

    _palette["generation"] += 1
    rehighlight_all()


def body_font_size() -> int | None:
    value = _state["body_pt"]
    return value if isinstance(value, int) else None


def set_body_font_size(app: QApplication, points: int | None) -> None:
    """The font size of every text body view (request bodies, raw, hex, previews, editors of
    bodies and headers), live. None goes back to the system's size."""
    _state["body_pt"] = points
    _apply_stylesheet(app)


def step_body_font(current: int | None, direction: int) -> int:
    """The next size up (+1) or down (-1) from ``current`` (None: the application's)."""
    base = current or QGuiApplication.font().pointSize() or 10
    if direction > 0:
        return next((s for s in BODY_SIZES if s > base), BODY_SIZES[-1])
    return next((s for s in reversed(BODY_SIZES) if s < base), BODY_SIZES[0])


def set_tone(widget: QWidget, tone: str | None, prop: str = "tone") -> None:
    """Colour ``widget`` by meaning (``valid``, ``invalid``, ``neutral``, ``warn``,
    ``pending``; None: no colour): its text (``tone``), its left edge (``edge``) or its
    frame (``frame``), readable in both themes (``tests/ui/test_theme.py`` measures it)."""
    assert prop in TONE_PROPERTIES
    value = tone or ""
    if tone is not None and tone not in STATUS_COLOURS["light"]:
        raise ValueError(f"unknown tone {tone!r}")
    if widget.property(prop) == value:
        return
    widget.setProperty(prop, value)
    style = widget.style()
    style.unpolish(widget)  # a dynamic property is matched when the widget is polished
    style.polish(widget)
    widget.update()


def tone_qss(scheme: str) -> str:
    rules = []
    for meaning, colour in STATUS_COLOURS[scheme].items():
        rules.append(f'*[tone="{meaning}"] {{ color: {colour}; }}')
        rules.append(f'*[edge="{meaning}"] {{ border-left: 4px solid {colour}; }}')
        rules.append(f'*[frame="{meaning}"] {{ border: 1px solid {colour}; }}')
    return "\n".join(rules) + "\n"


def _apply_stylesheet(app: QApplication, force: bool = False) -> None:
    sheet = SIDEBAR_QSS + tone_qss("dark" if shows_dark() else "light")
    points = body_font_size()
    if points:
        sheet += f"QPlainTextEdit {{ font-size: {points}pt; }}\n"
    if force and app.styleSheet() == sheet:
        app.setStyleSheet("")
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


def apply_theme(app: QApplication, choice: str = "system") -> None:
    """Fusion, the palette of ``choice`` (the system's scheme by default), re-applied when
    the system's scheme changes while "System" is chosen."""
    set_theme(app, choice)


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return (0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF())
                + 0.0722 * channel(c.blueF()))

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def snapshot(app: QApplication) -> tuple[object, ...]:
    """Everything ``set_theme``/``set_body_font_size`` change, to put back with ``restore``
    (the tests switch themes; the next test must not start in the dark)."""
    return (dict(_state), QPalette(app.palette()), app.styleSheet(), app.style().name())


def restore(app: QApplication, saved: tuple[object, ...]) -> None:
    state, palette, sheet, style = saved
    assert isinstance(state, dict) and isinstance(palette, QPalette)
    if (state["choice"], state["body_pt"]) == (_state["choice"], _state["body_pt"]) \
            and app.styleSheet() == sheet and app.style().name() == style:
        return
    _state.update({k: v for k, v in state.items() if k != "watching"})
    app.setStyle(str(style))
    app.setPalette(palette)
    app.setStyleSheet(str(sheet))
