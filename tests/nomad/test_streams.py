"""Log and event streams against the simulator: resume without loss or duplicates."""

from __future__ import annotations

import asyncio

from knot_tui.knot.events import Backoff
from knot_tui.nomad.consul import ConsulClient
from knot_tui.nomad.errors import NomadPermissionDenied
from knot_tui.nomad.events import EventBatch, EventStreamState, event_stream, job_topics
from knot_tui.nomad.gateway import NomadStreams
from knot_tui.nomad.logs import LogData, LogStreamState, follow_task_logs
from knot_tui.sim import Simulator

from .conftest import GatewayFactory

FAST = Backoff(first=0.01, cap=0.05)


def _running(sim: Simulator, name: str):  # type: ignore[no-untyped-def]
    space = next(s for s in sim.world.live_spaces() if s.name == name)
    namespace, job_id = space.nomad_job
    alloc = next(a for a in sim.world.nomad.job_allocs(namespace, job_id) if a.client_status == "running")
    return space, alloc


async def test_log_follow_resumes_after_drops_without_gap_or_duplicate(
    sim: Simulator, streams: NomadStreams
) -> None:
    _, alloc = _running(sim, "api-dev")
    log = alloc.logs[("dev", "stdout")]
    log.data += b"".join(f"line {i:05d} of a long history\n".encode() for i in range(3000))
    total = len(log.data)
    sim.nomad_options["log_drops"] = [4_001 + 97 * i for i in range(20)]  # cut 20 connections, mid-frame
    got = bytearray()
    reconnects = 0
    stream = follow_task_logs(streams.http, alloc.id, "dev", "stdout", tail_bytes=10**9, backoff=FAST)
    async for item in stream:
        if isinstance(item, LogData):
            got += item.data
            if len(got) >= total:
                break
        elif isinstance(item, LogStreamState) and item.state == "reconnecting":
            reconnects += 1
    await stream.aclose()
    assert reconnects == 20
    assert bytes(got) == bytes(log.data[: len(got)]) and len(got) >= total


async def test_log_frames_split_into_tiny_writes(sim: Simulator, streams: NomadStreams) -> None:
    _, alloc = _running(sim, "api-dev")
    sim.nomad_options["split_frames"] = 7  # every write cuts frames into 7-byte pieces
    got = b""
    async for item in follow_task_logs(streams.http, alloc.id, "dev", "stdout", follow=False):
        if isinstance(item, LogData):
            got += item.data
    assert got == bytes(alloc.logs[("dev", "stdout")].data)


async def test_log_tail_starts_near_the_end(sim: Simulator, streams: NomadStreams) -> None:
    _, alloc = _running(sim, "api-dev")
    log = alloc.logs[("dev", "stdout")]
    log.data += b"x" * 100_000 + b"\n"
    got = b""
    async for item in follow_task_logs(
        streams.http, alloc.id, "dev", "stdout", tail_bytes=1000, follow=False
    ):
        if isinstance(item, LogData):
            got += item.data
    assert len(got) == 1000 and bytes(log.data).endswith(got)


async def test_log_follow_sees_new_lines_live(sim: Simulator, streams: NomadStreams) -> None:
    _, alloc = _running(sim, "api-dev")
    stream = follow_task_logs(streams.http, alloc.id, "dev", "stderr", tail_bytes=0, backoff=FAST)
    assert (await anext(stream)) == LogStreamState("live")
    alloc.logs[("dev", "stderr")].data += b"fresh error line\n"
    got = b""
    while b"fresh error line\n" not in got:
        item = await asyncio.wait_for(anext(stream), 15)
        if isinstance(item, LogData):
            got += item.data
    await stream.aclose()


async def test_event_stream_topics_dedup_and_resume(sim: Simulator, streams: NomadStreams) -> None:
    space, alloc = _running(sim, "api-dev")
    namespace, job_id = space.nomad_job
    stream = event_stream(streams.http, job_topics([job_id]), namespace=namespace, index=1, backoff=FAST)
    seen: list[int] = []

    async def collect(until) -> None:  # type: ignore[no-untyped-def]
        async for item in stream:
            if isinstance(item, EventBatch):
                assert all(e.key == alloc.id or job_id in (e.key, *e.filter_keys) for e in item.events)
                seen.append(item.index)
                if until(item):
                    return

    await asyncio.wait_for(collect(lambda b: True), 5)  # the buffered history
    cluster = sim.world.nomad
    sim.nomad_options["drop_event_streams"] = 1
    cluster._touch(alloc)
    cluster._touch(alloc)
    target = alloc.modify_index
    await asyncio.wait_for(collect(lambda b: b.index >= target), 15)
    assert seen == sorted(seen) and len(seen) == len(set(seen)), "batches repeated or out of order"
    await stream.aclose()


async def test_event_stream_denied_like_nomad_2(sim: Simulator, gateways: GatewayFactory) -> None:
    nobody = NomadStreams(gateways("nobody"))
    items = [
        i
        async for i in event_stream(
            nobody.http, job_topics(["api-dev-alice"]), namespace="alice", backoff=FAST
        )
    ]
    assert items == [
        EventStreamState("denied", "the event stream closed without data (probably not permitted)")
    ]
    sim.nomad_options["event_acl"] = "403"  # Nomad 1.x answers 403
    items = [
        i
        async for i in event_stream(
            nobody.http, job_topics(["api-dev-alice"]), namespace="alice", backoff=FAST
        )
    ]
    assert items[0].state == "denied" and isinstance(items[0].error, NomadPermissionDenied)
    await nobody.close()


async def test_consul_blocking_and_acl(sim: Simulator, consul: ConsulClient) -> None:
    space = next(
        s for s in sim.world.live_spaces() if s.name == "desk" and s.user_id == sim.seeded.alice.user_id
    )
    service = f"knot-{space.space_id}"
    first = await consul.health_checks(service)
    (check,) = first.value
    assert check.status == "critical" and "connection refused" in check.output and check.name == "alive"
    waiter = asyncio.ensure_future(consul.health_checks(service, index=first.index, wait=30))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    cluster = sim.world.nomad
    alloc = cluster.allocs[check.alloc_id]
    cluster._set_checks(alloc, ok=True)
    woke = await asyncio.wait_for(waiter, 15)
    assert woke.value[0].status == "passing" and woke.index > first.index
    from knot_tui.config import ConsulSettings

    anonymous = ConsulClient(ConsulSettings(addr=sim.consul_url))
    try:
        await anonymous.health_checks(service)
        raise AssertionError("expected a permission error")
    except NomadPermissionDenied as exc:
        assert "CONSUL_HTTP_TOKEN" in exc.remedy
    await anonymous.close()


def test_event_batches_with_ill_typed_fields_are_read_not_raised() -> None:
    """Found by tests/reliability/test_payloads.py: Events as a number, an Index as text."""
    from knot_tui.nomad.events import parse_batch

    assert parse_batch('{"Index": 5, "Events": 7}').events == ()  # type: ignore[union-attr]
    batch = parse_batch('{"Index": 5, "Events": [{"Topic": "Job", "Index": "x"}]}')
    assert batch is not None and batch.events[0].index == 5
