"""Start the simulated knot (and Nomad, Consul) servers in-process on loopback ports."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from knot_tui.sim import agent, consul_app, knot_app, lifecycle, nomad_app, web_ports
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
    #: Ask for knot's API auth on VNC pages, as knot >= 0.30.1 does (`--demo` does not, so a
    #: browser without a knot web session still gets the page).
    vnc_auth: bool = True
    frozen_at: datetime | None = None
    #: Chaos from the start (also settable at run time: `Simulator.chaos`, `POST /_sim/chaos`).
    latency: float = 0.0
    error_rate: float = 0.0


class Simulator:
    """The whole simulated installation; `async with Simulator(...) as sim:` in tests."""

    def __init__(
        self, options: SimulatorOptions | None = None, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.options = options or SimulatorOptions()
        #: Serve Nomad and Consul over TLS with this context (tests of TLS verification).
        self.ssl_context = ssl_context
        self.chaos = Chaos(latency=self.options.latency, error_rate=self.options.error_rate)
        self.world = World(
            seed=self.options.seed,
            clock=SimClock(self.options.time_scale, self.options.frozen_at),
        )
        self.seeded: Seeded | None = None
        self.ssh = SpaceSSH(self.world, demo_password=self.options.ssh_password)
        self._runners: list[web.AppRunner] = []
        self._knot_runner: web.AppRunner | None = None
        self._background: list[asyncio.Task[Any]] = []
        self.knot_url = ""
        self.nomad_url = ""
        self.consul_url = ""
        self.nomad_management_token = ""
        self.consul_token = ""
        #: Run-time knobs of the Nomad server (log/event stream drops, frame splitting, ...).
        self.nomad_options: dict[str, Any] = {}

    @property
    def demo_password(self) -> str:
        return DEMO_PASSWORD

    async def _serve(self, app: web.Application, port: int, *, tls: bool = True) -> str:
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(
            runner,
            self.options.host,
            port,
            reuse_address=True,
            ssl_context=self.ssl_context if tls else None,
        )
        await site.start()
        self._runners.append(runner)
        server = site._server  # the bound asyncio server: the only place the real port lives
        bound = server.sockets[0].getsockname()[1] if server is not None else port
        host = self.options.host
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if tls and self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{bound}"

    def _knot_app(self) -> web.Application:
        world = self.world
        knot = knot_app.build_app(
            world,
            ssh_backend=self.ssh,
            middlewares=[self.chaos.middleware("knot"), web_ports.middleware(world)],
        )
        knot[web_ports.VNC_AUTH] = self.options.vnc_auth
        knot.router.add_get("/_sim/chaos", self._chaos_get)
        knot.router.add_post("/_sim/chaos", self._chaos_post)
        knot.router.add_get("/_sim/requests", self._requests_get)
        return knot

    async def restart_knot(self, down_for: float = 0.0) -> None:
        """Stop knot's HTTP server (every connection with it) and start it again on the same
        port after `down_for` seconds, as a restart or an upgrade of knot does."""
        runner = self._knot_runner
        assert runner is not None
        self.world.hub.close_all()
        await runner.cleanup()
        self._runners.remove(runner)
        if down_for:
            await asyncio.sleep(down_for)
        port = int(self.knot_url.rsplit(":", 1)[1])
        self.knot_url = await self._serve(self._knot_app(), port, tls=False)
        self._knot_runner = self._runners[-1]

    async def start(self) -> Simulator:
        world = self.world
        self.knot_url = await self._serve(self._knot_app(), self.options.knot_port, tls=False)
        self._knot_runner = self._runners[-1]
        world.server_url = self.knot_url
        if self.options.wildcard:
            port = self.knot_url.rsplit(":", 1)[1]
            world.wildcard_domain = f"*.knot.localhost:{port}"
        self.seeded = seed(world, spaces=self.options.spaces, users=self.options.users)
        seeded = self.seeded
        self.nomad_management_token = seeded.nomad_management
        self.consul_token = seeded.consul_token
        nomad = nomad_app.build_app(
            world, options=self.nomad_options, middlewares=[self.chaos.middleware("nomad")]
        )
        self.nomad_url = await self._serve(nomad, self.options.nomad_port)
        consul = consul_app.build_app(
            world, {seeded.consul_token}, middlewares=[self.chaos.middleware("consul")]
        )
        self.consul_url = await self._serve(consul, self.options.consul_port)
        lifecycle.resume(world)
        self._background.append(asyncio.get_running_loop().create_task(agent.report_loop(world)))
        return self

    def drop_streams(self) -> None:
        """Cut every open stream: knot's event feeds and agent logs, Nomad's logs and events."""
        self.world.hub.close_all()
        for ws in list(self.world.proxy_sockets):
            self.world.spawn(ws.close(code=1011, message=b"dropped"), name="drop-ssh-proxy")
        for space in self.world.spaces.values():
            if space.agent is not None:
                for queue in list(space.agent.listeners):
                    queue.put_nowait(None)
                space.agent.listeners.clear()
        self.nomad_options["drop_log_streams"] = self.nomad_options.get("drop_log_streams", 0) + 1000
        self.nomad_options["drop_event_streams"] = self.nomad_options.get("drop_event_streams", 0) + 1000
        self.world.nomad.event_signal.set()

    def _control_allowed(self, request: web.Request) -> bool:
        assert self.seeded is not None
        return request.headers.get("Authorization", "") == f"Bearer {self.seeded.admin_token}"

    async def _chaos_get(self, request: web.Request) -> web.StreamResponse:
        if not self._control_allowed(request):
            return web.json_response({"error": "the admin token is required"}, status=401)
        return web.json_response({**self.chaos.state(), "nomad": self.nomad_options})

    async def _chaos_post(self, request: web.Request) -> web.StreamResponse:
        """Run-time chaos for `knot-tui sim` users and out-of-process tests (admin token)."""
        if not self._control_allowed(request):
            return web.json_response({"error": "the admin token is required"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "send a JSON object"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "send a JSON object"}, status=400)
        self.chaos.update(body)
        for key in ("log_drops", "split_frames", "event_acl"):
            if key in body:
                self.nomad_options[key] = body[key]
        if body.get("drop_streams"):
            self.drop_streams()
        return web.json_response({**self.chaos.state(), "nomad": self.nomad_options})

    async def _requests_get(self, request: web.Request) -> web.StreamResponse:
        """The request journal: `[[monotonic time, server, method, path?query], ...]`, optionally
        only those after `?since=<monotonic time>` (admin token)."""
        if not self._control_allowed(request):
            return web.json_response({"error": "the admin token is required"}, status=401)
        try:
            since = float(request.query.get("since", "0") or 0)
        except ValueError:
            return web.json_response({"error": "since must be a number"}, status=400)
        return web.json_response([list(entry) for entry in self.chaos.journal if entry[0] > since])

    async def stop(self) -> None:
        self.world.nomad.close()
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.world.shutdown()
        await self.ssh.close()
        # Together: each waits up to its shutdown timeout for open long-polls to finish.
        await asyncio.gather(*(runner.cleanup() for runner in self._runners))
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
