"""Faults injected into a running session: the app recovers without a restart, refetches,
tells the truth in its status bar, loses and repeats no log line, and never crashes.

The figures (faults injected and survived) are summed up in tests/reliability/README.md.
"""

from __future__ import annotations

import asyncio

from knot_tui.knot.models import SpaceState
from knot_tui.sim import Simulator, lifecycle
from knot_tui.text import plain
from knot_tui.ui.widgets.status_bar import StatusBar

from ..ui.helpers import RecordingApp, ready, rows, running_alloc, select, settings_for, space_id
from ..ui.test_logs import open_logs, status, texts

SIZE = (150, 40)
BATCHES, PER_BATCH = 240, 120


def bar(app: RecordingApp) -> str:
    return plain(app.screen.query_one(StatusBar).build().plain)


async def test_a_dropped_event_feed_reconnects_and_refetches_what_it_missed(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        sim.world.hub.close_all()  # the SSE connection drops
        await app.wait_until(lambda: app.feed_status.state != "live", timeout=15)
        assert "events ● down" in bar(app) or "events ● connecting" in bar(app)
        # While the feed is down, a space is renamed: its event reaches nobody.
        space = sim.world.spaces[space_id(sim, "alice", "scratch")]
        space.name = "renamed-while-away"
        sim.world.space_changed(space)
        await app.wait_until(lambda: app.feed_status.state == "live", timeout=10)
        await app.wait_until(lambda: "renamed-while-away" in rows(app), timeout=10)
        assert "events ● live" in bar(app)


async def test_knot_restarted_on_the_same_port(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await sim.restart_knot(down_for=0.3)
        await app.wait_until(lambda: app.feed_status.state != "live", timeout=15)
        await app.wait_until(lambda: app.feed_status.state == "live", timeout=15)
        scratch = space_id(sim, "alice", "scratch")
        await select(app, sim, "alice", "scratch")
        await pilot.press("u")  # the session works on against the new process
        await app.wait_until(
            lambda: app.store.spaces[scratch].state in (SpaceState.STARTING, SpaceState.RUNNING), timeout=10
        )
        assert not [note for note in app.notes if note[2] == "error"]


async def test_nomad_and_consul_unreachable_then_back(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE):
        await ready(app)
        assert "nomad ● live" in bar(app)
        sim.chaos.update({"unreachable": ["nomad", "consul"]})
        # A job changes, so the job list's long-poll returns and asks again: into the outage.
        lifecycle.begin_start(sim.world, sim.world.spaces[space_id(sim, "alice", "scratch")])
        await app.wait_until(lambda: app.nomad_status.state == "down", timeout=15)
        assert "nomad ● down" in bar(app)
        sim.chaos.update({"unreachable": []})
        await app.wait_until(lambda: app.nomad_status.state == "live", timeout=40)
        assert "nomad ● live" in bar(app)


async def test_two_seconds_of_latency_on_every_response(sim: Simulator) -> None:
    sim.chaos.update({"latency": 2.0})
    app = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with app.run_test(size=SIZE):
        await app.wait_until(lambda: app.loaded and app.feed_status.state == "live", timeout=30)
        assert "scratch" in rows(app)
        assert not any(sev == "error" for _t, _m, sev in app.notes)


async def test_five_percent_of_responses_fail_and_the_list_still_converges(sim: Simulator) -> None:
    sim.chaos.update({"error_rate": 0.05})
    app = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with app.run_test(size=SIZE):
        await app.wait_until(lambda: app.loaded and bool(app.store.spaces), timeout=30)
        mine = [
            s
            for s in sim.world.spaces_for_user(sim.seeded.alice.user_id)
            if s.user_id == sim.seeded.alice.user_id
        ]
        for round_ in range(8):  # 8 rounds of changes to every space: ~60 refetches, 5 % fail

            def converged(round_: int = round_) -> bool:
                return all(
                    s.space_id in app.store.spaces
                    and app.store.spaces[s.space_id].description == f"round {round_} of {s.name}"
                    for s in mine
                )

            for space in mine:
                space.description = f"round {round_} of {space.name}"
                sim.world.space_changed(space)
            await app.wait_until(converged, timeout=30)
    assert sim.chaos.injected >= 1  # faults were really injected (and survived)


async def test_a_log_stream_dropped_twenty_times_loses_and_repeats_nothing(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        await pilot.press("o")
        log = screen.lines("stdout")
        await app.wait_until(lambda: "live" in status(screen) and len(texts(log)) > 0, timeout=15)
        alloc = running_alloc(sim, "api-dev-alice")
        data = alloc.logs[("dev", "stdout")]
        # Each of the next 20 connections is cut after 30 KB, mid-frame, while the task writes.
        sim.nomad_options["log_drops"] = [30_000] * 20
        sim.nomad_options["drop_log_streams"] = 1  # the open stream goes first
        sim.world.nomad.event_signal.set()
        for batch in range(BATCHES):  # ~750 KB in 1.2 s: enough to use up every budget
            data.data += "".join(f"drop-test line {batch:03d}-{n:03d}\n" for n in range(PER_BATCH)).encode()
            await asyncio.sleep(0.005)
        last = f"drop-test line {BATCHES - 1:03d}-{PER_BATCH - 1:03d}"
        try:
            await app.wait_until(lambda: last in texts(log), timeout=60)
        except TimeoutError:
            raise AssertionError(
                f"drops left {sim.nomad_options['log_drops']}, status {status(screen)!r}"
            ) from None
        assert sim.nomad_options["log_drops"] == []  # all 20 drops happened
        server = data.data.decode().splitlines()
        shown = texts(log)
        start = server.index(shown[0])
        assert shown == server[start : start + len(shown)]  # a contiguous run: nothing lost or twice
        assert sum(1 for line in shown if line.startswith("drop-test line")) == BATCHES * PER_BATCH


async def test_no_path_to_node_is_said_in_the_pane(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        alloc = running_alloc(sim, "api-dev-alice")
        sim.world.nomad.node_goes_away(alloc.node)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        await pilot.press("o")
        await app.wait_until(
            lambda: "No path to node" in status(screen) or "node" in status(screen).lower(), timeout=20
        )
        assert app.is_running


async def test_knot_down_at_start_then_up_loads_the_list_without_a_restart(sim: Simulator) -> None:
    """The first read fails (every try): the list says why, and loads once the feed connects."""
    from knot_tui.ui.widgets.virtual_table import VirtualTable

    sim.chaos.update({"unreachable": ["knot"]})
    app = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with app.run_test(size=SIZE):
        await app.wait_until(lambda: bool(app.load_failure), timeout=30)
        table = app.screen.query_one(VirtualTable)
        await app.wait_until(lambda: "Could not read the spaces" in table.empty_text, timeout=15)
        assert "503" in app.load_failure or "navailable" in app.load_failure, app.load_failure
        sim.chaos.update({"unreachable": []})
        await app.wait_until(lambda: app.loaded and "scratch" in rows(app), timeout=40)
        assert not app.load_failure and not table.empty_text
