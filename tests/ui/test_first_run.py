"""First-run polish: the --demo tip bar, themes remembered, keymap overrides in help."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from knot_tui.config import Flags, resolve
from knot_tui.sim import Simulator
from knot_tui.ui.screens.help import HelpScreen
from knot_tui.ui.widgets.text_line import TextLine

from .helpers import RecordingApp, ready, settings_for

SIZE = (140, 40)


async def test_demo_shows_a_one_line_tip_and_a_normal_session_does_not(sim: Simulator) -> None:
    for demo in (True, False):
        app = RecordingApp(replace(settings_for(sim, "alice"), demo=demo))
        async with app.run_test(size=SIZE):
            await ready(app)
            tips = app.screen.query("#demo-tip")
            if demo:
                tip = tips.first(TextLine).render().plain
                assert tip.startswith("Demo · a simulated knot") and "? keys" in tip
                assert tips.first().size.height == 1
            else:
                assert not tips


async def test_a_theme_picked_in_the_palette_is_remembered(sim: Simulator, isolated_env: Path) -> None:
    own = isolated_env / "knot-tui.toml"
    settings = replace(settings_for(sim, "alice"), config_file=own)
    app = RecordingApp(settings)
    async with app.run_test(size=SIZE):
        await ready(app)
        assert app.theme == "textual-dark"
        app.theme = "nord"  # what the palette's theme picker does
        await app.wait_until(lambda: own.exists())
    assert tomllib.loads(own.read_text())["theme"] == "nord"
    assert own.stat().st_mode & 0o777 == 0o600
    again = resolve(Flags(), env={"KNOT_TUI_CONFIG": str(own)})
    assert again.theme == "nord"


async def test_keymap_overrides_show_in_help(sim: Simulator) -> None:
    settings = replace(settings_for(sim, "alice"), keymap={"spaces.filter": "ctrl+f"})
    app = RecordingApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("question_mark")
        await app.wait_until(lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        rows = [r for r in app.screen.rows if r.binding_id == "spaces.filter"]
        assert [r.keys for r in rows] == ["ctrl+f"]
        await pilot.press("escape")
        await pilot.press("ctrl+f")
        await app.wait_until(lambda: app.screen.query_one("#spaces-filter").has_focus)
