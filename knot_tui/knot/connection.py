"""Where a knot server is and how to talk to it: URL, token, TLS."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from knot_tui import __version__
from knot_tui.knot.errors import KnotError

API_VERSION = "2025-03-10"
USER_AGENT = f"knot-tui/{__version__}"
DEFAULT_TIMEOUT = 10.0
#: Stop runs the template's shutdown script (up to 60 s) before answering.
STOP_TIMEOUT = 75.0


def normalize_server(server: str) -> str:
    """knot's rules (`config.GetServerAddr`): `https://` when no scheme, no trailing slash."""
    server = server.strip()
    if not server:
        raise ValueError("no server address given")
    if "://" not in server:
        server = "https://" + server
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) server address: {server!r}")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError(f"bad port in server address: {server!r}") from None
    return server.rstrip("/")


def check_token(token: str) -> str:
    """A token must be one printable word; anything else would corrupt the header."""
    if not token:
        raise KnotError("No knot API token", "Sign in, or set KNOT_TOKEN, or run `knot connect`.")
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        raise KnotError(
            "The knot API token contains spaces or control characters",
            "Copy the token again without surrounding text.",
        )
    return token


@dataclass(frozen=True)
class Connection:
    """A knot server and the credentials to use it.

    `verify` is True (system CAs), False (no verification: only when the user asked) or a
    path to a CA bundle.
    """

    server: str
    token: str = ""
    verify: bool | str = True
    alias: str = "default"
    timeout: float = DEFAULT_TIMEOUT

    @property
    def ws_base(self) -> str:
        """`ws://` or `wss://` base, as knot's CLI derives it (`"ws" + http[4:]`)."""
        return "ws" + self.server[4:]

    @property
    def host(self) -> str:
        return urlsplit(self.server).netloc

    def headers(self) -> dict[str, str]:
        """JSON only, the Bearer token and the documented API version header."""
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-Knot-Api-Version": API_VERSION,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {check_token(self.token)}"
        return headers

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for WebSockets (httpx takes `verify` directly)."""
        if not self.server.startswith("https"):
            return None
        if self.verify is False:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        if isinstance(self.verify, str):
            return ssl.create_default_context(cafile=self.verify)
        return ssl.create_default_context()

    def httpx_verify(self) -> bool | ssl.SSLContext:
        """What to hand httpx: a context for a CA bundle, else the boolean."""
        if isinstance(self.verify, str):
            return ssl.create_default_context(cafile=self.verify)
        if self.verify:
            from knot_tui.httpx_tls import context_for

            return context_for(self.server)
        return False
