"""The first screen: the signed-in user's spaces, live, against the simulator."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import DataTable

from knot_tui.config import Settings
from knot_tui.knot.models import SpaceState
from knot_tui.sim import Simulator, lifecycle
from knot_tui.ui.app import KnotApp
from knot_tui.ui.screens.not_configured import NotConfiguredScreen
from knot_tui.ui.screens.spaces import SpacesScreen


def settings_for(sim: Simulator, who: str = "alice") -> Settings:
    assert sim.seeded is not None
    return replace(Settings(), server=sim.knot_url, token=getattr(sim.seeded, f"{who}_token"))


def cell(app: KnotApp, space_id: str, column: str) -> str:
    table = app.screen.query_one(DataTable)
    return str(table.get_cell(space_id, column))


async def test_lists_the_users_spaces(sim: Simulator) -> None:
    app = KnotApp(settings_for(sim))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.wait_until(lambda: app.loaded)
        await pilot.pause()
        assert isinstance(app.screen, SpacesScreen)
        table = app.screen.query_one(DataTable)
        alice = sim.seeded.alice.user_id
        expected = {s.space_id for s in sim.world.spaces_for_user(alice)}
        assert {key.value for key in table.rows} == expected
        desk = next(s for s in sim.world.spaces_for_user(alice) if s.name == "desk")
        assert cell(app, desk.space_id, "state") == "● Running"
        assert cell(app, desk.space_id, "health") == "✓ healthy"
        assert "alice (user)" in str(app.identity)


async def test_a_simulator_event_changes_a_row_without_a_keypress(sim: Simulator) -> None:
    app = KnotApp(settings_for(sim))
    async with app.run_test(size=(140, 40)):
        await app.wait_until(lambda: app.loaded and app.feed_status.state == "live")
        scratch = next(
            s for s in sim.world.spaces_for_user(sim.seeded.alice.user_id) if s.name == "scratch"
        )
        assert cell(app, scratch.space_id, "state") == "○ Stopped"
        lifecycle.begin_start(sim.world, scratch)  # the server changes; nobody touches the UI
        await app.wait_until(
            lambda: app.store.spaces[scratch.space_id].state is not SpaceState.STOPPED
        )
        await app.wait_until(lambda: cell(app, scratch.space_id, "state") != "○ Stopped")
        assert cell(app, scratch.space_id, "state") in ("◐ Starting", "● Running")


async def test_not_configured_points_at_the_demo() -> None:
    app = KnotApp(Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NotConfiguredScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "knot-tui --demo" in text and "knot connect" in text
        await pilot.press("q")
    assert app.return_code in (0, None)


class _Exploding(KnotApp):
    def on_mount(self) -> None:
        secret = self.settings.token
        raise RuntimeError(f"kaboom with {secret}")


def test_a_crash_prints_a_summary_not_a_traceback(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from knot_tui import logsetup

    logsetup.setup()
    app = _Exploding(replace(Settings(), server="http://127.0.0.1:9", token="SECRET-TOKEN-abcdef"))
    app.run(headless=True, size=(80, 24))
    out = capsys.readouterr()
    assert app.return_code == 1
    assert "RuntimeError" in app.crash_summary and "SECRET-TOKEN-abcdef" not in app.crash_summary
    assert "Traceback" not in out.err + out.out and "SECRET-TOKEN-abcdef" not in out.err + out.out
    logged = logsetup.log_path().read_text()
    assert "Traceback" in logged and "kaboom" in logged and "SECRET-TOKEN-abcdef" not in logged
