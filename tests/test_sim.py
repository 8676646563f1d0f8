"""The simulator itself: deterministic seeding, scale, Go-faithful bodies, SSE framing."""

from __future__ import annotations

import asyncio
import time

import httpx

from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.gojson import go_json, go_time
from knot_tui.sim.thread import SimulatorThread


def _fingerprint(sim: Simulator) -> list[tuple[str, str, str]]:
    return sorted((s.space_id, s.name, s.user_id) for s in sim.world.spaces.values())


async def test_same_seed_same_world_different_seed_different_world() -> None:
    async with (
        Simulator(SimulatorOptions(seed=11, time_scale=0)) as a,
        Simulator(SimulatorOptions(seed=11, time_scale=0)) as b,
    ):
        assert _fingerprint(a) == _fingerprint(b)
        assert a.seeded.admin_token == b.seeded.admin_token
    async with Simulator(SimulatorOptions(seed=12, time_scale=0)) as c:
        assert _fingerprint(c) != _fingerprint(a)


async def test_every_state_is_seeded() -> None:
    async with Simulator(SimulatorOptions(time_scale=1)) as sim:
        spaces = sim.world.live_spaces()
        assert any(s.is_deployed and not s.is_pending for s in spaces)  # running
        assert any(s.is_pending and not s.is_deployed for s in spaces)  # starting
        assert any(not s.is_deployed and not s.is_pending for s in spaces)  # stopped
        assert any(sim.world.is_remote(s) for s in spaces)
        assert any(s.agent is not None and not s.agent.healthy for s in spaces)


async def test_ten_thousand_spaces_seed_and_list_quickly() -> None:
    started = time.perf_counter()
    async with Simulator(SimulatorOptions(spaces=10_000, users=200, time_scale=1)) as sim:
        seeded = time.perf_counter() - started
        assert len(sim.world.live_spaces()) == 10_000 and len(sim.world.users) == 200
        async with KnotClient(
            Connection(server=sim.knot_url, token=sim.seeded.admin_token, timeout=60)
        ) as admin:
            spaces = await admin.list_spaces(all_zones=True)
        assert len(spaces) == 10_000
    assert seeded < 30  # generous: the benchmark reports the real figure


async def test_sse_framing_and_keepalive() -> None:
    async with Simulator(SimulatorOptions(time_scale=0.01)) as sim:
        from knot_tui.sim import knot_app

        knot_app_keepalive = knot_app.KEEPALIVE_SECONDS
        knot_app.KEEPALIVE_SECONDS = 0.05
        try:
            async with (
                httpx.AsyncClient(base_url=sim.knot_url) as raw,
                raw.stream(
                    "GET",
                    "/api/events",
                    headers={"Authorization": f"Bearer {sim.seeded.admin_token}"},
                ) as response,
            ):
                assert response.headers["content-type"] == "text/event-stream"
                buffer = b""
                async for chunk in response.aiter_bytes():
                    buffer += chunk
                    if b": keep-alive\n\n" in buffer:
                        break
        finally:
            knot_app.KEEPALIVE_SECONDS = knot_app_keepalive
        assert buffer.startswith(b'event: connected\ndata: {"status":"ok"}\n\n')


async def test_sse_auth_errors_are_plain_text() -> None:
    async with (
        Simulator(SimulatorOptions(time_scale=0.01)) as sim,
        httpx.AsyncClient(base_url=sim.knot_url) as raw,
    ):
        response = await raw.get("/api/events", headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401 and response.text == "Unauthorized\n"
        assert response.headers["content-type"].startswith("text/plain")


def test_go_encoding() -> None:
    assert go_json({"a": "<b>&", "c": None, "d": [1]}) == b'{"a":"\\u003cb\\u003e\\u0026","c":null,"d":[1]}\n'
    from datetime import UTC, datetime

    assert go_time(datetime(2026, 1, 2, 3, 4, 5, 120000, UTC)) == "2026-01-02T03:04:05.12Z"
    assert go_time(None) == "0001-01-01T00:00:00Z"


def test_simulator_thread_serves_another_loop() -> None:
    with SimulatorThread(SimulatorOptions(time_scale=0.01)) as sim:

        async def whoami() -> str:
            async with KnotClient(Connection(server=sim.knot_url, token=sim.seeded.bob_token)) as bob:
                return (await bob.whoami()).username

        assert asyncio.run(whoami()) == "bob"


async def test_chaos_knobs_at_start_and_at_run_time() -> None:
    async with Simulator(SimulatorOptions(time_scale=0.01, error_rate=1.0)) as sim:
        headers = {"Authorization": f"Bearer {sim.seeded.admin_token}"}
        async with httpx.AsyncClient(base_url=sim.knot_url, headers=headers) as raw:
            assert (await raw.get("/api/ping")).status_code == 500
            assert (
                await raw.post("/_sim/chaos", json={"error_rate": 0, "unreachable": ["nomad"]})
            ).status_code == 200
            assert (await raw.get("/api/ping")).status_code == 200
            assert (
                await raw.post("/_sim/chaos", json={"x": 1}, headers={"Authorization": "Bearer nope"})
            ).status_code == 401
        async with httpx.AsyncClient(base_url=sim.nomad_url) as nomad:
            assert (await nomad.get("/v1/status/leader")).status_code == 503
        sim.chaos.update({"unreachable": [], "latency": 0.3})
        async with httpx.AsyncClient(base_url=sim.nomad_url) as nomad:
            started = time.perf_counter()
            assert (await nomad.get("/v1/status/leader")).status_code == 200
            assert time.perf_counter() - started >= 0.3


async def test_request_journal_lists_what_clients_asked() -> None:
    async with Simulator(SimulatorOptions(time_scale=0.01)) as sim:
        headers = {"Authorization": f"Bearer {sim.seeded.admin_token}"}
        async with httpx.AsyncClient(base_url=sim.knot_url, headers=headers) as raw:
            await raw.get("/api/ping")
            mark = time.monotonic()
            await raw.get("/api/spaces?user_id=x")
            async with httpx.AsyncClient(base_url=sim.nomad_url) as nomad:
                await nomad.get("/v1/status/leader")
            since = (await raw.get("/_sim/requests", params={"since": mark})).json()
            assert [entry[1:] for entry in since] == [
                ["knot", "GET", "/api/spaces?user_id=x"],
                ["nomad", "GET", "/v1/status/leader"],
            ]
            assert all(entry[0] > mark for entry in since)
            assert (
                await raw.get("/_sim/requests", headers={"Authorization": "Bearer no"})
            ).status_code == 401
            assert (await raw.get("/_sim/requests", params={"since": "x"})).status_code == 400
