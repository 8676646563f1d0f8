"""knot's HTTP API on aiohttp, answering with knot's real codes and bodies.

Handlers follow knot's Go handlers (`internal/api/*.go`, `web/logs-page.go`,
`internal/proxy/spaces-ssh.go`): the same checks in the same order, the same messages,
`{"error": ...}` JSON errors, bare status codes before WebSocket upgrades, and the mixed
text+JSON bodies Go writes when a request body cannot be decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import WSMsgType, web

from knot_tui.knot.models import DESCRIPTION_MAX, SHELLS, Permission, name_problem
from knot_tui.sim import knot_views as views
from knot_tui.sim import lifecycle
from knot_tui.sim.gojson import go_json, go_time
from knot_tui.sim.hub import CLOSE
from knot_tui.sim.totp import verify_code
from knot_tui.sim.world import SimSpace, SimTemplate, SimToken, SimUser, World

UUID_RE = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
EMAIL_RE = re.compile(r"(?i)^([a-z0-9](?:[a-z0-9&'+=_\.-]+)?)@([a-z0-9_-]+)(\.[a-z0-9_-]+)*(\.[a-z]{2,})+$")
SESSION_HEADER = "__KNOT_WEBUI_SESSION"
KEEPALIVE_SECONDS = 5.0
LOGIN_ATTEMPTS_PER_MINUTE = 5

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WORLD: web.AppKey[World] = web.AppKey("world", World)
SSH_BACKEND: web.AppKey[Any] = web.AppKey("ssh_backend", object)
USER: web.RequestKey[SimUser] = web.RequestKey("user", SimUser)
SESSION: web.RequestKey[str] = web.RequestKey("session", str)
SESSION_AUTH: web.RequestKey[bool] = web.RequestKey("session_auth", bool)


# ---- response helpers --------------------------------------------------------------------


def respond(status: int, body: Any) -> web.Response:
    """`rest.WriteResponse`: JSON with `application/json; charset=utf-8`."""
    return web.Response(status=status, body=go_json(body), content_type="application/json", charset="utf-8")


def error(status: int, message: str) -> web.Response:
    return respond(status, {"error": message})


def http_error(status: int, text: str) -> web.Response:
    """Go's `http.Error`: plain text plus a newline."""
    return web.Response(
        status=status,
        text=text + "\n",
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def bare(status: int) -> web.Response:
    """`w.WriteHeader(status)` with no body (start/stop/delete success, WS refusals)."""
    return web.Response(status=status)


class BodyError(Exception):
    def __init__(self, response: web.Response) -> None:
        self.response = response


_BODY_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "description": str,
    "template_id": str,
    "shell": str,
    "user_id": str,
    "icon_url": str,
    "email": str,
    "password": str,
    "totp_code": str,
    "job": str,
    "volumes": str,
    "platform": str,
    "stack": str,
    "ssh_public_key": str,
    "github_username": str,
    "alt_names": (list, type(None)),
    "custom_fields": (list, type(None)),
    "depends_on": (list, type(None)),
    "groups": (list, type(None)),
    "zones": (list, type(None)),
    "ports": (list, type(None)),
    "active": bool,
    "with_ssh": bool,
    "with_terminal": bool,
    "with_code_server": bool,
    "compute_units": int,
    "storage_units": int,
}


async def decode_body(request: web.Request) -> dict[str, Any]:
    """`rest.DecodeRequestBody` then the handler's own JSON error, into one body (Go does)."""
    ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
    if ctype != "application/json":
        text = "Content-Type header is not application/json or application/msgpack"
        raise BodyError(_mixed(415, text, text))
    raw = await request.read()
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(_mixed(400, "invalid JSON format", f"invalid character: {exc.msg}")) from None
    if data is None:
        raise BodyError(_mixed(400, "invalid JSON format", "EOF"))
    if not isinstance(data, dict):
        message = "json: cannot unmarshal array into Go value of type struct"
        raise BodyError(_mixed(400, "invalid JSON format", message))
    for key, expected in _BODY_FIELDS.items():
        if key in data and data[key] is not None and not isinstance(data[key], expected):
            message = f"json: cannot unmarshal {type(data[key]).__name__} into Go struct field .{key}"
            raise BodyError(_mixed(400, "invalid JSON format", message))
        if expected is bool and isinstance(data.get(key), int) and not isinstance(data[key], bool):
            raise BodyError(_mixed(400, "invalid JSON format", f"json: cannot unmarshal .{key}"))
    return data


