"""The details screen against the simulator: live panes, failures explained, errors kept to their pane."""

from __future__ import annotations

import re

from textual.screen import Screen
from textual.widgets import DataTable, Static

from knot_tui.diagnose import STALE_PING
from knot_tui.knot.client import KnotClient
from knot_tui.knot.models import SpaceRequest
from knot_tui.sim import Simulator
from knot_tui.text import plain
from knot_tui.ui.panes.health_pane import HealthPane
from knot_tui.ui.panes.job_pane import JobPane
from knot_tui.ui.panes.knot_pane import KnotPane, usage_text
from knot_tui.ui.screens.details import DetailsScreen
from knot_tui.ui.screens.links import LinksScreen
from knot_tui.ui.screens.spaces import SpacesScreen

from .helpers import RecordingApp, ready, select, settings_for, space_id

SIZE = (160, 60)


async def open_details(app: RecordingApp, pilot, sim: Simulator, owner: str, name: str) -> DetailsScreen:  # type: ignore[no-untyped-def]
    await select(app, sim, owner, name)
    await pilot.press("enter")
    await app.wait_until(lambda: isinstance(app.screen, DetailsScreen) and app.screen.query(HealthPane))
    screen = app.screen
    assert isinstance(screen, DetailsScreen)
    return screen


def table(screen: DetailsScreen, selector: str) -> list[list[str]]:
    widget = screen.query_one(selector, DataTable)
    return [[plain(str(c)) for c in widget.get_row_at(i)] for i in range(widget.row_count)]


def text(screen: DetailsScreen, selector: str) -> str:
    return plain(str(screen.query_one(selector, Static).render()))


def health(screen: DetailsScreen, source: str) -> list[tuple[str, str, str]]:
    """(check, status, output) of the health rows from `source`."""
    return [
        (r.check, f"{r.status}", r.output) for r in screen.query_one(HealthPane).rows if r.source == source
    ]


def alloc_status(screen: DetailsScreen) -> str:
    rows = table(screen, "#allocs")
    return rows[0][1] if rows else ""


async def test_a_starting_space_goes_live_with_no_keypress(sim: Simulator, alice: KnotClient) -> None:
    """pending → running, checks pending → passing, deployment → healthy: all pushed, nothing pressed."""
    debian = next(t for t in sim.world.templates.values() if t.name == "Debian Dev")
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        sid = await alice.create_space(SpaceRequest(name="fresh", template_id=debian.template_id))
        await app.wait_until(lambda: sid in app.store.spaces)
        screen = await open_details(app, pilot, sim, "alice", "fresh")
        await app.wait_until(lambda: "space is stopped" in text(screen, "#job-summary"))

        sim.world.clock.hold("setup", "first-check")  # stop the world at exact points
        await alice.start_space(sid)
        await app.wait_until(lambda: alloc_status(screen) == "◐ pending", timeout=20)
        await app.wait_until(lambda: "fresh-alice" in text(screen, "#job-summary"))
        sim.world.clock.release("setup")
        await app.wait_until(lambda: alloc_status(screen) == "● running", timeout=20)
        await app.wait_until(lambda: [s for _, s, _ in health(screen, "Nomad")] == ["pending"], timeout=20)
        sim.world.clock.release("first-check")
        await app.wait_until(lambda: [s for _, s, _ in health(screen, "Nomad")] == ["passing"], timeout=20)
        await app.wait_until(
            lambda: [s for _, s, _ in health(screen, "Nomad deploy")] == ["healthy"], timeout=20
        )
        assert [s for _, s, _ in health(screen, "knot agent")] == ["healthy"]
        assert health(screen, "Consul")[0][1] == "no checks"
        events = [row[2] for row in table(screen, "#alloc-events")]
        assert events[-1] == "Received" and "Started" in events  # newest first
        volume = text(screen, "#volume-body")
        assert f"debian_{sid}_home" in volume and "single-node-writer" in volume and "● running" in volume
        assert "AllocationUpdated" in text(screen, "#events-body")  # Nomad's event stream is live too


async def test_flapping_check_shows_restarts_and_their_events(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "alice", "flaky")
        await app.wait_until(
            lambda: table(screen, "#allocs") and int(table(screen, "#allocs")[0][4]) >= 1, timeout=30
        )
        types = [row[2] for row in table(screen, "#alloc-events")]
        assert {"Restart Signaled", "Terminated", "Restarting"} <= set(types)
        restart = next(row for row in table(screen, "#alloc-events") if row[2] == "Restart Signaled")
        assert re.fullmatch(r'healthcheck: check "[^"]+" unhealthy', restart[5])
        terminated = next(row for row in table(screen, "#alloc-events") if row[2] == "Terminated")
        assert terminated[3] == "143"
        restarts = re.search(r"restarts (\d+)", text(screen, "#alloc-summary"))
        assert restarts and int(restarts.group(1)) >= 1


async def test_image_pull_failure_shows_the_failed_allocation_and_why(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "bob"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "bob", "gpu-test")
        await app.wait_until(lambda: alloc_status(screen) == "✗ failed", timeout=30)
        summary = text(screen, "#alloc-summary")
        assert "✗ Failed to pull" in summary and "manifest unknown" in summary
        await app.wait_until(lambda: "failed" in text(screen, "#deployment-body"), timeout=30)
        assert "0 healthy" in text(screen, "#deployment-body")  # (rescheduled allocations fail too)
        # The task never ran: the stale /ping check is not blamed.
        assert not screen.query_one("#health-note", Static).display
        assert health(screen, "Consul")[0][1] == "not registered"


