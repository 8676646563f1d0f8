"""The gateway, Consul client and locator against the simulator, with several tokens."""

from __future__ import annotations

import asyncio
import time

import pytest

from knot_tui.config import NomadSettings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.models import Space, SpaceState
from knot_tui.nomad.consul import ConsulClient
from knot_tui.nomad.errors import (
    NomadNoPathToNode,
    NomadNotConfigured,
    NomadNotFound,
    NomadPermissionDenied,
    NomadUnreachable,
)
from knot_tui.nomad.gateway import NomadGateway, NomadStreams
from knot_tui.nomad.locator import JobLocator, JobNotFound, JobRef, NotANomadSpace
from knot_tui.nomad.logs import LogData, LogStreamState, follow_task_logs
from knot_tui.sim import Simulator

from ..conftest import connection
from .conftest import GatewayFactory


async def _spaces(sim: Simulator, who: str) -> tuple[KnotClient, list[Space]]:
    client = KnotClient(connection(sim, who))
    if who == "admin":
        return client, await client.list_spaces()
    _, spaces = await client.my_spaces()
    return client, spaces


@pytest.mark.parametrize(
    ("knot_user", "nomad_token"), [("alice", "alice"), ("bob", "bob"), ("admin", "management")]
)
async def test_every_running_space_is_fully_visible(
    sim: Simulator,
    gateways: GatewayFactory,
    streams: NomadStreams,
    consul: ConsulClient,
    knot_user: str,
    nomad_token: str,
) -> None:
    """For each running Nomad space: job, allocations, checks (Nomad or Consul), volume, logs."""
    gateway = gateways(nomad_token)
    knot, spaces = await _spaces(sim, knot_user)
    locator = JobLocator(gateway, server_url=sim.knot_url)
    seen = 0
    async with knot:
        for space in spaces:
            if space.state is not SpaceState.RUNNING or space.platform != "nomad" or space.is_remote:
                continue
            if knot_user == "alice" and space.username != "alice":
                continue  # shared with alice, in bob's namespace: see the 403 test
            template = await knot.template(space.template_id)
            ref = await locator.locate(space, template)
            assert ref.verified, space.name
            job = (await gateway.job(ref.job_id, ref.namespace)).value
            assert job.env_value("KNOT_SPACEID") == space.space_id
            allocs = (await gateway.job_allocations(ref.job_id, ref.namespace)).value
            alloc = allocs[0]
            assert alloc.client_status in ("running", "unknown")
            read = (await gateway.allocation(alloc.id)).value
            assert read.id == alloc.id and read.task_states
            group = job.task_groups[0]
            for _task, service in group.all_services():
                if service.is_nomad:
                    if alloc.client_status == "unknown":
                        with pytest.raises(NomadNoPathToNode):
                            await gateway.allocation_checks(alloc.id)
                    else:
                        checks = await gateway.allocation_checks(alloc.id)
                        assert {c.service for c in checks.values()} == {service.name}
                else:
                    consul_checks = (await consul.health_checks(service.name)).value
                    assert {c.alloc_id for c in consul_checks} == {alloc.id}
            for volume in group.volumes.values():
                csi = (await gateway.csi_volume(volume.source, ref.namespace)).value
                assert csi.id == volume.source and alloc.id in {a.id for a in csi.allocations}
            if alloc.client_status == "running":
                task = next(iter(alloc.task_states))
                got = b""
                async for item in follow_task_logs(streams.http, alloc.id, task, "stdout", follow=False):
                    if isinstance(item, LogData):
                        got += item.data
                assert b"knot-entrypoint" in got
            seen += 1
    assert seen >= 1


async def test_a_token_without_access_gets_the_mapped_403(sim: Simulator, gateways: GatewayFactory) -> None:
    nobody = gateways("nobody")
    with pytest.raises(NomadPermissionDenied) as info:
        await nobody.job("api-dev-alice", "alice")
    assert info.value.capability == "read-job" and info.value.namespace == "alice"
    assert "namespace alice" in info.value.message and "read-job" in info.value.message
    # alice's token may not read bob's namespace
    with pytest.raises(NomadPermissionDenied) as other:
        await gateways("alice").job_allocations("lab-bob", "bob")
    assert other.value.namespace == "bob"
    # an alloc the token may not read is a 500 "Unknown allocation" in Nomad: mapped too
    mgmt = gateways("management")
    alloc = (await mgmt.job_allocations("lab-bob", "bob")).value[0]
    with pytest.raises(NomadPermissionDenied):
        await gateways("alice").allocation(alloc.id)


