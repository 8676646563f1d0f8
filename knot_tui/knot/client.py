"""An async client for knot's REST API (httpx), returning wire models or typed errors."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Mapping
from typing import Any

import httpx

from knot_tui.knot.connection import STOP_TIMEOUT, Connection, normalize_server
from knot_tui.knot.errors import (
    KnotError,
    KnotNotFound,
    KnotProtocolError,
    KnotTimeout,
    KnotTLSError,
    KnotUnreachable,
    error_from_response,
)
from knot_tui.knot.models import (
    Created,
    Ping,
    ServerInfo,
    Space,
    SpaceList,
    SpaceRequest,
    Template,
    TemplateList,
    UsagePoint,
    User,
    UserList,
)
from knot_tui.wire import from_wire

SESSION_HEADER = "__KNOT_WEBUI_SESSION"


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def transport_error(exc: httpx.HTTPError, server: str) -> KnotError:
    """Turn an httpx transport failure into a `KnotError` that names the server."""
    if isinstance(exc, httpx.TimeoutException):
        return KnotTimeout(f"{server} did not answer in time", "Check the network or VPN, then retry.")
    if _is_tls_failure(exc):
        return KnotTLSError(
            f"The TLS certificate of {server} was not accepted",
            "Install the server's CA certificate, or pass --tls-skip-verify if you trust this network.",
        )
    if isinstance(exc, httpx.ConnectError):
        return KnotUnreachable(
            f"Cannot connect to {server}", "Check the address, that knot is running, and the VPN."
        )
    return KnotUnreachable(f"Connection to {server} failed ({type(exc).__name__})", "Retry in a moment.")


class KnotClient:
    """Stateless calls to one knot server. Use as `async with KnotClient(conn) as knot:`."""

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        event_hooks: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.connection = connection
        self._http = httpx.AsyncClient(
            base_url=connection.server,
            headers=connection.headers(),
            verify=connection.httpx_verify(),
            timeout=connection.timeout,
            transport=transport,
            event_hooks=dict(event_hooks or {}),
            follow_redirects=False,
        )

    @property
    def http(self) -> httpx.AsyncClient:
        """The underlying httpx client (for streaming callers in this package)."""
        return self._http

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> KnotClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- plumbing --------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        action: str = "",
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """One request; non-2xx answers raise the matching `KnotAPIError`."""
        kwargs: dict[str, Any] = {}
        if json_body is not None:
            kwargs["json"] = json_body
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = await self._http.request(method, path, params=params, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(exc, self.connection.server) from exc
        if not 200 <= response.status_code < 300:
            raise error_from_response(
                response.status_code,
                response.content,
                response.headers.get("content-type", ""),
                action,
            )
        return response

    async def get_json(self, path: str, *, action: str = "", params: Mapping[str, str] | None = None) -> Any:
        response = await self.request("GET", path, action=action, params=params)
        return _decode(response)

    # ---- core ------------------------------------------------------------------------

    async def ping(self) -> Ping:
        return from_wire(Ping, await self.get_json("/api/ping", action="ping"))

    async def server_info(self) -> ServerInfo:
        """`/api/server-info` (knot >= 0.26); older servers get the version from ping."""
        try:
            return from_wire(ServerInfo, await self.get_json("/api/server-info", action="server-info"))
        except KnotNotFound:
            ping = await self.ping()
            return ServerInfo(version=ping.version)

    async def using_totp(self) -> bool:
        data = await self.get_json("/api/auth/using-totp", action="login")
        return bool(isinstance(data, dict) and data.get("using_totp") is True)

    async def whoami(self) -> User:
        return from_wire(User, await self.get_json("/api/users/whoami", action="whoami"))

    async def permissions(self, user_id: str) -> set[int]:
        data = await self.get_json(f"/api/users/{user_id}/permissions", action="permissions")
        values = data.get("permissions") if isinstance(data, dict) else None
        return {v for v in values or [] if isinstance(v, int) and not isinstance(v, bool)}

    async def users(self, state: str = "all") -> list[User]:
        data = await self.get_json("/api/users", action="users", params={"state": state})
        return from_wire(UserList, data).users

    async def set_ssh_public_key(self, key: str, github_username: str = "") -> None:
        await self.request(
            "PUT",
            "/api/users/whoami/ssh-public-key",
            action="ssh-key",
            json_body={"ssh_public_key": key, "github_username": github_username},
        )

    # ---- spaces ----------------------------------------------------------------------

    async def list_spaces(self, user_id: str = "", *, all_zones: bool = False) -> list[Space]:
        """`GET /api/spaces`. Without `user_id` only ManageSpaces holders get anything
        (all users' spaces); everyone else must pass their own id (knot-api.md 3.2)."""
        params: dict[str, str] = {}
        if user_id:
            params["user_id"] = user_id
        if all_zones:
            params["all_zones"] = "true"
        data = await self.get_json("/api/spaces", action="list", params=params)
        return from_wire(SpaceList, data).spaces

    async def my_spaces(self, *, all_zones: bool = False) -> tuple[User, list[Space]]:
        """whoami, then the caller's own and shared spaces (what `knot space list` does)."""
        me = await self.whoami()
        return me, await self.list_spaces(me.user_id, all_zones=all_zones)

    async def get_space(self, space_id: str) -> Space:
        return from_wire(Space, await self.get_json(f"/api/spaces/{space_id}", action="get"))

    async def create_space(self, request: SpaceRequest) -> str:
        """Create (never starts); returns the new space id."""
        response = await self.request("POST", "/api/spaces", action="create", json_body=request.to_wire())
        created = from_wire(Created, _decode(response))
        if not created.space_id:
            raise KnotProtocolError("knot created the space but returned no id", "Refresh the list.")
        return created.space_id

    async def update_space(self, space_id: str, request: SpaceRequest) -> None:
        await self.request("PUT", f"/api/spaces/{space_id}", action="update", json_body=request.to_wire())

    async def start_space(self, space_id: str) -> None:
        await self.request("POST", f"/api/spaces/{space_id}/start", action="start")

    async def stop_space(self, space_id: str) -> None:
        await self.request("POST", f"/api/spaces/{space_id}/stop", action="stop", timeout=STOP_TIMEOUT)

    async def restart_space(self, space_id: str) -> None:
        await self.request("POST", f"/api/spaces/{space_id}/restart", action="restart", timeout=STOP_TIMEOUT)

    async def delete_space(self, space_id: str) -> None:
        await self.request("DELETE", f"/api/spaces/{space_id}", action="delete")

    async def usage_current(self, space_id: str) -> UsagePoint:
        data = await self.get_json(f"/api/spaces/{space_id}/usage/current", action="usage")
        return from_wire(UsagePoint, data)

    # ---- templates -------------------------------------------------------------------

    async def templates(self) -> list[Template]:
        return from_wire(TemplateList, await self.get_json("/api/templates", action="templates")).templates

    async def template(self, template_id: str) -> Template:
        return from_wire(Template, await self.get_json(f"/api/templates/{template_id}", action="template"))

    async def create_template(self, body: Mapping[str, Any]) -> str:
        response = await self.request(
            "POST", "/api/templates", action="create-template", json_body=dict(body)
        )
        created = from_wire(Created, _decode(response))
        return created.template_id

    # ---- sign in ---------------------------------------------------------------------

    @classmethod
    async def login(
        cls,
        server: str,
        email: str,
        password: str,
        totp_code: str = "",
        *,
        verify: bool | str = True,
        token_name: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
        event_hooks: Mapping[str, list[Any]] | None = None,
    ) -> str:
        """Do what `knot connect` does: password (+TOTP) -> session -> a new API token."""
        conn = Connection(server=normalize_server(server), verify=verify)
        name = token_name or f"knot client {socket.gethostname()}"
        async with cls(conn, transport=transport, event_hooks=event_hooks) as anonymous:
            response = await anonymous.request(
                "POST",
                "/api/auth",
                action="login",
                json_body={"email": email, "password": password, "totp_code": totp_code},
            )
            data = _decode(response)
            session = data.get("token") if isinstance(data, dict) else None
            if not isinstance(session, str) or not session:
                raise KnotProtocolError("knot accepted the login but sent no session", "Retry.")
            response = await anonymous.request(
                "POST",
                "/api/tokens",
                action="login",
                json_body={"name": name[:255]},
                headers={SESSION_HEADER: session},
            )
            token = from_wire(Created, _decode(response)).token_id
            if not token:
                raise KnotProtocolError("knot created no API token", "Retry, or create one in the web UI.")
            return token


def _decode(response: httpx.Response) -> Any:
    """JSON of a 2xx answer, or a `KnotProtocolError` naming what came instead."""
    ctype = response.headers.get("content-type", "")
    if "msgpack" in ctype:
        raise KnotProtocolError(
            "The server answered in msgpack although knot-tui asked for JSON",
            "A proxy may be rewriting the Accept header.",
        )
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        snippet = response.content[:60].decode("utf-8", "replace")
        raise KnotProtocolError(
            f"The server's answer to {response.request.method} {response.request.url.path} "
            f"is not JSON ({snippet!r})",
            "Check that the address points at a knot server and not a login proxy.",
        ) from None
