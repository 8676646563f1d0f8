"""The spaces screen against the simulator: every key, live updates, feedback, refusals."""

from __future__ import annotations

from knot_tui.knot.models import SpaceState
from knot_tui.sim import Simulator, lifecycle
from knot_tui.ui.screens.confirm import ConfirmScreen, TypedConfirmScreen
from knot_tui.ui.screens.help import HelpScreen

from .helpers import RecordingApp, cell, ready, rows, screen, select, settings_for, space_id

SIZE = (160, 40)


def state_of(app: RecordingApp, sid: str) -> SpaceState | None:
    space = app.store.spaces.get(sid)
    return space.state if space else None


async def test_lists_own_and_shared_spaces_with_all_columns(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        alice_names = sorted(s.name for s in sim.world.spaces_for_user(sim.seeded.alice.user_id))
        assert sorted(rows(app)) == alice_names and "lab" in alice_names  # bob's lab is shared
        desk = space_id(sim, "alice", "desk")
        assert cell(app, desk, "state") == "● Running"
        assert cell(app, desk, "health") == "✓ healthy"
        assert cell(app, desk, "nomad") == "● running"
        assert cell(app, desk, "features") == "ssh vnc code term"
        assert cell(app, desk, "uptime").endswith("h") and cell(app, desk, "mem").endswith("G")
        assert cell(app, space_id(sim, "alice", "build-box"), "state") == "● Running ↑"  # update available
        assert screen(app).table.visible_columns[:5] == ["mark", "name", "state", "health", "nomad"]


async def test_a_simulator_event_changes_a_row_without_a_keypress(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        scratch = space_id(sim, "alice", "scratch")
        assert cell(app, scratch, "state") == "○ Stopped"
        lifecycle.begin_start(sim.world, sim.world.spaces[scratch])  # the server changes, nobody types
        await app.wait_until(lambda: cell(app, scratch, "state") != "○ Stopped")
        assert cell(app, scratch, "state") in ("◐ Starting", "● Running")
        await app.wait_until(lambda: cell(app, scratch, "nomad") in ("◐ pending", "● running"))


async def test_a_renamed_space_moves_to_its_place_in_the_name_order(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        scratch = space_id(sim, "alice", "scratch")
        assert rows(app)[-1] == "scratch"
        space = sim.world.spaces[scratch]
        space.name = "aaa-renamed"  # as knot's update handler does, then its event
        sim.world.space_changed(space)
        await app.wait_until(lambda: rows(app)[0] == "aaa-renamed")
        assert "scratch" not in rows(app)


async def test_u_starts_with_pending_feedback_then_the_real_state(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "scratch")
        scratch = space_id(sim, "alice", "scratch")
        await pilot.press("u")
        assert (scratch, "starting") in app.pending_seen  # shown at once, before any answer
        assert screen(app)._cell(scratch, "state") is not None
        await app.wait_until(
            lambda: state_of(app, scratch) is SpaceState.RUNNING and scratch not in app.pending
        )
        assert cell(app, scratch, "state") == "● Running"
        await pilot.press("u")  # already running: explained, nothing sent
        assert app.noted("only a stopped space can be started")


async def test_d_stops_and_r_restarts(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        api = space_id(sim, "alice", "api-dev")
        await select(app, sim, "alice", "api-dev")
        await pilot.press("r")
        assert (api, "restarting") in app.pending_seen
        await app.wait_until(
            lambda: api not in app.pending and state_of(app, api) is SpaceState.RUNNING, timeout=20
        )
        await pilot.press("d")  # your own space: no confirmation
        assert (api, "stopping") in app.pending_seen
        await app.wait_until(lambda: state_of(app, api) is SpaceState.STOPPED and api not in app.pending)
        await pilot.press("d")
        assert app.noted("Nothing to stop")
        await pilot.press("r")
        assert app.noted("only a running space can be restarted")


async def test_space_marks_and_d_stops_them_all_after_a_confirm_listing_them(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "api-dev")
        await pilot.press("space")
        await select(app, sim, "alice", "desk")
        await pilot.press("space")
        assert len(screen(app).table.marked) == 2
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        listed = [str(label.render()) for label in app.screen.query("#dialog-items Label")]
        assert listed == ["• api-dev", "• desk"]
        await pilot.click("#confirm")
        ids = [space_id(sim, "alice", "api-dev"), space_id(sim, "alice", "desk")]
        await app.wait_until(lambda: all(state_of(app, i) is SpaceState.STOPPED for i in ids), timeout=20)


async def test_marks_also_start_and_restart_what_they_can(sim: Simulator) -> None:
    """u and r act on the marked spaces in a state for it, list them, and say what is left."""
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        for name in ("api-dev", "scratch"):
            await select(app, sim, "alice", name)
            await pilot.press("space")
        await pilot.press("u")
        await app.wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        listed = [str(label.render()) for label in app.screen.query("#dialog-items Label")]
        assert listed == ["• scratch"]  # api-dev runs already
        assert "1 marked space(s) are not in a state to start" in str(
            app.screen.query_one("#dialog-message").render()
        )
        await pilot.press("y")
        scratch = space_id(sim, "alice", "scratch")
        await app.wait_until(lambda: state_of(app, scratch) is not SpaceState.STOPPED, timeout=10)

        await pilot.press("r")
        await app.wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        listed = [str(label.render()) for label in app.screen.query("#dialog-items Label")]
        assert listed[0] == "• api-dev" and set(listed) <= {"• api-dev", "• scratch"}  # scratch: if up
        await pilot.press("y")
        api_dev = space_id(sim, "alice", "api-dev")
        await app.wait_until(lambda: (api_dev, "restarting") in app.pending_seen, timeout=10)
        assert not [n for n in app.notes if n[2] == "error"]


async def test_ctrl_d_deletes_after_the_name_is_typed(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        scratch = space_id(sim, "alice", "scratch")
        await select(app, sim, "alice", "scratch")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmScreen)
        await pilot.press(*"scrat")
        assert app.screen.query_one("#confirm").disabled
        await pilot.press("c", "h", "enter")
        await app.wait_until(lambda: scratch not in app.store.spaces)
        assert "scratch" not in rows(app)


async def test_deleting_a_running_space_offers_stop_then_delete(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        flaky = space_id(sim, "alice", "flaky")
        await select(app, sim, "alice", "flaky")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "only stopped spaces" in str(
            app.screen.query_one("#dialog-message").render()
        )
        await pilot.click("#confirm")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmScreen)
        await pilot.press(*"flaky", "enter")
        await app.wait_until(lambda: flaky not in app.store.spaces, timeout=30)


async def test_a_423_from_knot_is_explained_and_stop_then_delete_offered(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        desk = space_id(sim, "alice", "desk")
        # The screen is stale: it believes the space stopped, knot knows it runs.
        app.store.spaces[desk].is_deployed = False
        await select(app, sim, "alice", "desk")
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press(*"desk", "enter")
        await app.wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        assert "knot refused to delete desk" in str(app.screen.query_one("#dialog-title").render())
        await pilot.click("#confirm")  # stop, then delete: no second typing
        await app.wait_until(lambda: desk not in app.store.spaces, timeout=30)


async def test_slash_filters_and_escape_clears(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        total = len(rows(app))
        await pilot.press("slash", *"desktop")  # matches the template name too
        assert set(rows(app)) == {"build-box", "desk", "old-desk", "scratch"}
        await pilot.press("space", *"!old")
        assert set(rows(app)) == {"build-box", "desk", "scratch"}
        await pilot.press("escape")
        assert len(rows(app)) == total
        await pilot.press("slash", *"debian", "enter")
        assert set(rows(app)) == {"api-dev", "flaky", "lab"}
        assert screen(app).table.has_focus


async def test_down_from_the_filter_box_keeps_the_filter_and_goes_to_the_list(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("slash", *"debian", "down")
        assert set(rows(app)) == {"api-dev", "flaky", "lab"}
        assert screen(app).table.has_focus
        await pilot.press("slash", "escape")  # esc in the box clears it
        assert not screen(app).options.query and screen(app).table.has_focus


async def test_o_cycles_the_sort(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        assert rows(app) == sorted(rows(app))
        await pilot.press("o")
        assert screen(app).options.sort == "state"
        assert rows(app)[-1] in ("old-desk", "scratch")  # stopped spaces last
        await pilot.press("o", "o")
        assert screen(app).options.sort == "uptime"
        assert rows(app)[0] == "build-box"  # up the longest
        assert "sort: uptime" in str(app.screen.query_one("#spaces-title").render())


async def test_a_shows_everyone_for_admins_only(sim: Simulator) -> None:
    admin = RecordingApp(settings_for(sim, "admin"))
    async with admin.run_test(size=SIZE) as pilot:
        await ready(admin)
        assert set(rows(admin)) == {"ops-console", "cleanup"}
        await pilot.press("a")
        await admin.wait_until(lambda: len(rows(admin)) == len(sim.world.live_spaces()))
        assert "user" in screen(admin).table.visible_columns
        await pilot.press("g")
        assert screen(admin).table.rows[0].group and screen(admin).table.rows[0].label == "admin (2)"
    alice = RecordingApp(settings_for(sim, "alice"))
    async with alice.run_test(size=SIZE) as pilot:
        await ready(alice)
        await pilot.press("a")
        assert alice.noted("Manage Spaces")
        assert not alice.store.all_users


async def test_f_keeps_only_spaces_needing_attention(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("a")
        await app.wait_until(lambda: app.store.all_users and len(app.store.spaces) > 2)
        await pilot.press("f")

        def shown() -> set[tuple[str, str]]:
            spaces = app.store.spaces
            return {
                (spaces[r.key].username, spaces[r.key].name) for r in screen(app).table.rows if not r.group
            }

        # bob/desk: unhealthy agent; bob/gpu-test: failed allocation; alice/build-box: update available
        required = {("bob", "desk"), ("bob", "gpu-test"), ("alice", "build-box")}
        await app.wait_until(lambda: required <= shown())
        # alice/flaky's check flaps: while it fails (and its task restarts) it needs attention too.
        assert shown() - required <= {("alice", "flaky")}
        await pilot.press("f")
        assert len(rows(app)) > 3


async def test_help_quit_palette_and_later_features(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help").query("Static").first().render()
        assert "ctrl+d" in str(text) or app.screen.query_one("#help")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"
        await pilot.press("escape")
        await select(app, sim, "alice", "desk")
        await pilot.press("v")  # no display in tests: the URL is copied
        await app.wait_until(lambda: app.noted("alice--desk--vnc"))
        await pilot.press("l")
        await app.wait_until(lambda: app.screen.__class__.__name__ == "LogsScreen")
        await pilot.press("escape")
        await pilot.press("enter")
        await app.wait_until(lambda: app.screen.__class__.__name__ == "DetailsScreen")
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_read_only_refuses_every_change(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice", read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "scratch")
        for key in ("u", "d", "r", "ctrl+d", "n"):
            await pilot.press(key)
        assert sum("--read-only" in m for _, m, _ in app.notes) == 5
        assert all(
            s.state is not SpaceState.STARTING for s in app.store.spaces.values() if s.name == "scratch"
        )
        assert "read-only" in str(app.screen.query_one("StatusBar").render())


async def test_status_bar_tells_the_truth(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        bar = str(app.screen.query_one("StatusBar").render())
        assert (
            "events ● live" in bar
            and "nomad ● live" in bar
            and "consul ● ready" in bar
            and "alice (user)" in bar
        )
        sim.world.hub.close_all()  # the feed drops; the sync reconnects by itself
        await app.wait_until(lambda: app.feed_status.state == "down", timeout=15)
        assert "events ● down" in str(app.screen.query_one("StatusBar").render())
        await app.wait_until(lambda: app.feed_status.state == "live", timeout=10)
    bare = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with bare.run_test(size=SIZE):
        await ready(bare)
        bar = str(bare.screen.query_one("StatusBar").render())
        assert "nomad ● not configured" in bar and cell(bare, space_id(sim, "alice", "desk"), "nomad") == ""


async def test_typing_a_filter_in_one_burst_never_runs_list_keys(sim: Simulator) -> None:
    """`/desk` arriving at once (a fast typist, a paste): every letter lands in the box, none
    runs as a key of the list (d stops, s opens SSH) while the box is still being mounted."""
    from textual import events

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        for key, char in [("slash", "/"), *[(c, c) for c in "desk"]]:
            app.post_message(events.Key(key, char))  # as the driver queues a burst
        await app.wait_until(lambda: screen(app).options.query == "desk", timeout=15)
        await pilot.pause()
        assert not app.notes and not app.pending_seen, (app.notes, app.pending_seen)
        assert app.screen is screen(app) and app.screen.focused is app.screen.query_one("#spaces-filter")


async def test_an_80_column_terminal_fills_the_room_a_wide_column_left(sim: Simulator) -> None:
    """Template is too wide for 80 columns, but the narrower Uptime (dropped before it) fits."""
    app = RecordingApp(settings_for(sim, "admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app)
        await pilot.press("a")
        await app.wait_until(lambda: "user" in screen(app).table.visible_columns)
        visible = screen(app).table.visible_columns
        assert visible == ["mark", "name", "user", "state", "health", "nomad", "uptime"], visible


async def test_a_click_on_a_column_title_sorts_by_it(sim: Simulator) -> None:
    from knot_tui.ui.widgets.virtual_table import VirtualTable

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        table = screen(app).table

        def x_of(column: str) -> int:
            return next(x for x in range(SIZE[0]) if table.column_at(x) == column)

        await pilot.click(VirtualTable, offset=(x_of("state"), 0))
        await app.wait_until(lambda: screen(app).options.sort == "state")
        assert rows(app)[-1] in ("old-desk", "scratch")  # stopped spaces last
        await pilot.click(VirtualTable, offset=(x_of("nomad"), 0))  # not a sort: nothing changes
        await pilot.pause()
        assert screen(app).options.sort == "state"
        await pilot.click(VirtualTable, offset=(x_of("state"), 0))  # again: reversed
        await app.wait_until(lambda: screen(app).options.descending)
        assert rows(app)[0] in ("old-desk", "scratch") and "reversed" in str(
            app.screen.query_one("#spaces-title").render()
        )
        await pilot.press("O")  # the key does the same
        assert not screen(app).options.descending and rows(app)[-1] in ("old-desk", "scratch")


async def test_a_key_right_after_enter_in_the_filter_reaches_the_list(sim: Simulator) -> None:
    """`/debian⏎l` at once: the filter keeps 'debian' and `l` opens the logs (not 'debianl')."""
    from textual import events

    from knot_tui.ui.screens.logs import LogsScreen

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        keys = [("slash", "/"), *[(c, c) for c in "debian"], ("enter", "\r"), ("l", "l")]
        for key, char in keys:
            app.post_message(events.Key(key, char))  # as the driver queues a burst
        await app.wait_until(lambda: isinstance(app.screen, LogsScreen), timeout=15)
        spaces = app.screen_stack[1]
        assert spaces.options.query == "debian"  # type: ignore[attr-defined]  # whole before `l`
        assert spaces.query_one("#spaces-filter").display  # it holds a filter
        opened = app.store.spaces[app.screen.space_id]  # type: ignore[attr-defined]
        assert opened.template_name == "Debian Dev"  # the logs of a space the filter shows