async def test_shared_space_in_another_namespace(sim: Simulator, gateways: GatewayFactory) -> None:
    async with KnotClient(connection(sim, "alice")) as knot:
        me, spaces = await knot.my_spaces()
        lab = next(s for s in spaces if s.name == "lab")  # bob's, shared with alice
        template = await knot.template(lab.template_id)
    locator = JobLocator(gateways("alice"), server_url=sim.knot_url)
    assert locator.candidate(lab, template, me) == JobRef("lab-bob", "bob", "template", verified=False)
    ref = await locator.locate(lab, template, me)  # the viewer is not the owner: .user is bob
    assert (ref.job_id, ref.namespace, ref.verified) == ("lab-bob", "bob", False)


async def test_unknown_token_and_unreachable_and_not_configured(sim: Simulator) -> None:
    stranger = NomadGateway(NomadSettings(addr=sim.nomad_url, token="00000000-0000-0000-0000-000000000000"))
    with pytest.raises(NomadPermissionDenied, match="ACL token not found"):
        await stranger.token_self()
    await stranger.close()
    gone = NomadGateway(NomadSettings(addr="http://127.0.0.1:9", token="x"))
    with pytest.raises(NomadUnreachable, match="Cannot connect to Nomad"):
        await gone.namespaces()
    await gone.close()
    with pytest.raises(NomadNotConfigured):
        NomadGateway(NomadSettings())


async def test_not_found(gateways: GatewayFactory) -> None:
    gateway = gateways()
    with pytest.raises(NomadNotFound):
        await gateway.job("no-such-job", "default")
    assert (await gateway.job_allocations("no-such-job", "default")).value == []
    assert (await gateway.job_deployment("no-such-job", "default")).value is None


async def test_token_self_and_namespaces(gateways: GatewayFactory) -> None:
    assert (await gateways().token_self()).management
    alice = gateways("alice")
    token = await alice.token_self()
    assert token.type == "client" and not token.management
    assert {n.name for n in await alice.namespaces()} == {"alice", "default"}


async def test_blocking_query_wakes_on_change_and_returns_at_wait(
    sim: Simulator, gateways: GatewayFactory
) -> None:
    gateway = gateways()
    space = next(s for s in sim.world.live_spaces() if s.name == "api-dev")
    ns, job_id = space.nomad_job
    alloc = (await gateway.job_allocations(job_id, ns)).value[0]
    first = await gateway.allocation(alloc.id)

    # No change: the query is held until `wait` (plus Nomad's jitter of up to wait/16).
    started = time.monotonic()
    again = await gateway.allocation(alloc.id, index=first.index, wait=1.0)
    held = time.monotonic() - started
    assert 0.95 <= held <= 6.0 and again.index == first.index  # held for the wait (1 s), no more

    # A change wakes it promptly.
    waiter = asyncio.ensure_future(gateway.allocation(alloc.id, index=first.index, wait=30.0))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    started = time.monotonic()
    cluster = sim.world.nomad
    cluster._touch(cluster.allocs[alloc.id])
    woke = await asyncio.wait_for(waiter, 15)
    assert time.monotonic() - started < 5.0 and woke.index > first.index  # woken, not the 30 s wait


async def test_not_a_nomad_space_and_not_found(sim: Simulator, gateways: GatewayFactory) -> None:
    locator = JobLocator(gateways(), server_url=sim.knot_url)
    with pytest.raises(NotANomadSpace):
        await locator.locate(Space(space_id="x", name="sandbox", platform="docker"))
    with pytest.raises(JobNotFound, match="No Nomad job found for space ghost"):
        await locator.locate(Space(space_id="x", name="ghost", platform="nomad", username="alice"))


async def test_log_stream_refusals(sim: Simulator, streams: NomadStreams, gateways: GatewayFactory) -> None:
    space = next(s for s in sim.world.live_spaces() if s.name == "api-dev")
    alloc = (await gateways().job_allocations(space.nomad_job[1], space.nomad_job[0])).value[0]
    items = [i async for i in follow_task_logs(streams.http, alloc.id, "nope", "stdout", follow=False)]
    assert items[0].state == "failed" and 'unknown task name "nope"' in items[0].detail
    nobody = NomadStreams(gateways("nobody"))
    items = [i async for i in follow_task_logs(nobody.http, alloc.id, "dev", "stdout", follow=False)]
    assert isinstance(items[0], LogStreamState) and items[0].state == "failed"
    assert isinstance(items[0].error, NomadPermissionDenied) and items[0].error.capability == "read-logs"
    await nobody.close()
