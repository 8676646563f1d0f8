"""Snapshots of the spaces screen: own list, the ops view, the attention filter.

A frozen clock and a very slow time scale keep the simulated world still, the same seed
gives the same ids and figures, and demo mode hides the random port.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.thread import SimulatorThread

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
