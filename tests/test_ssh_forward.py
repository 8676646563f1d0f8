"""knot's SSH proxy WebSocket: binary frames to the space's SSH server."""

from __future__ import annotations

import asyncio

import pytest

from knot_tui.knot.errors import KnotAPIError
from knot_tui.knot.ssh_forward import bridge, open_ssh_socket
from knot_tui.sim import Simulator

from .conftest import connection


async def test_bridge_reaches_the_space_sshd(sim: Simulator) -> None:
    ws = await open_ssh_socket(connection(sim, "alice"), "desk")
    received = bytearray()
    got_banner = asyncio.Event()
    closed = asyncio.Event()

    async def read() -> bytes:
        await got_banner.wait()
        await closed.wait()
        return b""

    async def write(data: bytes) -> None:
        received.extend(data)
        if b"\r\n" in received:
            got_banner.set()
            closed.set()

    result = await asyncio.wait_for(bridge(ws, read, write), 10)
    assert received.startswith(b"SSH-2.0-")
    assert result in ("local", "remote")


@pytest.mark.parametrize(
    ("who", "name", "status"),
    [
        ("alice", "scratch", 404),  # stopped: no SSH
        ("alice", "no-such", 404),
        ("alice", "bad_name", 400),
        ("bob", "api-dev", 404),  # alice's space, not shared with bob
    ],
)
async def test_refusals(sim: Simulator, who: str, name: str, status: int) -> None:
    with pytest.raises(KnotAPIError) as info:
        await open_ssh_socket(connection(sim, who), name)
    assert info.value.status == status


async def test_needs_use_ssh(sim: Simulator) -> None:
    sim.seeded.alice.roles = []
    with pytest.raises(KnotAPIError) as info:
        await open_ssh_socket(connection(sim, "alice"), "desk")
    assert info.value.status == 403 and "Use SSH" in info.value.remedy