async def test_a_token_without_the_namespace_shows_403_in_the_nomad_panes_only(sim: Simulator) -> None:
    """alice may see bob's shared "lab" in knot, but her Nomad token cannot read namespace bob."""
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "bob", "lab")
        job = screen.query_one(JobPane)
        await app.wait_until(lambda: job.has_class("-problem"), timeout=20)
        problem = text(job, ".pane-problem")
        assert "cannot read" in problem and "namespace bob" in problem and "read-job" in problem
        assert not screen.query_one(KnotPane).has_class("-problem")
        assert [s for _, s, _ in health(screen, "Nomad")] == ["not visible (permission)"]
        assert [s for _, s, _ in health(screen, "knot agent")] in (
            ["healthy"],
            ["agent not connected"],
            ["space starting"],
        )
        assert "Needs the Nomad job" in text(screen, "#alloc-summary")
        await pilot.press("escape")
        assert isinstance(app.screen, SpacesScreen)


async def test_stale_ping_check_is_explained(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "alice", "desk")
        await app.wait_until(lambda: any(s == "critical" for _, s, _ in health(screen, "Consul")), timeout=20)
        assert [s for _, s, _ in health(screen, "Nomad")] == ["no checks"]
        await app.wait_until(lambda: STALE_PING in text(screen, "#health-note"))


async def test_an_unreachable_node_is_named(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "admin", "ops-console")
        await app.wait_until(
            lambda: [s for _, s, _ in health(screen, "Nomad")] == ["unreachable"], timeout=30
        )
        ((_, _, output),) = health(screen, "Nomad")
        assert "node nomad-client-3 is unreachable" in output


async def test_checks_are_polled_only_while_visible(sim: Simulator) -> None:
    """Nomad-native checks cost the client node a call each: none while nobody looks."""
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=(160, 20)) as pilot:  # small: the health pane can scroll away
        await ready(app)
        screen = await open_details(app, pilot, sim, "alice", "api-dev")
        await app.wait_until(lambda: [s for _, s, _ in health(screen, "Nomad")] == ["passing"], timeout=20)
        alloc_id = screen.alloc.id if screen.alloc else ""
        reads = sim.world.nomad.check_reads

        async def paused_then_resumed(hide, show) -> None:  # type: ignore[no-untyped-def]
            await app.wait_until(lambda: reads[alloc_id] >= 2, timeout=10)
            await hide()
            await app.wait_until(lambda: not screen._checks_visible, timeout=15)
            before = reads[alloc_id]
            await pilot.pause(2.5)  # more than one polling period, and nothing read
            assert reads[alloc_id] <= before + 1  # at most the read already in flight
            await show()
            await app.wait_until(lambda: reads[alloc_id] > before + 1, timeout=10)

        body = screen.query_one("#details-body")

        async def scroll_away() -> None:
            body.scroll_end(animate=False)
            await pilot.pause()
            assert not screen.query_one(HealthPane).region.overlaps(body.region)

        async def scroll_back() -> None:
            body.scroll_home(animate=False)

        await paused_then_resumed(scroll_away, scroll_back)

        async def cover() -> None:
            await app.push_screen(Screen())

        async def uncover() -> None:
            app.pop_screen()

        await paused_then_resumed(cover, uncover)


async def test_keys_work_here_too(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "alice", "desk")
        await pilot.press("o")
        await app.wait_until(lambda: isinstance(app.screen, LinksScreen))
        links = app.screen.links  # type: ignore[attr-defined]
        assert any(link.url.startswith("http://alice--desk--vnc.knot.localhost:") for link in links)
        await pilot.press("escape")
        await pilot.press("r")
        await app.wait_until(lambda: (space_id(sim, "alice", "desk"), "restarting") in app.pending_seen)
        await pilot.press("v")  # no display in tests: the URL is copied
        await app.wait_until(lambda: app.noted("alice--desk--vnc"))
        assert app.screen is screen
        await pilot.press("l")
        await app.wait_until(lambda: app.screen.__class__.__name__ == "LogsScreen")
        await pilot.press("escape")
        assert app.screen is screen


async def test_without_nomad_the_screen_says_how_to_configure_it(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "alice", "desk")
        await app.wait_until(lambda: "Nomad is not configured" in text(screen, "#job-summary"))
        assert "NOMAD_ADDR" in text(screen, "#job-summary")
        assert screen.has_class("-no-nomad") and screen.query_one("#pane-allocation").styles.display == "none"
        assert [s for _, s, _ in health(screen, "Nomad")] == ["not configured"]


async def test_usage_is_read_on_open_and_on_r_never_polled(sim: Simulator) -> None:
    def usage_reads() -> int:
        return sum(1 for _t, _s, _m, path in sim.chaos.journal if path.endswith("/usage/current"))

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_details(app, pilot, sim, "alice", "desk")
        await app.wait_until(lambda: screen.usage is not None)
        assert usage_reads() == 1
        assert "R reads again" in usage_text(screen.usage, screen.usage_read_at).plain
        await pilot.press("R")
        await app.wait_until(lambda: usage_reads() == 2)
