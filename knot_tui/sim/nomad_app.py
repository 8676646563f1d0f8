"""Nomad's HTTP API on aiohttp (filled in by the Nomad/Consul work)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from knot_tui.sim.world import World

WORLD: web.AppKey[World] = web.AppKey("world", World)
TOKENS: web.AppKey[dict[str, Any]] = web.AppKey("tokens", dict)


def _json(body: Any, index: int | None = None) -> web.Response:
    headers = {"X-Nomad-KnownLeader": "true", "X-Nomad-LastContact": "0"}
    if index is not None:
        headers["X-Nomad-Index"] = str(index)
    return web.Response(text=json.dumps(body), content_type="application/json", headers=headers)


def _text(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain")


async def leader(request: web.Request) -> web.StreamResponse:
    return _json("127.0.0.1:4647")


async def token_self(request: web.Request) -> web.StreamResponse:
    secret = request.headers.get("X-Nomad-Token", "")
    auth = request.headers.get("Authorization", "")
    if not secret and auth.startswith("Bearer "):
        secret = auth[7:].strip()
    token = request.app[TOKENS].get(secret)
    if token is None:
        return _text(403, "ACL token not found")
    return _json(token, request.app[WORLD].index)


def build_app(
    world: World, tokens: dict[str, Any], *, middlewares: list[Any] | None = None
) -> web.Application:
    app = web.Application(middlewares=middlewares or [])
    app[WORLD] = world
    app[TOKENS] = tokens
    app.router.add_get("/v1/status/leader", leader)
    app.router.add_get("/v1/acl/token/self", token_self)
    return app
