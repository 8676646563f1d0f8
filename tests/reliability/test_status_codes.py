"""Every status code knot answers with, over real sockets, through the app: each refusal names
its cause (knot's own message) and a remedy; a 401 brings the sign-in screen."""

from __future__ import annotations

import pytest

from knot_tui.knot.errors import remedy_for
from knot_tui.sim import Simulator
from knot_tui.ui.screens.login import LoginScreen

from ..ui.helpers import RecordingApp, ready, select, settings_for, space_id

SIZE = (140, 36)

# knot's own wording for each (internal/api/*.go), the cause the user must see
CAUSES = {
    403: "permission denied",
    404: "space not found",
    406: "space is not in this zone",
    423: "space is locked: it is being deleted",
    429: "too many requests",
    500: "failed to start space: database unavailable",
    503: "outside of schedule",
    507: "compute unit quota exceeded",
}


@pytest.mark.parametrize("status", sorted(CAUSES))
async def test_a_refused_start_names_cause_and_remedy(sim: Simulator, status: int) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        scratch = space_id(sim, "alice", "scratch")
        await select(app, sim, "alice", "scratch")
        sim.chaos.fail(status, f"/api/spaces/{scratch}/start", body=f'{{"error":"{CAUSES[status]}"}}')
        await pilot.press("u")
        await app.wait_until(lambda: any(sev == "error" for _t, _m, sev in app.notes), timeout=10)
        _title, message, _sev = next(n for n in app.notes if n[2] == "error")
        assert CAUSES[status] in message, message
        remedy = remedy_for(status, CAUSES[status], "start")
        assert remedy and remedy in message, (remedy, message)
        assert app.is_running  # nothing crashed


async def test_a_401_brings_the_sign_in_screen_with_the_server_filled_in(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        scratch = space_id(sim, "alice", "scratch")
        await select(app, sim, "alice", "scratch")
        sim.chaos.fail(401, f"/api/spaces/{scratch}/start", body="")
        await pilot.press("u")
        await app.wait_until(
            lambda: isinstance(app.screen, LoginScreen) and bool(app.screen.query("#server")), timeout=10
        )
        assert app.screen.query_one("#server").value == sim.knot_url  # type: ignore[attr-defined]
