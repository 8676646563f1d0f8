"""Consul's health API on aiohttp: `GET /v1/health/checks/<service>` with blocking queries.

Nomad registers provider-less (Consul) services and their checks with Consul; their status
lives only here (nomad-api.md section 4.1). ACLs: the seeded token reads everything, a
request without a token gets an empty, filtered answer, an unknown token gets 403.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from aiohttp import web

from knot_tui.sim.jobspec import duration_ns
from knot_tui.sim.world import World

WORLD: web.AppKey[World] = web.AppKey("world", World)
TOKENS: web.AppKey[set[str]] = web.AppKey("tokens", set)

MAX_WAIT = 600.0


def _token(request: web.Request) -> str:
    token = request.headers.get("X-Consul-Token") or request.query.get("token", "")
    auth = request.headers.get("Authorization", "")
    if not token and auth.startswith("Bearer "):
        token = auth[7:].strip()
    return token


def _json(body: Any, index: int, **headers: str) -> web.Response:
    return web.Response(
        text=json.dumps(body),
        content_type="application/json",
        headers={
            "X-Consul-Index": str(index),
            "X-Consul-Knownleader": "true",
            "X-Consul-Lastcontact": "0",
            **headers,
        },
    )


async def health_checks(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    cluster = world.nomad
    token = _token(request)
    if token and token not in request.app[TOKENS]:
        return web.Response(status=403, text="ACL not found", content_type="text/plain")
    raw = request.query.get("index", "")
    if raw:
        try:
            index = int(raw)
        except ValueError:
            return web.Response(status=400, text="Invalid index", content_type="text/plain")
        wait_text = request.query.get("wait", "")
        wait = min(MAX_WAIT, duration_ns(wait_text, 300_000_000_000) / 1e9) if wait_text else 300.0
        wait += random.uniform(0, wait / 16)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while cluster.consul_index <= index:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await world.wait_for_change(world.index, remaining)
    service = request.match_info["service"]
    if not token:
        return _json([], cluster.consul_index, **{"X-Consul-Results-Filtered-By-ACLs": "true"})
    checks = cluster.consul_checks.get(service, [])
    return _json([c.to_json() for c in checks], cluster.consul_index)


async def leader(request: web.Request) -> web.StreamResponse:
    return web.Response(text=json.dumps("127.0.0.1:8300"), content_type="application/json")


def build_app(world: World, tokens: set[str], *, middlewares: list[Any] | None = None) -> web.Application:
    app = web.Application(middlewares=middlewares or [])
    app[WORLD] = world
    app[TOKENS] = tokens
    app.router.add_get("/v1/status/leader", leader)
    app.router.add_get("/v1/health/checks/{service}", health_checks)
    return app
