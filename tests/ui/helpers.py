"""Driving the app against the simulator: settings per user, readiness, reading cells."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.notifications import SeverityLevel

from knot_tui.config import ConsulSettings, NomadSettings, Settings
from knot_tui.sim import Simulator
from knot_tui.text import plain
from knot_tui.ui.app import KnotApp
from knot_tui.ui.screens.spaces import SpacesScreen


class RecordingApp(KnotApp):
    """KnotApp that also keeps every notification it shows, for assertions."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.notes: list[tuple[str, str, str]] = []
        self.pending_seen: list[tuple[str, str]] = []

    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information", **kwargs
    ) -> None:  # type: ignore[override, no-untyped-def]
        self.notes.append((title, message, severity))
        super().notify(message, title=title, severity=severity, **kwargs)

    def set_pending(self, space_id: str, label: str) -> None:
        self.pending_seen.append((space_id, label))
        super().set_pending(space_id, label)

    def noted(self, text: str) -> bool:
        return any(text in f"{t} {m}" for t, m, _ in self.notes)


def settings_for(sim: Simulator, who: str = "alice", *, nomad: bool = True, **changes: object) -> Settings:
    assert sim.seeded is not None
    nomad_token = {
        "admin": sim.seeded.nomad_management,
        "alice": sim.seeded.nomad_alice,
        "bob": sim.seeded.nomad_bob,
    }[who]
    settings = replace(Settings(), server=sim.knot_url, token=getattr(sim.seeded, f"{who}_token"))
    if nomad:
        settings = replace(
            settings,
            nomad=NomadSettings(addr=sim.nomad_url, token=nomad_token),
            consul=ConsulSettings(addr=sim.consul_url, token=sim.seeded.consul_token),
        )
    return replace(settings, **changes)  # type: ignore[arg-type]


async def ready(app: KnotApp) -> None:
    """Loaded, the event feed live, Nomad's job list (when configured) live, templates read."""
    await app.wait_until(app.settled, timeout=15)


def screen(app: KnotApp) -> SpacesScreen:
    assert isinstance(app.screen, SpacesScreen), type(app.screen)
    return app.screen


def cell(app: KnotApp, space_id: str, column: str) -> str:
    return plain(str(screen(app)._cell(space_id, column)))


def rows(app: KnotApp) -> list[str]:
    """Names of the data rows, in display order."""
    store = app.store.spaces
    return [store[r.key].name for r in screen(app).table.rows if not r.group and r.key in store]


def space_id(sim: Simulator, owner: str, name: str) -> str:
    user = getattr(sim.seeded, owner)
    return next(s.space_id for s in sim.world.live_spaces() if s.user_id == user.user_id and s.name == name)


async def select(app: KnotApp, sim: Simulator, owner: str, name: str) -> None:
    """Put the cursor on owner/name (waiting for the row if knot's event is still on its way)."""
    table = screen(app).table
    key = space_id(sim, owner, name)
    try:
        await app.wait_until(lambda: table.move_to(key), timeout=15)
    except TimeoutError:
        raise AssertionError(f"{owner}/{name} is not listed") from None


def running_alloc(sim: Simulator, job_id: str) -> Any:
    """The simulated Nomad allocation of `job_id` that is running."""
    return next(
        a for a in sim.world.nomad.allocs.values() if a.job_id == job_id and a.client_status == "running"
    )
