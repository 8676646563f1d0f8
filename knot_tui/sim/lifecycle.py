"""A space's lifecycle as knot drives it (`internal/container/helper/helper.go`).

Each step changes the same three DB flags knot changes, in the same order, and publishes
`space:changed` where knot does. Durations are simulated (scaled by the clock).
"""

from __future__ import annotations

from knot_tui.sim import agent
from knot_tui.sim.render import ensure_volume_data
from knot_tui.sim.world import SimSpace, World

#: Simulated durations in seconds (time_scale 1.0).
REGISTER = 0.3
IMAGE_PULL = 3.0
TASK_START = 1.0
AGENT_CONNECT = 2.0
SHUTDOWN_SCRIPT = 1.0
JOB_STOP = 1.5
VOLUME_DELETE = 1.0


def begin_start(world: World, space: SimSpace) -> None:
    """`StartSpace` up to job registration: pending, volumes, job submitted."""
    template = world.template_of(space)
    space.is_pending = True
    world.space_changed(space)
    space.started_at = world.clock.now()
    space.template_hash = template.hash if template else ""
    space.zone = world.zone
    ensure_volume_data(world, space)
    world.spawn(_run(world, space), name=f"start:{space.space_id}")


async def _run(world: World, space: SimSpace) -> None:
    """`MonitorJobState`: deployed once the job runs, then the agent registers."""
    await world.clock.sleep(REGISTER + IMAGE_PULL + TASK_START)
    if space.is_deleted or not space.is_pending or space.is_deployed:
        return
    template = world.template_of(space)
    if (space.fault or (template.fault if template else "")) == "image-pull":
        return  # the job never runs: knot keeps the space Starting while it monitors
    space.is_pending = False
    space.is_deployed = True
    world.space_changed(space)
    await world.clock.sleep(AGENT_CONNECT)
    if space.is_deployed and space.agent is None and not space.is_deleted:
        agent.connect(world, space)
        world.space_changed(space)


async def stop(world: World, space: SimSpace, *, then_start: bool = False) -> None:
    """`StopSpace`/`RestartSpace`: pending, shutdown script, deregister, then monitor."""
    space.is_pending = True
    world.space_changed(space)
    await world.clock.sleep(SHUTDOWN_SCRIPT)
    world.spawn(_finish_stop(world, space, then_start), name=f"stop:{space.space_id}")


async def _finish_stop(world: World, space: SimSpace, then_start: bool) -> None:
    agent.disconnect(world, space)
    await world.clock.sleep(JOB_STOP)
    space.is_deployed = False
    space.is_pending = False
    world.space_changed(space)
    if then_start and not space.is_deleted:
        begin_start(world, space)


def begin_delete(world: World, space: SimSpace) -> None:
    """`HandleDeleteSpace`: is_deleting (no SSE), then clean up in the background."""
    space.is_deleting = True
    world.spawn(_delete(world, space), name=f"delete:{space.space_id}")


async def _delete(world: World, space: SimSpace) -> None:
    await world.clock.sleep(VOLUME_DELETE)
    space.volume_data.clear()
    space.is_deleted = True
    space.name = space.space_id
    space.depends_on = []
    world.space_deleted(space)


def resume(world: World) -> None:
    """Carry seeded spaces that are mid-transition on to their next state."""
    for space in list(world.spaces.values()):
        if space.is_deleted:
            continue
        if space.is_deleting:
            world.spawn(_delete(world, space), name=f"delete:{space.space_id}")
        elif space.is_pending and space.is_deployed:
            world.spawn(_finish_stop(world, space, False), name=f"stop:{space.space_id}")
        elif space.is_pending:
            world.spawn(_run(world, space), name=f"start:{space.space_id}")