def _mixed(status: int, text: str, json_error: str) -> web.Response:
    body = (text + "\n").encode() + go_json({"error": json_error})
    return web.Response(
        status=status,
        body=body,
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


# ---- authentication ----------------------------------------------------------------------


def _unauthorized(double: bool = False) -> web.Response:
    body = go_json({"error": "Authentication token is not valid"})
    return web.Response(
        status=401,
        body=body * (2 if double else 1),
        content_type="application/json",
        charset="utf-8",
        headers={"Set-Cookie": f"{SESSION_HEADER}=; Path=/; Max-Age=0; HttpOnly"},
    )


def _authenticate(world: World, request: web.Request) -> SimUser | web.Response:
    """`middleware.ApiAuth`: Bearer API token, else session header or cookie."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        parts = authorization.split(None, 1)
        bearer = parts[1].split()[0] if len(parts) == 2 and parts[0] == "Bearer" and parts[1].split() else ""
        if not bearer:
            # GetBearerToken and ApiAuth both write the 401 body: two JSON objects.
            return _unauthorized(double=True)
        user = world.user_for_token(bearer)
        if user is None:
            return _unauthorized()
        request[SESSION] = bearer
        return user
    session = request.headers.get(SESSION_HEADER) or request.cookies.get(SESSION_HEADER, "")
    user = world.user_for_session(session) if session else None
    if user is None:
        return _unauthorized()
    request[SESSION] = session
    request[SESSION_AUTH] = True
    return user


def api_auth(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        result = _authenticate(request.app[WORLD], request)
        if isinstance(result, web.Response):
            return result
        request[USER] = result
        return await handler(request)

    wrapped.__name__ = handler.__name__
    return wrapped


def needs(permission_check: Callable[[SimUser], bool], message: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if not permission_check(request[USER]):
                return error(403, message)
            return await handler(request)

        wrapped.__name__ = handler.__name__
        return wrapped

    return decorate


use_spaces = needs(
    lambda u: u.can(Permission.USE_SPACES) or u.can(Permission.MANAGE_SPACES),
    "No permission to manage or use spaces",
)
manage_templates = needs(lambda u: u.can(Permission.MANAGE_TEMPLATES), "No permission to manage templates")
manage_users_or_spaces = needs(
    lambda u: (
        u.can(Permission.MANAGE_USERS) or u.can(Permission.MANAGE_SPACES) or u.can(Permission.TRANSFER_SPACES)
    ),
    "No permission to manage users",
)


def _self_or_manage_users(request: web.Request) -> web.Response | None:
    user: SimUser = request[USER]
    target = request.match_info["user_id"]
    if not UUID_RE.match(target):
        return error(400, "Invalid user ID")
    if target != user.user_id and not user.can(Permission.MANAGE_USERS):
        return error(403, "No permission to manage users")
    return None


# ---- core --------------------------------------------------------------------------------


async def health(request: web.Request) -> web.StreamResponse:
    return web.Response(text="OK", content_type="text/plain")


@api_auth
async def ping(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    return respond(200, {"status": True, "version": world.version, "zone": world.zone})


@api_auth
async def server_info(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    return respond(
        200,
        {"version": world.version, "wildcard_domain": world.wildcard_domain, "clustered": False},
    )


async def using_totp(request: web.Request) -> web.StreamResponse:
    return respond(200, {"using_totp": request.app[WORLD].using_totp})


_login_failures: dict[str, list[float]] = {}


async def login(request: web.Request) -> web.StreamResponse:
    """`POST /api/auth`: email + password (+ TOTP) -> a session id."""
    world = request.app[WORLD]
    try:
        body = await decode_body(request)
    except BodyError as exc:
        return exc.response
    email = str(body.get("email") or "")
    password = str(body.get("password") or "")
    now = time.monotonic()
    recent = [t for t in _login_failures.get(email, []) if now - t < 60]
    _login_failures[email] = recent
    if len(recent) >= LOGIN_ATTEMPTS_PER_MINUTE:
        return error(429, "too many requests")
    if not EMAIL_RE.match(email) or len(password) < 8:
        return error(400, "invalid credentials")
    user = world.user_by_email(email)
    if user is None or not user.active or user.password != password:
        recent.append(now)
        return error(401, "invalid email, password or TOTP code")
    totp_secret = ""
    if world.using_totp:
        if user.totp_secret:
            if not verify_code(user.totp_secret, str(body.get("totp_code") or ""), world.clock.now()):
                recent.append(now)
                return error(401, "invalid email, password or TOTP code")
        else:
            user.totp_secret = totp_secret = world.new_totp_secret()
    _login_failures.pop(email, None)
    user.last_login_at = world.clock.now()
    session = world.new_token()
    world.sessions[session] = user.user_id
    response = respond(200, {"status": True, "token": session, "totp_secret": totp_secret})
    if request.path == "/api/auth/web":
        response.set_cookie(SESSION_HEADER, session, path="/", httponly=True, samesite="Lax")
    return response


@api_auth
async def logout(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    result = False
    if request.get(SESSION_AUTH):
        world.sessions.pop(request[SESSION], None)
        world.hub.invalidate_session(request[SESSION])
        result = True
    return respond(200, {"status": result})


@api_auth
async def create_token(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    try:
        body = await decode_body(request)
    except BodyError as exc:
        return exc.response
    name = str(body.get("name") or "")
    if not 0 < len(name) <= 255:
        return error(400, "Invalid token name")
    token = world.new_token()
    world.tokens[token] = SimToken(token=token, user_id=request[USER].user_id, name=name)
    return respond(201, {"status": True, "token_id": token})


# ---- users -------------------------------------------------------------------------------


@api_auth
async def whoami(request: web.Request) -> web.StreamResponse:
    return respond(200, views.user_response(request.app[WORLD], request[USER]))


@api_auth
async def set_ssh_public_key(request: web.Request) -> web.StreamResponse:
    try:
        body = await decode_body(request)
    except BodyError as exc:
        return exc.response
    user: SimUser = request[USER]
    user.ssh_public_key = str(body.get("ssh_public_key") or "")
    user.github_username = str(body.get("github_username") or "")
    request.app[WORLD].publish("users:changed", {"id": user.user_id})
    return bare(200)


@api_auth
@manage_users_or_spaces
async def list_users(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    state = request.query.get("state", "all")
    users = [u for u in world.users.values() if state == "all" or (state == "active") == u.active]
    users.sort(key=lambda u: u.username)
    body = [views.user_info(world, u, request[USER]) for u in users]
    return respond(200, {"count": len(body), "users": body})


@api_auth
async def user_permissions(request: web.Request) -> web.StreamResponse:
    refused = _self_or_manage_users(request)
    if refused is not None:
        return refused
    target = request.app[WORLD].users.get(request.match_info["user_id"])
    if target is None:
        return error(404, "user not found")
    return respond(200, {"permissions": sorted(target.permissions)})


@api_auth
async def user_quota(request: web.Request) -> web.StreamResponse:
    refused = _self_or_manage_users(request)
    if refused is not None:
        return refused
    world = request.app[WORLD]
    target = world.users.get(request.match_info["user_id"])
    if target is None:
        return error(404, "user not found")
    return respond(200, views.user_quota(world, target))


# ---- spaces ------------------------------------------------------------------------------


def _find_space(world: World, user: SimUser, key: str, *, include_deleted: bool = False) -> SimSpace | None:
    """UUID -> by id (any owner); anything else -> the caller's own or shared space by name.

    knot soft-deletes (name := id): `db.GetSpace` still finds a deleted space by id.
    """
    if UUID_RE.match(key):
        space = world.spaces.get(key)
        if space is None or (space.is_deleted and not include_deleted):
            return None
        return space
    return world.space_by_name(user.user_id, key)


def _may_use(user: SimUser, space: SimSpace) -> bool:
    return space.user_id == user.user_id or user.user_id in space.shares or user.can(Permission.MANAGE_SPACES)


@api_auth
@use_spaces
async def list_spaces(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    user_id = request.query.get("user_id", "")
    all_zones = request.query.get("all_zones", "") == "true"
    if not user.can(Permission.MANAGE_SPACES) and user_id != user.user_id:
        return respond(200, {"count": 0, "spaces": []})
    spaces = world.spaces_for_user(user_id) if user_id else world.live_spaces()
    if not all_zones:
        spaces = [s for s in spaces if not world.is_remote(s)]
    body = [views.space_info(world, s) for s in spaces]
    return respond(200, {"count": len(body), "spaces": body})


@api_auth
@use_spaces
async def get_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    space = _find_space(world, user, request.match_info["space_id"], include_deleted=True)
    if space is None or not _may_use(user, space):
        return error(404, "space not found")
    return respond(200, views.space_definition(world, space, user))


def _validate_space_input(body: dict[str, Any], shell: str) -> str | None:
    if name_problem(str(body.get("name") or "")):
        return "invalid name given for space"
    if len(str(body.get("description") or "").encode()) > DESCRIPTION_MAX:
        return "description too long"
    if shell not in SHELLS:
        return "invalid shell given for space"
    for alt in body.get("alt_names") or []:
        if not isinstance(alt, dict) or name_problem(str(alt.get("name") or "")):
            return "invalid alt name given for space"
    return None


def _custom_fields(body: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for item in body.get("custom_fields") or []:
        if isinstance(item, dict):
            out.append({"name": str(item.get("name") or ""), "value": str(item.get("value") or "")})
    return out


def _alt_names(body: dict[str, Any], primary: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in body.get("alt_names") or []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name") or "")
        if name and name != primary and name not in seen:
            seen.add(name)
            out.append({"name": name, "port": int(item.get("port") or 0)})
    return out


def _quota_problem(world: World, owner: SimUser, template: SimTemplate) -> str | None:
    """`CheckUserQuotas` on create (knot returns these as 400, not 507)."""
    owned = [s for s in world.live_spaces() if s.user_id == owner.user_id]
    if owner.max_spaces > 0 and len(owned) + 1 > owner.max_spaces:
        return "space quota exceeded"
    if owner.storage_units > 0:
        used = sum(t.storage_units for s in owned if (t := world.template_of(s)) is not None)
        if used + template.storage_units > owner.storage_units:
            return "storage unit quota exceeded"
    return None


@api_auth
@use_spaces
async def create_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    try:
        body = await decode_body(request)
    except BodyError as exc:
        return exc.response
    requested_owner = str(body.get("user_id") or "")
    if requested_owner and requested_owner != user.user_id and not user.can(Permission.MANAGE_SPACES):
        return error(403, "Cannot create space for another user")
    owner = user
    if requested_owner:
        found = world.users.get(requested_owner)
        if found is None:
            return error(400, "user not found")
        owner = found
    template = world.templates.get(str(body.get("template_id") or ""))
    if template is None:
        return error(400, "template not found")
    shell = str(body.get("shell") or "") or owner.preferred_shell
    name = str(body.get("name") or "")
    problem = _validate_space_input(body, shell)
    if problem is None and (template.is_deleted or not template.active):
        problem = "invalid template given for new space"
    if (
        problem is None
        and template.groups
        and not owner.can(Permission.MANAGE_TEMPLATES)
        and not set(template.groups) & set(owner.groups)
    ):
        problem = "no permission to use this template"
    if problem is None:
        problem = _quota_problem(world, owner, template)
    if problem is None and any(
        s.user_id == owner.user_id and s.name.lower() == name.lower() for s in world.live_spaces()
    ):
        problem = "failed to save space: space name already used"
    if problem is not None:
        return error(400, problem)
    space = SimSpace(
        space_id=world.new_id(),
        name=name,
        user_id=owner.user_id,
        template_id=template.template_id,
        shell=shell,
        description=str(body.get("description") or ""),
        zone=world.zone,
        created_at=world.clock.now(),
        alt_names=_alt_names(body, name),
        custom_fields=_custom_fields(body),
        icon_url=str(body.get("icon_url") or ""),
        depends_on=[str(d) for d in body.get("depends_on") or []],
    )
    world.spaces[space.space_id] = space
    # knot's CreateSpace publishes space:deleted for the new space (internal/service/spaces.go).
    world.space_deleted_quirk(space)
    return respond(201, {"status": True, "space_id": space.space_id})


@api_auth
@use_spaces
async def update_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    space = _find_space(world, user, request.match_info["space_id"])
    if space is None or not _may_use(user, space):
        return error(404, "space not found")
    try:
        body = await decode_body(request)
    except BodyError as exc:
        return exc.response
    shell = str(body.get("shell") or "")
    problem = _validate_space_input(body, shell)
    if problem is None and world.is_remote(space):
        problem = "space not on this server"
    template = world.templates.get(str(body.get("template_id") or ""))
    if problem is None and template is None:
        return error(400, "template not found")
    name = str(body.get("name") or "")
    if problem is None and any(
        s.user_id == space.user_id and s.name.lower() == name.lower() and s is not space
        for s in world.live_spaces()
    ):
        problem = "failed to save space: space name already used"
    if problem is not None:
        return error(400, problem)
    space.name = name
    space.description = str(body.get("description") or "")
    space.shell = shell
    space.template_id = str(body.get("template_id") or space.template_id)
    space.alt_names = _alt_names(body, name)
    space.custom_fields = _custom_fields(body)
    space.icon_url = str(body.get("icon_url") or "")
    space.depends_on = [str(d) for d in body.get("depends_on") or []]
    world.space_changed(space)
    return bare(200)


def _lifecycle_target(request: web.Request) -> SimSpace | web.Response:
    """The common prologue of start/stop/restart: lookup (404), access (404)."""
    world = request.app[WORLD]
    user: SimUser = request[USER]
    key = request.match_info["space_id"]
    space = _find_space(world, user, key)
    if space is None:
        if UUID_RE.match(key):
            return error(404, "space not found")
        return error(404, f"space {key} not found")
    if not _may_use(user, space):
        return error(404, "space not found")
    return space


@api_auth
@use_spaces
async def start_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    space = _lifecycle_target(request)
    if isinstance(space, web.Response):
        return space
    if space.is_deployed or space.is_pending or space.is_deleting:
        return error(423, "space cannot be started")
    if world.is_remote(space):
        return error(406, "space zone does not match server zone")
    owner = world.users[space.user_id]
    template = world.template_of(space)
    if template is None:
        return error(500, "template not found")
    if owner.compute_units > 0:
        used = sum(
            t.compute_units
            for s in world.live_spaces()
            if s.user_id == owner.user_id
            and (s.is_deployed or s.is_pending)
            and (t := world.template_of(s)) is not None
        )
        if used + template.compute_units > owner.compute_units:
            return error(507, "compute unit quota exceeded")
    for dependency_id in space.depends_on:
        dependency = world.spaces.get(dependency_id)
        if dependency is None or dependency.is_deleted:
            return error(423, f"dependency {dependency_id} not found")
        if not dependency.is_deployed:
            return error(423, f"dependency {dependency.name} must be started first")
    failure = world.start_failure(space)
    if failure:
        return error(500, failure)
    lifecycle.begin_start(world, space)
    return bare(200)


@api_auth
@use_spaces
async def stop_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    space = _lifecycle_target(request)
    if isinstance(space, web.Response):
        return space
    if not (space.is_deployed or space.is_pending) or space.is_deleting:
        return error(423, "space cannot be stopped")
    if world.is_remote(space):
        return error(406, "space not on this server")
    await lifecycle.stop(world, space)
    return bare(200)


@api_auth
@use_spaces
async def restart_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    space = _lifecycle_target(request)
    if isinstance(space, web.Response):
        return space
    if not space.is_deployed or space.is_pending or space.is_deleting:
        return error(423, "space cannot be restarted")
    if world.is_remote(space):
        return error(406, "space not on this server")
    await lifecycle.stop(world, space, then_start=True)
    return bare(200)


@api_auth
@use_spaces
async def delete_space(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    key = request.match_info["space_id"]
    space = _find_space(world, user, key)
    if space is None or not _may_use(user, space):
        return error(404, f"space {key} not found")
    if space.is_deployed or space.is_pending or space.is_deleting or world.is_remote(space):
        return error(423, "space cannot be deleted")
    lifecycle.begin_delete(world, space)
    return bare(200)


@api_auth
@use_spaces
async def space_usage_current(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    key = request.match_info["space_id"]
    if not UUID_RE.match(key):
        return error(404, "Invalid space ID")
    space = world.spaces.get(key)
    if space is None or space.is_deleted:
        return error(404, "Space not found: not found")
    if not _may_use(user, space):
        return error(404, "No permission to access this space")
    usage = views.resource_usage(space) if space.is_deployed and not world.is_remote(space) else None
    body: dict[str, Any] = {
        "bucket_start": go_time(world.clock.now()),
        "bucket_kind": "minute",
    }
    if usage is not None:
        body["is_live"] = True
        body["resource_usage"] = usage
    return respond(200, body)


# ---- templates ---------------------------------------------------------------------------


def _visible_templates(world: World, user: SimUser) -> list[SimTemplate]:
    found = [t for t in world.templates.values() if not t.is_deleted]
    if not user.can(Permission.MANAGE_TEMPLATES):
        found = [t for t in found if not t.groups or set(t.groups) & set(user.groups)]
    return sorted(found, key=lambda t: t.name.lower())


@api_auth
async def list_templates(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    target = request.query.get("user_id", "")
    if target:
        if not user.can(Permission.MANAGE_SPACES):
            return error(403, "Permission denied")
        found = world.users.get(target) if UUID_RE.match(target) else world.user_by_username(target)
        if found is None:
            return error(404, "User not found")
        user = found
    body = [views.template_info(world, t) for t in _visible_templates(world, user)]
    return respond(200, {"count": len(body), "templates": body})


@api_auth
async def get_template(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    user: SimUser = request[USER]
    key = request.match_info["template_id"]
    template = (
        world.templates.get(key)
        if UUID_RE.match(key)
        else next((t for t in world.templates.values() if t.name == key and not t.is_deleted), None)
    )
    if template is None or template.is_deleted:
        return error(404, "template not found")
    if not user.can(Permission.MANAGE_TEMPLATES) and (
        not template.active
        or (template.groups and not set(template.groups) & set(user.groups))
        or not world.template_valid_for_zone(template)
    ):
        return error(404, "Template not found")
    return respond(200, views.template_details(world, template))


_PLATFORMS = ("manual", "docker", "podman", "nomad", "apple", "container")


@api_auth
@manage_templates
async def create_template(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD]
    try:
        body = await decode_body(request)
    except BodyError as exc:
        return exc.response
    name = str(body.get("name") or "")
    platform = str(body.get("platform") or "")
    job = str(body.get("job") or "")
    if not name or len(name) > 64:
        return error(400, "invalid template name given")
    if platform not in _PLATFORMS:
        return error(400, "invalid platform")
    if platform != "manual" and not job:
        return error(400, "job is required and must be less than 10MB")
    for port in body.get("ports") or []:
        if not isinstance(port, dict) or not port.get("name") or "=" in str(port.get("name")):
            return error(400, "port name is required and must not contain '=' or ','")
        if not 1 <= int(port.get("port") or 0) <= 65535:
            return error(400, "port number must be between 1 and 65535")
        if port.get("protocol") not in ("tcp", "http", "https"):
            return error(400, "port protocol must be one of tcp, http, https")
    template = SimTemplate(
        template_id=world.new_id(),
        name=name,
        description=str(body.get("description") or ""),
        job=job if platform != "manual" else "",
        volumes=str(body.get("volumes") or "") if platform != "manual" else "",
        platform=platform,
        active=bool(body.get("active")),
        groups=[str(g) for g in body.get("groups") or []],
        zones=[str(z) for z in body.get("zones") or []],
        with_ssh=bool(body.get("with_ssh")),
        with_terminal=bool(body.get("with_terminal")),
        with_code_server=bool(body.get("with_code_server")),
        with_vscode_tunnel=bool(body.get("with_vscode_tunnel")),
        with_run_command=bool(body.get("with_run_command")),
        compute_units=int(body.get("compute_units") or 0),
        storage_units=int(body.get("storage_units") or 0),
        ports=[dict(p) for p in body.get("ports") or []],
        custom_fields=[
            {"name": str(c.get("name") or ""), "description": str(c.get("description") or "")}
            for c in body.get("custom_fields") or []
            if isinstance(c, dict)
        ],
        health_check_type=str(body.get("health_check_type") or ""),
        icon_url=str(body.get("icon_url") or ""),
    )
    template.rehash()
    world.templates[template.template_id] = template
    world.publish("templates:changed", {"id": template.template_id})
    return respond(201, {"status": True, "template_id": template.template_id})


# ---- server-sent events ------------------------------------------------------------------


async def events(request: web.Request) -> web.StreamResponse:
    """`GET /api/events` (`HandleSSE`): own auth with plain-text errors, 5 s keep-alives."""
    world = request.app[WORLD]
    authorization = request.headers.get("Authorization", "")
    if authorization:
        parts = authorization.split(None, 1)
        token = parts[1].strip() if len(parts) == 2 and parts[0] == "Bearer" else ""
        user = world.user_for_token(token) if token else None
        session_id = token
    else:
        session_id = request.cookies.get(SESSION_HEADER, "")
        user = world.user_for_session(session_id) if session_id else None
    if user is None:
        return http_error(401, "Unauthorized")
    response = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        },
    )
    try:
        await response.prepare(request)
    except ConnectionResetError:  # the client went away before the headers were written
        return response
    queue = world.hub.subscribe(session_id)
    try:
        await response.write(b'event: connected\ndata: {"status":"ok"}\n\n')
        while True:
            try:
                data = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if data == CLOSE:
                break
            await response.write(b"event: message\ndata: " + data + b"\n\n")
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        world.hub.unsubscribe(queue)
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


# ---- WebSockets --------------------------------------------------------------------------


def _log_frame(entry: Any, zone: Any) -> str:
    """`writeLogMessage`: ANSI-styled date, service and level, then the message and CRLF."""
    prefix = "\x1b[90m" + entry.when.astimezone(zone).strftime("%d %b %y %H:%M:%S %Z") + "\x1b[0m "
    if entry.service:
        prefix += "\x1b[93m" + entry.service + "\x1b[0m "
    prefix += {0: "\x1b[94mDBG\x1b[0m ", 1: "\x1b[92mINF\x1b[0m ", 2: "\x1b[91mERR\x1b[0m "}.get(
        entry.level, ""
    )
    return prefix + entry.message + "\r\n"


@api_auth
async def logs_stream(request: web.Request) -> web.StreamResponse:
    """`GET /logs/{space_id}/stream`: history, a 0x00 frame, then live lines."""
    world = request.app[WORLD]
    user: SimUser = request[USER]
    if not user.can(Permission.USE_LOGS):
        return bare(403)
    space_id = request.match_info["space_id"]
    if not UUID_RE.match(space_id):
        return bare(400)
    space = world.spaces.get(space_id)
    # No admin override: owner or sharee only.
    if (
        space is None
        or space.is_deleted
        or (space.user_id != user.user_id and user.user_id not in space.shares)
    ):
        return bare(404)
    try:
        zone = ZoneInfo(user.timezone) if user.timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return bare(500)
    ws = web.WebSocketResponse(heartbeat=None)
    await ws.prepare(request)
    agent = space.agent
    if agent is None:
        await ws.close()
        return ws
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=10000)
    agent.listeners.add(queue)

    async def reader() -> None:
        async for _msg in ws:
            pass  # client frames are read only to notice the close
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(None)

    read_task = asyncio.get_running_loop().create_task(reader())
    try:
        for entry in list(agent.history):
            await ws.send_str(_log_frame(entry, zone))
        await ws.send_str("\x00")
        while True:
            entry = await queue.get()
            if entry is None or ws.closed:
                break
            await ws.send_str(_log_frame(entry, zone))
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        agent.listeners.discard(queue)
        read_task.cancel()
        await ws.close()
    return ws


@api_auth
async def ssh_proxy(request: web.Request) -> web.StreamResponse:
    """`GET /proxy/spaces/{space_name}/ssh/`: binary frames <-> the agent's SSH port."""
    world = request.app[WORLD]
    user: SimUser = request[USER]
    name = request.match_info["space_name"]
    if name_problem(name):
        return bare(400)
    if not user.can(Permission.USE_SSH):
        return bare(403)
    space = world.space_by_name(user.user_id, name)
    if space is None:
        return bare(404)
    if space.agent is None or space.agent.ssh_port == 0:
        return bare(404)
    backend = request.app[SSH_BACKEND]
    if backend is None:
        return bare(404)
    try:
        host, port = await backend.endpoint(space)
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return bare(500)
    ws = web.WebSocketResponse(heartbeat=None)
    await ws.prepare(request)
    world.proxy_sockets.add(ws)

    async def upstream() -> None:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                writer.write(msg.data)
                await writer.drain()
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
        writer.close()

    async def downstream() -> None:
        while data := await reader.read(65536):
            await ws.send_bytes(data)
        await ws.close()

    tasks = [asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        world.proxy_sockets.discard(ws)
        writer.close()
        await ws.close()
    return ws


# ---- the application ---------------------------------------------------------------------


def build_app(
    world: World, *, ssh_backend: Any = None, middlewares: list[Any] | None = None
) -> web.Application:
    app = web.Application(middlewares=middlewares or [], client_max_size=16 * 1024 * 1024)
    app[WORLD] = world
    app[SSH_BACKEND] = ssh_backend
    r = app.router
    r.add_get("/health", health)
    r.add_get("/api/ping", ping)
    r.add_get("/api/server-info", server_info)
    r.add_get("/api/auth/using-totp", using_totp)
    r.add_post("/api/auth", login)
    r.add_post("/api/auth/web", login)
    r.add_post("/api/auth/logout", logout)
    r.add_post("/api/tokens", create_token)
    r.add_get("/api/users", list_users)
    r.add_get("/api/users/whoami", whoami)
    r.add_put("/api/users/whoami/ssh-public-key", set_ssh_public_key)
    r.add_get("/api/users/{user_id}/permissions", user_permissions)
    r.add_get("/api/users/{user_id}/quota", user_quota)
    r.add_get("/api/spaces", list_spaces)
    r.add_post("/api/spaces", create_space)
    r.add_get("/api/spaces/{space_id}", get_space)
    r.add_put("/api/spaces/{space_id}", update_space)
    r.add_delete("/api/spaces/{space_id}", delete_space)
    r.add_post("/api/spaces/{space_id}/start", start_space)
    r.add_post("/api/spaces/{space_id}/stop", stop_space)
    r.add_post("/api/spaces/{space_id}/restart", restart_space)
    r.add_get("/api/spaces/{space_id}/usage/current", space_usage_current)
    r.add_get("/api/templates", list_templates)
    r.add_post("/api/templates", create_template)
    r.add_get("/api/templates/{template_id}", get_template)
    r.add_get("/api/events", events)
    r.add_get("/logs/{space_id}/stream", logs_stream)
    r.add_get("/proxy/spaces/{space_name}/ssh/", ssh_proxy)
    return app
