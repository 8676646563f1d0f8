"""Consul's health API on aiohttp (filled in by the Nomad/Consul work)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from knot_tui.sim.world import World

WORLD: web.AppKey[World] = web.AppKey("world", World)


async def leader(request: web.Request) -> web.StreamResponse:
    return web.Response(text=json.dumps("127.0.0.1:8300"), content_type="application/json")


def build_app(world: World, *, middlewares: list[Any] | None = None) -> web.Application:
    app = web.Application(middlewares=middlewares or [])
    app[WORLD] = world
    app.router.add_get("/v1/status/leader", leader)
    return app
