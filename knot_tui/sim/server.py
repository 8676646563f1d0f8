"""Start the simulated knot (and Nomad, Consul) servers in-process on loopback ports."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from knot_tui.sim import agent, consul_app, knot_app, lifecycle, nomad_app
from knot_tui.sim.chaos import Chaos
from knot_tui.sim.clock import SimClock
from knot_tui.sim.scenario import DEMO_PASSWORD, Seeded, seed
from knot_tui.sim.ssh_server import SpaceSSH
from knot_tui.sim.world import World


@dataclass
class SimulatorOptions:
    host: str = "127.0.0.1"
    knot_port: int = 0
    nomad_port: int = 0
    consul_port: int = 0
    spaces: int = 0
    users: int = 0
    time_scale: float = 1.0
    seed: int = 1
    #: Accept this password for SSH into any space (the `--demo` convenience).
    ssh_password: str | None = None
    #: Give the server a wildcard domain under `*.localhost` (VNC and web-port links).
    wildcard: bool = True
    frozen_at: datetime | None = None


class Simulator:
    """The whole simulated installation; `async with Simulator(...) as sim:` in tests."""

    def __init__(self, options: SimulatorOptions | None = None) -> None:
        self.options = options or SimulatorOptions()
        self.chaos = Chaos()
        self.world = World(
            seed=self.options.seed,
            clock=SimClock(self.options.time_scale, self.options.frozen_at),
        )
        self.seeded: Seeded | None = None
        self.ssh = SpaceSSH(self.world, demo_password=self.options.ssh_password)
        self._runners: list[web.AppRunner] = []
        self._background: list[asyncio.Task[Any]] = []
        self.knot_url = ""
        self.nomad_url = ""
        self.consul_url = ""
        self.nomad_management_token = ""
        self.consul_token = ""
        self.nomad_tokens: dict[str, Any] = {}

    @property
    def demo_password(self) -> str:
        return DEMO_PASSWORD

    async def _serve(self, app: web.Application, port: int) -> str:
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.options.host, port, reuse_address=True)
        await site.start()
        self._runners.append(runner)
        server = site._server  # the bound asyncio server: the only place the real port lives
        bound = server.sockets[0].getsockname()[1] if server is not None else port
        host = self.options.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{bound}"

    async def start(self) -> Simulator:
        world = self.world
        knot = knot_app.build_app(
            world, ssh_backend=self.ssh, middlewares=[self.chaos.middleware("knot")]
        )
        self.knot_url = await self._serve(knot, self.options.knot_port)
        world.server_url = self.knot_url
        if self.options.wildcard:
            port = self.knot_url.rsplit(":", 1)[1]
            world.wildcard_domain = f"*.knot.localhost:{port}"
        self.seeded = seed(world, spaces=self.options.spaces, users=self.options.users)
        self.nomad_management_token = world.new_id()
        self.consul_token = world.new_id()
        self.nomad_tokens = {
            self.nomad_management_token: {
                "AccessorID": world.new_id(),
                "SecretID": self.nomad_management_token,
                "Name": "knot-tui sim management",
                "Type": "management",
                "Policies": None,
                "Global": True,
            }
        }
        nomad = nomad_app.build_app(
            world, self.nomad_tokens, middlewares=[self.chaos.middleware("nomad")]
        )
        self.nomad_url = await self._serve(nomad, self.options.nomad_port)
        consul = consul_app.build_app(world, middlewares=[self.chaos.middleware("consul")])
        self.consul_url = await self._serve(consul, self.options.consul_port)
        lifecycle.resume(world)
        self._background.append(asyncio.get_running_loop().create_task(agent.report_loop(world)))
        return self

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.world.shutdown()
        await self.ssh.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Simulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def exports(self) -> dict[str, str]:
        """The environment a shell needs to point knot-tui (or the knot CLI) here."""
        assert self.seeded is not None
        return {
            "KNOT_SERVER": self.knot_url,
            "KNOT_TOKEN": self.seeded.admin_token,
            "NOMAD_ADDR": self.nomad_url,
            "NOMAD_TOKEN": self.nomad_management_token,
            "CONSUL_HTTP_ADDR": self.consul_url,
            "CONSUL_HTTP_TOKEN": self.consul_token,
        }
