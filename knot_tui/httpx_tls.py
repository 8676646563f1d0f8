"""One default TLS context shared by every httpx client.

httpx builds a context (reading the whole CA bundle, ~20 ms) for each client it creates, even
for plain-http addresses; knot-tui creates three at start-up. Contexts are safe to share.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def default_context() -> ssl.SSLContext:
    """httpx's own default (certifi's CAs, verification on), built once per process."""
    return httpx.create_ssl_context()


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    # Verification stays on (PROTOCOL_TLS_CLIENT: CERT_REQUIRED, check_hostname) with an empty
    # trust store, so should TLS ever happen on this client, every certificate is refused.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def context_for(url: str) -> ssl.SSLContext:
    """The default context for an https address; for plain http (no TLS, and our clients never
    follow redirects) one that costs nothing to build and trusts no certificate."""
    return default_context() if url.lower().startswith("https:") else _plain_http_context()
