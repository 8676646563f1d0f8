"""The clients one connection needs, built from settings (no Textual here)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from knot_tui.config import Settings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.nomad.consul import ConsulClient
from knot_tui.nomad.errors import NomadError
from knot_tui.nomad.gateway import NomadGateway, NomadStreams
from knot_tui.nomad.locator import JobLocator


def knot_connection(settings: Settings) -> Connection:
    """The knot server and credentials from resolved settings."""
    return Connection(
        server=settings.server, token=settings.token, verify=settings.verify, alias=settings.alias
    )


@dataclass
class Services:
    settings: Settings
    knot: KnotClient
    nomad: NomadGateway | None = None
    streams: NomadStreams | None = None
    consul: ConsulClient | None = None
    locator: JobLocator | None = None
    #: Why Nomad or Consul is missing, when it is (for the panes that need them).
    nomad_problem: NomadError | None = None
    consul_problem: NomadError | None = None

    @classmethod
    def build(cls, settings: Settings) -> Services:
        knot = KnotClient(knot_connection(settings))
        services = cls(settings=settings, knot=knot)
        try:
            services.nomad = NomadGateway(settings.nomad)
            services.streams = NomadStreams(services.nomad)
            services.locator = JobLocator(
                services.nomad,
                override_job=settings.nomad.job,
                override_namespace=settings.nomad.job_namespace,
                server_url=settings.server,
            )
        except NomadError as exc:
            services.nomad_problem = exc
        try:
            services.consul = ConsulClient(settings.consul)
        except NomadError as exc:
            services.consul_problem = exc
        return services

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.knot.aclose()
        if self.streams is not None:
            await self.streams.close()
        if self.nomad is not None:
            await self.nomad.close()
        if self.consul is not None:
            await self.consul.close()
