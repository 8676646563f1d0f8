"""Shared fixtures: an isolated HOME for every test, and a fresh simulator on free ports."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from knot_tui.config import ConsulSettings, NomadSettings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.nomad.consul import ConsulClient
from knot_tui.nomad.gateway import NomadGateway, NomadStreams
from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.world import SimTemplate, World

#: Simulated durations run 100 times faster in tests.
FAST = 0.01

GatewayFactory = Callable[[str], NomadGateway]

_ENV_PREFIXES = ("KNOT_", "NOMAD_", "CONSUL_", "XDG_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the developer's knot.toml, tokens or config, writes outside tmp, or opens
    a real browser."""
    for key in list(os.environ):
        if key.startswith(_ENV_PREFIXES) or key in ("NO_COLOR", "DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(SimulatorOptions(time_scale=FAST, seed=7)) as simulator:
        yield simulator


def broken_image_template(world: World) -> SimTemplate:
    """Debian Dev with an image Nomad cannot pull (not yet added to `world`)."""
    debian = next(t for t in world.templates.values() if t.name == "Debian Dev")
    broken = SimTemplate(
        template_id=world.new_id(),
        name="Broken Image",
        job=debian.job,
        volumes=debian.volumes,
        fault="image-pull",
    )
    broken.rehash()
    return broken


def connection(sim: Simulator, who: str = "admin") -> Connection:
    assert sim.seeded is not None
    token = getattr(sim.seeded, f"{who}_token")
    return Connection(server=sim.knot_url, token=token)


@pytest.fixture
async def admin(sim: Simulator) -> AsyncIterator[KnotClient]:
    async with KnotClient(connection(sim, "admin")) as client:
        yield client


@pytest.fixture
async def alice(sim: Simulator) -> AsyncIterator[KnotClient]:
    async with KnotClient(connection(sim, "alice")) as client:
        yield client


@pytest.fixture
async def bob(sim: Simulator) -> AsyncIterator[KnotClient]:
    async with KnotClient(connection(sim, "bob")) as client:
        yield client


@pytest.fixture
async def gateways(sim: Simulator) -> AsyncIterator[GatewayFactory]:
    made: list[NomadGateway] = []

    def make(who: str = "management") -> NomadGateway:
        token = getattr(sim.seeded, f"nomad_{who}")
        gateway = NomadGateway(NomadSettings(addr=sim.nomad_url, token=token))
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.close()


@pytest.fixture
async def streams(sim: Simulator) -> AsyncIterator[NomadStreams]:
    gateway = NomadGateway(NomadSettings(addr=sim.nomad_url, token=sim.seeded.nomad_management))
    client = NomadStreams(gateway)
    yield client
    await client.close()
    await gateway.close()


@pytest.fixture
async def consul(sim: Simulator) -> AsyncIterator[ConsulClient]:
    client = ConsulClient(ConsulSettings(addr=sim.consul_url, token=sim.seeded.consul_token))
    yield client
    await client.close()
