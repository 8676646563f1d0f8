"""Snapshots of the spaces screen: own list, the ops view, the attention filter.

A frozen clock and a very slow time scale keep the simulated world still, the same seed
gives the same ids and figures, and demo mode hides the random port.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.thread import SimulatorThread
from knot_tui.ui.panes.events_pane import EventsPane
from knot_tui.ui.panes.health_pane import HealthPane
from knot_tui.ui.panes.job_pane import JobPane
from knot_tui.ui.panes.volume_pane import VolumePane
from knot_tui.ui.screens.details import DetailsScreen

from .helpers import RecordingApp, ready, settings_for

FROZEN = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SIZE = (150, 24)


@pytest.fixture
def still_sim() -> Iterator[Simulator]:
    with SimulatorThread(SimulatorOptions(seed=42, time_scale=10_000, frozen_at=FROZEN)) as sim:
        yield sim


def _app(sim: Simulator, who: str) -> RecordingApp:
    return RecordingApp(replace(settings_for(sim, who), demo=True), now=lambda: FROZEN)


def test_own_spaces(snap_compare, still_sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await ready(pilot.app)

    assert snap_compare(_app(still_sim, "alice"), run_before=run_before, terminal_size=SIZE)


def test_all_users_view(snap_compare, still_sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await ready(app)
        await pilot.press("a")
        await app.wait_until(lambda: app.store.all_users and len(app.store.spaces) > 5)
        await ready(app)
        await pilot.press("g")

    assert snap_compare(_app(still_sim, "admin"), run_before=run_before, terminal_size=SIZE)


def test_attention_filter(snap_compare, still_sim: Simulator) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await ready(app)
        await pilot.press("a")
        await app.wait_until(lambda: app.store.all_users and len(app.store.spaces) > 5)
        await ready(app)
        await pilot.press("f")
        app.clear_notifications()

    assert snap_compare(_app(still_sim, "admin"), run_before=run_before, terminal_size=SIZE)


@pytest.fixture
def utc() -> Iterator[None]:
    """Times on screen are local: pin the zone so the snapshots hold everywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


async def _details(pilot, owner: str, name: str, settled) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await ready(app)
    space = next(s for s in app.store.spaces.values() if s.username == owner and s.name == name)
    app.open_details(space)
    await app.wait_until(lambda: isinstance(app.screen, DetailsScreen) and app.screen.query(HealthPane))
    await app.wait_until(lambda: settled(app.screen), timeout=20)
    await pilot.pause()


def _settled(screen: DetailsScreen) -> bool:
    health = screen.query_one(HealthPane).rows
    return (
        screen.job is not None
        and screen.alloc is not None
        and screen.query_one(EventsPane).live
        and bool(screen.query_one(VolumePane).volumes)
        and bool(health)
        and all(row.status not in ("waiting", "pending") for row in health)
        and screen.query_one("#pane-deployment").updated_at is not None
    )


def test_details_of_a_desktop(snap_compare, still_sim: Simulator, utc: None) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _details(pilot, "alice", "desk", _settled)

    assert snap_compare(_app(still_sim, "alice"), run_before=run_before, terminal_size=(160, 56))


def test_details_forbidden_namespace_narrow(snap_compare, still_sim: Simulator, utc: None) -> None:  # type: ignore[no-untyped-def]
    def settled(screen: DetailsScreen) -> bool:
        return screen.query_one(JobPane).has_class("-problem") and screen.definition is not None

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _details(pilot, "bob", "lab", settled)

    assert snap_compare(_app(still_sim, "alice"), run_before=run_before, terminal_size=(100, 40))
