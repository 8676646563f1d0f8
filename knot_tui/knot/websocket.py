"""Opening knot's WebSockets (logs, SSH proxy) with the same auth, TLS and error mapping."""

from __future__ import annotations

from collections.abc import Mapping

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from knot_tui.knot.connection import USER_AGENT, Connection
from knot_tui.knot.errors import (
    KnotAPIError,
    KnotError,
    KnotTimeout,
    KnotTLSError,
    KnotUnreachable,
    error_from_response,
)


async def open_websocket(
    connection: Connection,
    path: str,
    *,
    action: str,
    refusals: Mapping[int, tuple[str, str]] | None = None,
    max_size: int | None = 16 * 1024 * 1024,
) -> ClientConnection:
    """Connect to `path` on the server; failed handshakes become `KnotError`s.

    knot answers refused upgrades with bare status codes (knot-api.md section 9), so
    `refusals` gives the message and remedy to use per status.
    """
    headers = connection.headers()
    headers.pop("Accept", None)
    headers.pop("User-Agent", None)
    try:
        return await connect(
            connection.ws_base + path,
            additional_headers=headers,
            user_agent_header=USER_AGENT,
            ssl=connection.ssl_context(),
            open_timeout=10,
            ping_interval=20,
            ping_timeout=20,
            max_size=max_size,
            compression=None,
            proxy=None,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        if refusals and status in refusals:
            message, remedy = refusals[status]
            raise KnotAPIError(status, message, remedy, action) from None
        raise error_from_response(
            status, exc.response.body or b"", exc.response.headers.get("Content-Type", ""), action
        ) from None
    except TimeoutError:
        raise KnotTimeout(f"{connection.server} did not open the WebSocket in time", "Retry.") from None
    except InvalidHandshake as exc:
        raise KnotError(f"The WebSocket handshake failed: {exc}", "Check the server address.") from None
    except OSError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or exc.__class__.__name__.startswith("SSL"):
            raise KnotTLSError(
                f"The TLS certificate of {connection.server} was not accepted",
                "Install the server's CA certificate, or pass --tls-skip-verify.",
            ) from None
        raise KnotUnreachable(
            f"Cannot connect to {connection.server}",
            "Check the address, that knot runs, and the VPN.",
        ) from None
