"""knot's agent log WebSocket: history, the 0x00 marker, live lines, refusals."""

from __future__ import annotations

import asyncio

import pytest

from knot_tui.knot.agent_logs import HistoryEnd, LogLine, agent_log_stream
from knot_tui.knot.errors import KnotAPIError
from knot_tui.sim import Simulator
from knot_tui.sim import agent as sim_agent

from .conftest import connection


def _space(sim: Simulator, owner: str, name: str):  # type: ignore[no-untyped-def]
    user = getattr(sim.seeded, owner)
    return next(s for s in sim.world.live_spaces() if s.user_id == user.user_id and s.name == name)


async def test_history_marker_then_live(sim: Simulator) -> None:
    desk = _space(sim, "alice", "desk")
    stream = agent_log_stream(connection(sim, "alice"), desk.space_id)
    history: list[LogLine] = []
    async for item in stream:
        if isinstance(item, HistoryEnd):
            break
        history.append(item)
    assert len(history) >= 40 and all(line.history for line in history)
    first = history[0].text
    # knot's format: grey date in the user's timezone, yellow service, coloured level
    assert first.startswith("\x1b[90m") and ("GMT" in first or "BST" in first)
    assert "\x1b[92mINF\x1b[0m" in "".join(line.text for line in history)
    assert not any(line.text.endswith("\r\n") for line in history)
    sim_agent.log(sim.world, desk, 2, "test", "a live line\nwith two rows")
    live = await asyncio.wait_for(anext(stream), 15)
    assert isinstance(live, LogLine) and not live.history
    assert live.text.endswith("\x1b[91mERR\x1b[0m a live line\r\nwith two rows")
    await stream.aclose()


async def test_no_follow_stops_at_the_marker(sim: Simulator) -> None:
    desk = _space(sim, "alice", "desk")
    items = [item async for item in agent_log_stream(connection(sim, "alice"), desk.space_id, follow=False)]
    assert isinstance(items[-1], HistoryEnd)


async def test_stream_ends_when_the_agent_goes(sim: Simulator) -> None:
    desk = _space(sim, "alice", "desk")
    stream = agent_log_stream(connection(sim, "alice"), desk.space_id)
    async for item in stream:
        if isinstance(item, HistoryEnd):
            break
    sim_agent.disconnect(sim.world, desk)
    rest = [item async for item in stream]
    assert rest and all(isinstance(i, LogLine) for i in rest)  # the shutdown line, then the end


async def test_agent_offline_closes_without_history(sim: Simulator) -> None:
    scratch = _space(sim, "alice", "scratch")
    items = [item async for item in agent_log_stream(connection(sim, "alice"), scratch.space_id)]
    assert items == []


async def test_admin_cannot_read_other_users_logs(sim: Simulator) -> None:
    desk = _space(sim, "alice", "desk")
    with pytest.raises(KnotAPIError) as info:
        async for _ in agent_log_stream(connection(sim, "admin"), desk.space_id):
            pass
    assert info.value.status == 404 and "owner" in info.value.message


async def test_names_are_refused_and_permission_is_checked(sim: Simulator) -> None:
    with pytest.raises(KnotAPIError) as info:
        async for _ in agent_log_stream(connection(sim, "alice"), "desk"):
            pass
    assert info.value.status == 400
    sim.seeded.alice.roles = []  # no role: no UseLogs
    with pytest.raises(KnotAPIError) as forbidden:
        async for _ in agent_log_stream(connection(sim, "alice"), _space(sim, "alice", "desk").space_id):
            pass
    assert forbidden.value.status == 403 and "View Logs" in forbidden.value.message


def test_only_desktops_log_desktop_lines(sim: Simulator) -> None:
    """KasmVNC and XFCE lines come from Ubuntu Desktop spaces, not from headless ones."""
    spaces = {s.name: s for s in sim.world.live_spaces() if s.user_id == sim.seeded.alice.user_id}
    desk, dev = spaces["desk"], spaces["api-dev"]
    assert desk.agent is not None and dev.agent is not None
    for n in range(14):
        sim_agent.emit_syslog(sim.world, desk, n)
        sim_agent.emit_syslog(sim.world, dev, n)

    def text(space) -> str:  # type: ignore[no-untyped-def]
        return "\n".join(entry.message for entry in space.agent.history)

    assert "kasmvnc" in text(desk) and "xfce4" in text(desk)
    assert "kasmvnc" not in text(dev) and "xfce4" not in text(dev) and "pulseaudio" not in text(dev)
