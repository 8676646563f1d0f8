"""The simulator in its own process, with a control port for the benchmarks.

Run as `python -m bench.simproc --spaces N`: prints one JSON line (the exports and the
control URL), then serves until stdin closes. Keeping the simulator out of the benchmark's
process means its CPU never competes (for the GIL) with the terminal emulator that reads
the app's output. Times it reports are `time.monotonic()`, the same clock in every process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from aiohttp import web

from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.nomad_objects import TaskEvent
from knot_tui.sim.world import SimSpace


def _space(sim: Simulator, name: str, owner: str = "admin") -> SimSpace:
    user = sim.world.user_by_username(owner)
    if user is not None:
        space = sim.world.space_by_name(user.user_id, name)
        if space is not None:
            return space
    raise web.HTTPNotFound(text=f"{owner} has no space {name}")


def _running_alloc(sim: Simulator, space: SimSpace) -> Any:
    cluster = sim.world.nomad
    if space.nomad_job is None:
        raise web.HTTPBadRequest(text=f"{space.name} has no Nomad job")
    allocs = [a for a in cluster.job_allocs(*space.nomad_job) if a.client_status == "running"]
    if not allocs:
        raise web.HTTPBadRequest(text=f"{space.name} has no running allocation")
    return max(allocs, key=lambda a: a.create_index)


def control_app(sim: Simulator) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/space")
    async def space_info(request: web.Request) -> web.Response:
        space = _space(sim, request.query["name"])
        alloc = _running_alloc(sim, space) if space.nomad_job else None
        return web.json_response(
            {
                "id": space.space_id,
                "alloc": alloc.id if alloc else "",
                "tasks": list(alloc.tasks) if alloc else [],
            }
        )

    @routes.post("/rename")
    async def rename(request: web.Request) -> web.Response:
        """Rename a space as knot's update handler does, then publish `space:changed`."""
        body = await request.json()
        space = _space(sim, body["name"])
        space.name = body["to"]
        sim.world.space_changed(space)
        return web.json_response({"t": time.monotonic()})

    @routes.post("/alloc-event")
    async def alloc_event(request: web.Request) -> web.Response:
        """Add a task event to the space's running allocation (its ModifyIndex moves)."""
        body = await request.json()
        space = _space(sim, body["name"])
        alloc = _running_alloc(sim, space)
        cluster = sim.world.nomad
        task = alloc.tasks[0]
        alloc.task_states[task].add(TaskEvent("Signaling", cluster.now_ns(), body["message"]))
        cluster._touch(alloc)
        return web.json_response({"t": time.monotonic()})

    @routes.post("/flood")
    async def flood(request: web.Request) -> web.Response:
        """Append `lines` numbered lines to a task's stdout (the task wrote them at once)."""
        body = await request.json()
        space = _space(sim, body["name"])
        alloc = _running_alloc(sim, space)
        log = alloc.logs[(alloc.tasks[0], "stdout")]
        first, count = int(body.get("first", 1)), int(body["lines"])
        pad = "x" * int(body.get("width", 60))
        log.data += "".join(f"bench line {n:08d} {pad}\n" for n in range(first, first + count)).encode()
        return web.json_response({"t": time.monotonic(), "bytes": len(log.data)})

    app = web.Application()
    app.add_routes(routes)
    return app


async def serve(options: SimulatorOptions) -> None:
    sim = Simulator(options)
    await sim.start()
    runner = web.AppRunner(control_app(sim), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"exports": sim.exports(), "control": f"http://127.0.0.1:{port}"}), flush=True)
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), lambda: closed.set() if not sys.stdin.buffer.read1(1) else None)
    try:
        await closed.wait()
    finally:
        loop.remove_reader(sys.stdin.fileno())
        await runner.cleanup()
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simproc")
    parser.add_argument("--spaces", type=int, default=0)
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--time-scale", type=float, default=1.0)
    args = parser.parse_args()
    options = SimulatorOptions(
        spaces=args.spaces, users=args.users, time_scale=args.time_scale, vnc_auth=False
    )
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
