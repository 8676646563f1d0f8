"""Consul health checks (`GET /v1/health/checks/<service>`), with blocking queries.

knot's example template declares its service without a provider, so it is a Consul
service: its check status lives only in Consul; Nomad only shows the deployment's health.
"""

from __future__ import annotations

import httpx

from knot_tui import __version__
from knot_tui.config import ConsulSettings
from knot_tui.httpx_tls import context_for
from knot_tui.nomad.errors import NomadNotConfigured, NomadUnreachable, classify
from knot_tui.nomad.models import ConsulCheck, Indexed, parse_list
from knot_tui.nomad.tls import TlsConfig

TIMEOUT_FACTOR = 1.07
TIMEOUT_MARGIN = 5.0


class ConsulClient:
    def __init__(self, settings: ConsulSettings) -> None:
        if not settings.addr:
            raise NomadNotConfigured(
                "Consul is not configured",
                "Set CONSUL_HTTP_ADDR (and CONSUL_HTTP_TOKEN) to see the status of Consul service checks.",
            )
        self.settings = settings
        self.tls = TlsConfig.for_consul(settings)
        headers = {"User-Agent": f"knot-tui/{__version__}"}
        if settings.token:
            headers["X-Consul-Token"] = settings.token
        verify = self.tls.ssl_context() if settings.addr.startswith("https") else context_for(settings.addr)
        self._http = httpx.AsyncClient(base_url=settings.addr, headers=headers, verify=verify, timeout=10.0)

    @property
    def address(self) -> str:
        return self.settings.addr

    async def close(self) -> None:
        await self._http.aclose()

    async def health_checks(
        self, service: str, *, index: int = 0, wait: float = 0.0
    ) -> Indexed[list[ConsulCheck]]:
        params: dict[str, str] = {}
        timeout: float | httpx.Timeout = 10.0
        if index > 0 and wait > 0:
            params = {"index": str(index), "wait": f"{max(1, int(wait))}s"}
            timeout = httpx.Timeout(10.0, read=wait * TIMEOUT_FACTOR + TIMEOUT_MARGIN)
        try:
            response = await self._http.get(f"/v1/health/checks/{service}", params=params, timeout=timeout)
        except httpx.TimeoutException:
            raise NomadUnreachable(
                f"Consul at {self.address} did not answer in time", "Check the network or VPN."
            ) from None
        except httpx.HTTPError as exc:
            raise NomadUnreachable(
                f"Cannot connect to Consul at {self.address} ({type(exc).__name__})",
                "Check CONSUL_HTTP_ADDR and that Consul runs.",
            ) from None
        if response.status_code != 200:
            raise classify(
                response.status_code,
                response.text,
                what=f"the checks of {service}",
                service="Consul",
            )
        new_index = int(response.headers.get("X-Consul-Index", "0") or 0)
        try:
            data = response.json()
        except ValueError:
            data = None
        checks = parse_list(ConsulCheck, data)
        if not checks and response.headers.get("X-Consul-Results-Filtered-By-ACLs") == "true":
            raise classify(403, "ACL not found", what=f"the checks of {service}", service="Consul")
        return Indexed(checks, new_index)
