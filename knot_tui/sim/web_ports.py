"""The wildcard-domain side of the simulated knot: VNC desktops and web ports.

knot routes requests whose Host matches `server.wildcard_domain` to its port proxy
(knot-api.md section 6): `<owner>--<space>--vnc.<domain>` is the space's KasmVNC, behind knot's
API auth since v0.30.1 (Bearer or web session; UseVNC permission; the space is resolved for
the viewer — owner or sharee — and the username part is ignored; 404 without a VNC port);
`<owner>--<space>--<port>.<domain>` is an HTTP port of the space, served without auth.

Browsers resolve `*.localhost` to the loopback address, so `--demo` can open these pages.
The simulator serves a page that says which desktop or port it stands for.
"""

from __future__ import annotations

import html
from typing import Any

from aiohttp import web

from knot_tui.knot.models import Permission
from knot_tui.sim.world import SimSpace, World

VNC_AUTH = web.AppKey("vnc_auth", bool)


def _page(title: str, body: str) -> web.Response:
    text = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;background:#1e2430;color:#e6e6e6;margin:3em}"
        ".desk{border:2px solid #4c8bf5;border-radius:8px;padding:2em;max-width:46em}"
        "code{background:#2b3242;padding:0 .3em}</style></head><body>"
        f"<div class='desk'><h1>{html.escape(title)}</h1>{body}</div></body></html>"
    )
    return web.Response(text=text, content_type="text/html")


def split_host(host: str, wildcard_domain: str) -> tuple[str, str, str] | None:
    """(owner, space, port) when `host` is `<owner>--<space>--<port>` on the wildcard domain."""
    base = wildcard_domain.strip()
    if not base.startswith("*."):
        return None
    base_host = base[2:].split(":")[0].lower()
    name = host.split(":")[0].lower()
    if not name.endswith("." + base_host):
        return None
    parts = name[: -len(base_host) - 1].split("--")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def _viewer_space(world: World, user_id: str, name: str) -> SimSpace | None:
    """`GetSpaceByName(viewer, name)`: the viewer's own space, else one shared with them."""
    return world.space_by_name(user_id, name)


def _vnc(request: web.Request, world: World, space_name: str) -> web.StreamResponse:
    from knot_tui.sim.knot_app import _authenticate, error

    if request.app[VNC_AUTH]:
        user = _authenticate(world, request)
        if isinstance(user, web.Response):
            return user
        if not user.can(Permission.USE_VNC):
            return error(403, "No permission to use VNC")
        space = _viewer_space(world, user.user_id, space_name)
    else:
        space = next((s for s in world.live_spaces() if s.name.lower() == space_name), None)
    if space is None or space.agent is None or not space.agent.vnc_http_port:
        return error(404, "space not found")
    owner = world.users.get(space.user_id)
    return _page(
        f"{space.name} — KasmVNC (simulated)",
        f"<p>This is where knot would show the XFCE desktop of <b>{html.escape(space.name)}</b>"
        f" (owner {html.escape(owner.username if owner else '?')}), proxied to KasmVNC on port "
        f"<code>{space.agent.vnc_http_port}</code> inside the space.</p>"
        "<p>The knot-tui simulator serves this page in its place.</p>",
    )


def _web_port(world: World, owner_name: str, space_name: str, port: str) -> web.StreamResponse:
    from knot_tui.sim.knot_app import error

    owner = next((u for u in world.users.values() if u.username.lower() == owner_name), None)
    space = world.space_by_name(owner.user_id, space_name) if owner else None
    if space is None or space.agent is None or port not in space.agent.http_ports:
        return error(404, "port not found")
    return _page(
        f"{space.name}:{port} (simulated)",
        f"<p>HTTP port <code>{html.escape(port)}</code> ({html.escape(space.agent.http_ports[port])})"
        f" of {html.escape(space.name)}, as knot's port proxy would serve it.</p>",
    )


def middleware(world: World) -> Any:
    @web.middleware
    async def wildcard_routes(request: web.Request, handler):  # type: ignore[no-untyped-def]
        parts = split_host(request.host, world.wildcard_domain) if world.wildcard_domain else None
        if parts is None:
            return await handler(request)
        _owner, space, port = parts
        if port == "vnc":
            return _vnc(request, world, space)
        return _web_port(world, parts[0], space, port)

    return wildcard_routes
