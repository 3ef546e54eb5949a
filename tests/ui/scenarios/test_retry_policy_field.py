"""The retry policy field as a person uses it: type an exponential policy with jitter, read
the planned attempt times, save, reopen the subscription and find it as written; a bad part is
named under the field and nothing is saved; Settings' default takes the same form."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    choose,
    click,
    click_text,
    go_to,
    pick_list_row,
    retype,
)
from webhook_studio.context import AppContext
from webhook_studio.core.retry import EXAMPLE, ExponentialPolicy, policy_from_dict
from webhook_studio.store.sender_models import Subscription
from webhook_studio.ui.main_window import MainWindow

pytestmark = OFFSCREEN_POPUPS


def type_policy(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    line = combo.lineEdit()
    assert line is not None
    retype(qtbot, line, text)


def stored(ctx: AppContext) -> list[Any]:
    with ctx.store.session() as session:
        return [policy_from_dict(s.retry_policy) for s in session.query(Subscription)]


async def test_an_exponential_policy_is_previewed_saved_and_reopened_as_written(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    await click_text(qtbot, editor, "New subscription")
    qtbot.keyClicks(editor.url, "http://localhost:3000/hooks")
    # typed loosely: the preset completion must not add anything to it
    type_policy(qtbot, editor.retry, "exponential 30s, jitter ±20%, cap 2m, 5 attempts")
    assert editor.retry.currentText() == "exponential 30s, jitter ±20%, cap 2m, 5 attempts"
    preview = editor.preview_text.text()
    assert preview == ("5 attempts if every one fails: at once, +30 s, +1 min 30 s, +3 min 30 s, "
                       "+5 min 30 s, each wait ±20 % at random"), preview
    assert "±20 % at random" in preview
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved."
    assert stored(ctx) == [ExponentialPolicy(initial=30, multiplier=2, cap=120, max_attempts=5,
                                             jitter=0.2)]

    await click_text(qtbot, editor, "New subscription")
    assert editor.retry.currentText() == "standard-webhooks"
    await pick_list_row(qtbot, editor.list, 0)
    assert editor.retry.currentText() == "exp 30s x2 cap 2m 5 attempts jitter 20%"
    assert "±20 % at random" in editor.preview_text.text()
    # saving it again unchanged keeps the same policy
    await click_text(qtbot, editor, "Save")
    assert editor.status.text() == "Saved." and len(stored(ctx)) == 1
    assert stored(ctx)[0].jitter == 0.2


async def test_the_example_is_offered_in_the_list_and_previewed(
        window: MainWindow, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    await choose(qtbot, editor.retry, EXAMPLE)
    assert editor.retry.currentText() == EXAMPLE
    assert editor.preview_text.text().startswith("10 attempts if every one fails: at once, +30 s, ")
    assert "exp FIRST-DELAY" in editor.retry.toolTip()
    # typing the start of the example keeps what was typed (no completion from the list) …
    type_policy(qtbot, editor.retry, "exp 30s")
    assert editor.retry.currentText() == "exp 30s"
    assert editor.preview_text.text().startswith("6 attempts if every one fails")
    # … while a preset's name still completes
    type_policy(qtbot, editor.retry, "stri")
    assert editor.retry.currentText() == "stripe"


async def test_a_bad_part_is_named_under_the_field_and_nothing_is_saved(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Subscriptions")
    editor = window.subscriptions
    await click_text(qtbot, editor, "New subscription")
    qtbot.keyClicks(editor.url, "http://localhost:3000/hooks")
    type_policy(qtbot, editor.retry, "exp 1h cap 10m")
    sentence = "The cap 10m is shorter than the first retry's delay 1h; write cap 1h or more."
    assert editor.preview_text.text() == sentence
    await click_text(qtbot, editor, "Save")
    assert editor.status.text().startswith("Not saved")
    assert editor.errors["retry"].text() == sentence
    assert stored(ctx) == []


async def test_settings_default_takes_the_exponential_form(
        window: MainWindow, qtbot: QtBot) -> None:
    page = window.settings_page
    await go_to(qtbot, window, "Settings")
    type_policy(qtbot, page.retry, "exp 30s x0.5")
    click(qtbot, page.save_button)
    assert "The factor x0.5 is out of range" in page.errors["retry"].text()
    assert window.settings.value("defaults/retry") is None
    type_policy(qtbot, page.retry, "exp 1m x3 cap 1h 8 attempts jitter 10%")
    click(qtbot, page.save_button)
    assert str(window.settings.value("defaults/retry")) == \
        "exp 1m x3 cap 1h 8 attempts jitter 10%"
    await go_to(qtbot, window, "Subscriptions")
    await click_text(qtbot, window.subscriptions, "New subscription")
    assert window.subscriptions.retry.currentText() == "exp 1m x3 cap 1h 8 attempts jitter 10%"
    assert "±10 %" in window.subscriptions.preview_text.text()
