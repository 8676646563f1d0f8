"""The simulated Nomad cluster behaves like Nomad, watched through the real client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from knot_tui.knot.client import KnotClient
from knot_tui.knot.models import SpaceState
from knot_tui.nomad.errors import NomadNoPathToNode
from knot_tui.nomad.gateway import NomadStreams
from knot_tui.nomad.logs import LogStreamState, follow_task_logs
from knot_tui.nomad.models import Allocation
from knot_tui.sim import Simulator, lifecycle

from ..conftest import connection
from ..nomad.conftest import GatewayFactory


async def _until(fetch: Callable, predicate: Callable, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """Follow a resource with blocking queries until `predicate(value)` holds."""
    index = 0
    deadline = asyncio.get_running_loop().time() + timeout
    history = []
    while True:
        result = await fetch(index, 5.0)
        history.append(result.value)
        if predicate(result.value):
            return result.value, history
        index = result.index
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met; last value: {result.value!r}")


def _events(alloc: Allocation) -> list[str]:
    return [e.type for state in alloc.task_states.values() for e in state.events]


async def test_a_starting_space_goes_pending_to_running_and_checks_pass(
    sim: Simulator, gateways: GatewayFactory
) -> None:
    gateway = gateways()
    scratch = next(s for s in sim.world.live_spaces() if s.name == "api-dev")
    lifecycle_space = scratch
    # stop it first, then start: watch the allocation of the new job version
    await lifecycle.stop(sim.world, lifecycle_space)
    ns, job_id = lifecycle_space.nomad_job
    await _until(lambda i, w: gateway.job(job_id, ns, index=i, wait=w), lambda j: j.status == "dead")
    async with KnotClient(connection(sim, "alice")) as knot:
        for _ in range(200):
            if (await knot.get_space(scratch.space_id)).state is SpaceState.STOPPED:
                break
            await asyncio.sleep(0.01)
        await knot.start_space(scratch.space_id)
        assert (await knot.get_space(scratch.space_id)).state is SpaceState.STARTING
    allocs, history = await _until(
        lambda i, w: gateway.job_allocations(job_id, ns, index=i, wait=w),
        lambda allocs: allocs and allocs[0].client_status == "running",
    )
    new = allocs[0]
    statuses = [a[0].client_status for a in history if a and a[0].id == new.id]
    assert statuses[0] == "pending" and statuses[-1] == "running"
    assert _events(new)[:4] == ["Received", "Task Setup", "Driver", "Started"]
    assert next(e for s in new.task_states.values() for e in s.events if e.type == "Driver").text.startswith(
        "Downloading image"
    )
    checks = await gateway.allocation_checks(new.id)
    assert {c.status for c in checks.values()} <= {"pending", "success"}
    for _ in range(200):
        checks = await gateway.allocation_checks(new.id)
        if checks and all(c.status == "success" for c in checks.values()):
            break
        await asyncio.sleep(0.01)
    assert all(c.output == "nomad: tcp ok" for c in checks.values())
    deployment, _ = await _until(
        lambda i, w: gateway.job_deployment(job_id, ns, index=i, wait=w),
        lambda d: d and d.status != "running",
    )
    assert deployment.status == "successful" and deployment.counts == (1, 1, 0)


async def test_the_docs_ping_check_fails_and_the_deployment_too(
    sim: Simulator, gateways: GatewayFactory
) -> None:
    gateway = gateways()
    space = next(s for s in sim.world.live_spaces() if s.name == "scratch")  # Ubuntu Desktop, stopped
    lifecycle.begin_start(sim.world, space)
    ns, job_id = space.nomad_job
    deployment, _ = await _until(
        lambda i, w: gateway.job_deployment(job_id, ns, index=i, wait=w),
        lambda d: d and d.status != "running",
    )
    assert deployment.status == "failed" and deployment.status_description.startswith(
        "Failed due to unhealthy allocations"
    )
    alloc = (await gateway.job_allocations(job_id, ns)).value[0]
    assert alloc.healthy is False and "Alloc Unhealthy" in _events(alloc)


async def test_flapping_check_restarts_the_task(sim: Simulator, gateways: GatewayFactory) -> None:
    gateway = gateways()
    flaky = next(s for s in sim.world.live_spaces() if s.name == "flaky")
    ns, job_id = flaky.nomad_job
    allocs, _ = await _until(
        lambda i, w: gateway.job_allocations(job_id, ns, index=i, wait=w),
        lambda allocs: allocs and allocs[0].restarts >= 1,
    )
    alloc = (await gateway.allocation(allocs[0].id)).value
    signaled = [e for s in alloc.task_states.values() for e in s.events if e.type == "Restart Signaled"]
    assert signaled and signaled[0].text == 'healthcheck: check "sshd" unhealthy'
    assert signaled[0].details.get("restart_reason") == 'healthcheck: check "sshd" unhealthy'


async def test_image_pull_failure_leaves_a_failed_allocation(
    sim: Simulator, gateways: GatewayFactory
) -> None:
    gateway = gateways()
    space = next(s for s in sim.world.live_spaces() if s.name == "gpu-test")
    ns, job_id = space.nomad_job
    allocs, _ = await _until(
        lambda i, w: gateway.job_allocations(job_id, ns, index=i, wait=w),
        lambda allocs: allocs and allocs[-1].client_status == "failed",
    )
    failed = allocs[-1]
    failure = next(e for s in failed.task_states.values() for e in s.events if e.type == "Driver Failure")
    assert failure.fails_task and "manifest unknown" in failure.text
    assert (await gateway.job(job_id, ns)).value.status == "pending"  # Nomad keeps rescheduling
    assert next(s for s in sim.world.live_spaces() if s.name == "gpu-test").is_pending  # knot: Starting


async def test_a_node_that_goes_away(sim: Simulator, gateways: GatewayFactory, streams: NomadStreams) -> None:
    gateway = gateways()
    ops = next(s for s in sim.world.live_spaces() if s.name == "ops-console")
    ns, job_id = ops.nomad_job
    allocs, _ = await _until(
        lambda i, w: gateway.job_allocations(job_id, ns, index=i, wait=w),
        lambda allocs: allocs and allocs[0].client_status == "unknown",
    )
    alloc = allocs[0]
    assert alloc.node_name == "nomad-client-3"
    try:
        await gateway.allocation_checks(alloc.id)
        raise AssertionError("checks of an alloc on a gone node must fail")
    except NomadNoPathToNode as exc:
        assert "unreachable" in exc.message
    stream = follow_task_logs(streams.http, alloc.id, "dev", "stdout")
    first = await asyncio.wait_for(anext(stream), 15)
    await stream.aclose()
    assert (
        isinstance(first, LogStreamState)
        and first.state == "reconnecting"
        and "No path to node" in first.detail
    )
    # knot loses the agent in that allocation: the space reads unhealthy, without agent state.
    async with KnotClient(connection(sim, "admin")) as knot:
        space = await knot.get_space(ops.space_id)
    assert space.state is SpaceState.RUNNING and not space.has_state and not space.healthy


async def test_stop_deregisters(sim: Simulator, gateways: GatewayFactory) -> None:
    gateway = gateways()
    desk = next(
        s for s in sim.world.live_spaces() if s.name == "desk" and s.user_id == sim.seeded.alice.user_id
    )
    ns, job_id = desk.nomad_job
    service = f"knot-{desk.space_id}"
    assert sim.world.nomad.consul_checks.get(service)
    async with KnotClient(connection(sim, "alice")) as knot:
        await knot.stop_space(desk.space_id)
    job, _ = await _until(lambda i, w: gateway.job(job_id, ns, index=i, wait=w), lambda j: j.status == "dead")
    assert job.stop is True
    (alloc,) = (await gateway.job_allocations(job_id, ns)).value
    assert (alloc.desired_status, alloc.client_status) == ("stop", "complete")
    assert _events(alloc)[-3:] == ["Killing", "Terminated", "Killed"]
    assert service not in sim.world.nomad.consul_checks
    volume = (await gateway.csi_volume(f"ubuntu_{desk.space_id}_home", "default")).value
    assert volume.allocations == []
