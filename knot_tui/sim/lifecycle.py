"""A space's lifecycle as knot drives it (`internal/container/helper/helper.go`).

Each step changes the same three DB flags knot changes, in the same order, and publishes
`space:changed` where knot does. For Nomad templates knot creates the CSI volumes, registers
the rendered job and then polls the job every 500 ms (`MonitorJobState`): the space is
deployed once Nomad says `running`, and stopped once the job is `dead` or gone. Other
platforms use plain timers. Durations are simulated (scaled by the clock).
"""

from __future__ import annotations

from knot_tui.sim import agent
from knot_tui.sim.jobspec import job_for
from knot_tui.sim.render import ensure_volume_data, render_volumes, template_data
from knot_tui.sim.world import SimSpace, World

#: Simulated durations in seconds (time_scale 1.0).
REGISTER = 0.3
CONTAINER_START = 4.3  # non-Nomad platforms: pull and start
AGENT_CONNECT = 2.0
SHUTDOWN_SCRIPT = 1.0
JOB_STOP = 1.5
VOLUME_DELETE = 1.0
MONITOR_PERIOD = 0.5
MONITOR_LIMIT = 30 * 60.0


def _fault(world: World, space: SimSpace) -> str:
    template = world.template_of(space)
    return space.fault or (template.fault if template else "")


def _is_nomad(world: World, space: SimSpace) -> bool:
    template = world.template_of(space)
    return template is not None and template.platform == "nomad" and not world.is_remote(space)


def register_job(world: World, space: SimSpace, *, settled: bool = False) -> None:
    """`CreateSpaceVolumes` + `CreateSpaceJob`: volumes, then the rendered job."""
    template = world.template_of(space)
    assert template is not None
    for volume in render_volumes(world, space):
        if volume["type"] == "csi":
            world.nomad.create_volume(volume)
    spec = job_for(template.job, template_data(world, space))
    job = world.nomad.register(space, spec, fault=_fault(world, space), settled=settled)
    space.nomad_job = (job.namespace, job.id)


def begin_start(world: World, space: SimSpace) -> None:
    """`StartSpace` up to job registration: pending, volumes, job submitted."""
    template = world.template_of(space)
    space.is_pending = True
    world.space_changed(space)
    space.started_at = world.clock.now()
    space.template_hash = template.hash if template else ""
    space.zone = world.zone
    ensure_volume_data(world, space)
    if _is_nomad(world, space):
        register_job(world, space)
    world.spawn(_run(world, space), name=f"start:{space.space_id}")


def _job_status(world: World, space: SimSpace) -> str:
    if space.nomad_job is None:
        return ""
    job = world.nomad.jobs.get(space.nomad_job)
    return job.status if job is not None else "dead"


async def _run(world: World, space: SimSpace) -> None:
    """`MonitorJobState`: deployed once the job runs, then the agent registers."""
    if space.nomad_job is not None:
        waited = 0.0
        while waited < MONITOR_LIMIT:
            await world.clock.sleep(MONITOR_PERIOD)
            waited += MONITOR_PERIOD
            if space.is_deleted or not space.is_pending or space.is_deployed:
                return
            status = _job_status(world, space)
            if status == "running":
                break
            if status == "dead":
                space.is_pending = False
                world.space_changed(space)
                return
        else:
            return
    else:
        await world.clock.sleep(REGISTER + CONTAINER_START)
        if space.is_deleted or not space.is_pending or space.is_deployed:
            return
        if _fault(world, space) == "image-pull":
            return  # the container never starts: knot keeps the space Starting
    space.is_pending = False
    space.is_deployed = True
    world.space_changed(space)
    await world.clock.sleep(AGENT_CONNECT)
    if space.is_deployed and not space.is_pending and space.agent is None and not space.is_deleted:
        agent.connect(world, space)
        world.space_changed(space)


async def stop(world: World, space: SimSpace, *, then_start: bool = False) -> None:
    """`StopSpace`/`RestartSpace`: pending, shutdown script, deregister, then monitor."""
    space.is_pending = True
    world.space_changed(space)
    await world.clock.sleep(SHUTDOWN_SCRIPT)
    if space.nomad_job is not None:
        world.nomad.deregister(*space.nomad_job)
    world.spawn(_finish_stop(world, space, then_start), name=f"stop:{space.space_id}")


async def _finish_stop(world: World, space: SimSpace, then_start: bool) -> None:
    agent.disconnect(world, space)
    if space.nomad_job is not None:
        waited = 0.0
        while _job_status(world, space) != "dead" and waited < MONITOR_LIMIT:
            await world.clock.sleep(MONITOR_PERIOD)
            waited += MONITOR_PERIOD
    else:
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
    for volume_id, volume in list(space.volume_data.items()):
        if volume.get("type") == "csi":
            world.nomad.delete_volume(volume.get("Namespace", "default"), volume_id)
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
            if _is_nomad(world, space) and space.nomad_job is None:
                register_job(world, space)
            world.spawn(_run(world, space), name=f"start:{space.space_id}")
        elif space.is_deployed:
            world.nomad.resume(space)
        if _fault(world, space) == "node-away" and space.nomad_job is not None:
            world.spawn(world.nomad.node_goes_away_later(world.nomad.spare_node), name="node-away")
