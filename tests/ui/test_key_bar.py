"""The one-line key bar: the screen's active bindings, the keymap, clicks."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.widgets import Input

from knot_tui.sim import Simulator
from knot_tui.ui.widgets.key_bar import KeyBar

from .helpers import RecordingApp, ready, select, settings_for

SIZE = (160, 40)


def _bar(app: RecordingApp) -> tuple[KeyBar, str]:
    bar = app.screen.query_one(KeyBar)
    rendered = bar.render()
    assert isinstance(rendered, Text)
    return bar, rendered.plain


async def test_shows_the_screens_keys_and_the_palette_on_the_right(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        _bar_widget, text = _bar(app)
        assert text.startswith(" n New  u Start ")
        assert " / Filter " in text and " ? Help " in text
        assert text.rstrip().endswith("^p Palette") and len(text) == SIZE[0]


async def test_a_click_on_a_key_presses_it(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        _bar_widget, text = _bar(app)
        x = text.index(" / Filter ") + 1
        await pilot.click(KeyBar, offset=(x, 0))
        box = app.screen.query_one("#spaces-filter", Input)
        await app.wait_until(lambda: box.display and box.has_focus)


async def test_keymap_overrides_show_in_the_bar(sim: Simulator) -> None:
    settings = replace(settings_for(sim, "alice"), keymap={"spaces.filter": "slash,ctrl+f"})
    app = RecordingApp(settings)
    async with app.run_test(size=SIZE):
        await ready(app)
        _bar_widget, text = _bar(app)
        assert " / Filter " in text or " ^f Filter " in text
        assert text.count("Filter") == 1  # one entry per action


async def test_while_typing_a_filter_the_bar_shows_the_boxs_keys(sim: Simulator) -> None:
    """Letters and `/` type into the box: the bar must not offer them as commands meanwhile."""
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("slash", *"desk")
        _bar_widget, text = _bar(app)
        assert text.startswith(" ↓ To list  ⏎ Keep filter  esc Clear "), text
        assert "Filter " not in text.replace("Keep filter", "") and " u Start " not in text
        assert text.rstrip().endswith("^p Palette")
        await pilot.press("enter")  # back in the list: its keys again
        _bar_widget, text = _bar(app)
        assert text.startswith(" n New  u Start ")


async def test_a_confirmation_shows_its_own_keys(sim: Simulator) -> None:
    """Under a dialog, the bar names the dialog's keys, not the list's (which do nothing there)."""
    from knot_tui.ui.screens.confirm import ConfirmScreen

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        for name in ("api-dev", "desk"):
            await select(app, sim, "alice", name)
            await pilot.press("space")
        await pilot.press("d")  # stop the marked ones: asks first
        await app.wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        _bar_widget, text = _bar(app)
        assert text.startswith(" esc Cancel  y Confirm "), text
        assert " u Start " not in text
        await pilot.press("n")
        await app.wait_until(lambda: not isinstance(app.screen, ConfirmScreen))


async def test_help_shows_how_to_close_it(sim: Simulator) -> None:
    from knot_tui.ui.screens.help import HelpScreen

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("question_mark")
        await app.wait_until(lambda: isinstance(app.screen, HelpScreen))
        _bar_widget, text = _bar(app)
        assert text.startswith(" esc Close "), text
