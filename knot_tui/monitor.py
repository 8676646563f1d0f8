"""Everything Nomad and Consul know about one space, live, as one stream (no Textual here).

`SpaceMonitor.run()` finds the space's job (retrying while it does not exist yet, e.g. a
space still starting), then runs one watcher per pane and merges what they yield:

- blocking queries for the job, its allocations, the selected allocation, the latest
  deployment, each CSI volume and each Consul service's checks;
- the Nomad-native checks of the selected allocation, polled every 2 s and only while
  someone looks at them (`set_checks_visible`);
- the job's Nomad event stream, where the token allows it (`EVENTS`: each event, and the
  stream's state; a refused stream leaves the blocking queries to do the work alone).

Each item is `PaneData(pane, value)` or `PaneProblem(pane, error)`, so a 403 in one pane
never breaks another.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from knot_tui.knot.models import Space, SpaceState, Template, User
from knot_tui.nomad.errors import NomadError, NomadNotConfigured
from knot_tui.nomad.events import EventBatch, EventStreamState, event_stream, job_topics
from knot_tui.nomad.locator import JobRef, NotANomadSpace
from knot_tui.nomad.models import Allocation, Job
from knot_tui.nomad.watch import Snapshot, WatchError, poll, watch
from knot_tui.services import Services

LOCATE_RETRY = 3.0
LOCATE_RETRY_STOPPED = 30.0  # a stopped space's job may be gone for good: look rarely
CHECKS_PERIOD = 2.0

# Pane names.
JOB = "job"
ALLOCATIONS = "allocations"
ALLOCATION = "allocation"
DEPLOYMENT = "deployment"
NOMAD_CHECKS = "checks:nomad"
CONSUL_CHECKS = "checks:consul"
VOLUME = "volume"
EVENTS = "events"


@dataclass(frozen=True, slots=True)
class PaneData:
    pane: str
    value: Any
    key: str = ""  # the service (Consul) or volume id, for panes with several sources
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class PaneProblem:
    pane: str
    error: NomadError
    retry_in: float = 0.0
    key: str = ""


MonitorItem = PaneData | PaneProblem


class SpaceMonitor:
    def __init__(
        self,
        services: Services,
        space: Space,
        template: Template | None,
        owner: User | None = None,
        *,
        wait: float = 60.0,
        checks_period: float = CHECKS_PERIOD,
    ) -> None:
        self.services = services
        self.space = space
        self.template = template
        self.owner = owner
        self.wait = wait
        self.checks_period = checks_period
        self.ref: JobRef | None = None
        self._queue: asyncio.Queue[MonitorItem] = asyncio.Queue()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._selected: str | None = None
        self._follow_newest = True
        self._checks_visible = True
        self._nomad_services = False
        self._consul_services: set[str] = set()
        self._volumes: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()

    # ---- control -----------------------------------------------------------------------

    @property
    def selected_alloc(self) -> str | None:
        return self._selected

    @property
    def following_newest(self) -> bool:
        return self._follow_newest

    def select_alloc(self, alloc_id: str, *, newest: bool = False) -> None:
        """Show this allocation (and its checks); `newest=True` goes back to following
        whichever allocation is newest."""
        self._follow_newest = newest
        if alloc_id != self._selected:
            self._watch_alloc(alloc_id)

    def nudge(self) -> None:
        """Look for the job now instead of at the next retry (knot says the space changed)."""
        self._wake.set()

    def update_space(self, space: Space) -> None:
        """knot's newer view of the space; a change of state looks for the job at once."""
        changed = space.state != self.space.state
        self.space = space
        if changed:
            self.nudge()

    def set_checks_visible(self, visible: bool) -> None:
        """Poll Nomad-native checks only while they are on screen."""
        self._checks_visible = visible
        if not visible:
            self._stop("poll:checks")
        elif self._selected and self._nomad_services:
            self._start_checks(self._selected)

    # ---- the stream --------------------------------------------------------------------

    async def run(self) -> AsyncIterator[MonitorItem]:
        services = self.services
        if services.nomad is None or services.locator is None:
            problem = services.nomad_problem or NomadNotConfigured("Nomad is not configured")
            yield PaneProblem(JOB, problem)
            return
        try:
            self._spawn("locate", self._locate())
            while True:
                yield await self._queue.get()
        finally:
            for task in self._tasks.values():
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            self._tasks.clear()

    def _spawn(self, name: str, coro: Awaitable[None]) -> None:
        self._stop(name)
        self._tasks[name] = asyncio.ensure_future(coro)

    def _stop(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()

    async def _emit(self, item: MonitorItem) -> None:
        await self._queue.put(item)

    async def _locate(self) -> None:
        services = self.services
        assert services.locator is not None
        while True:
            try:
                self.ref = await services.locator.locate(self.space, self.template, self.owner)
            except NotANomadSpace as exc:
                await self._emit(PaneProblem(JOB, exc))
                return
            except NomadError as exc:  # JobNotFound included: a space not started yet
                retry = LOCATE_RETRY_STOPPED if self.space.state is SpaceState.STOPPED else LOCATE_RETRY
                await self._emit(PaneProblem(JOB, exc, retry))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), retry)
                continue
            break
        ref = self.ref
        nomad = services.nomad
        assert nomad is not None
        self._spawn(
            "watch:job",
            self._pump(
                JOB, lambda i, w: nomad.job(ref.job_id, ref.namespace, index=i, wait=w), self._job_seen
            ),
        )
        self._spawn(
            "watch:allocations",
            self._pump(
                ALLOCATIONS,
                lambda i, w: nomad.job_allocations(ref.job_id, ref.namespace, index=i, wait=w),
                self._allocs_seen,
            ),
        )
        self._spawn(
            "watch:deployment",
            self._pump(
                DEPLOYMENT, lambda i, w: nomad.job_deployment(ref.job_id, ref.namespace, index=i, wait=w)
            ),
        )
        for volume_id, volume in self.space.volume_data.items():
            if volume.type in ("", "csi"):
                self._watch_volume(volume_id, volume.namespace or ref.namespace)

    async def _events(self, ref: JobRef, index: int) -> None:
        """Nomad's events for the job from `index` on (what happens after the snapshot)."""
        streams = self.services.streams
        assert streams is not None
        async for item in event_stream(
            streams.http,
            job_topics([ref.job_id]),
            namespace=ref.namespace,
            index=index,
            extensions=streams.extensions,
        ):
            if isinstance(item, EventBatch):
                for event in item.events:
                    await self._emit(PaneData(EVENTS, event, at=time.monotonic()))
            elif isinstance(item, EventStreamState):
                await self._emit(PaneData(EVENTS, item, at=time.monotonic()))

    async def _pump(
        self,
        pane: str,
        fetch: Callable[[int, float], Awaitable[Any]],
        seen: Callable[[Any, int], Awaitable[None]] | None = None,
        key: str = "",
    ) -> None:
        async for item in watch(fetch, wait=self.wait):
            if isinstance(item, WatchError):
                await self._emit(PaneProblem(pane, item.error, item.retry_in, key))
                continue
            assert isinstance(item, Snapshot)
            await self._emit(PaneData(pane, item.value, key, item.at))
            if seen is not None:
                await seen(item.value, item.index)

    # ---- reactions -----------------------------------------------------------------------

    async def _job_seen(self, job: Job, _index: int) -> None:
        consul: set[str] = set()
        nomad_native = False
        for group in job.task_groups:
            for _task, service in group.all_services():
                if service.is_nomad:
                    nomad_native = True
                elif service.name:
                    consul.add(service.name)
            for volume in group.volumes.values():
                if volume.type == "csi" and volume.source:
                    self._watch_volume(volume.source, job.namespace or "default")
        self._nomad_services = nomad_native
        for service in sorted(consul - self._consul_services):
            self._watch_consul(service)
        self._consul_services |= consul
        if nomad_native and self._selected and self._checks_visible and "poll:checks" not in self._tasks:
            self._start_checks(self._selected)

    async def _allocs_seen(self, allocs: list[Allocation], index: int) -> None:
        # The allocation list answers with the table's index, the newest of the snapshots:
        # follow the event stream from just after it (what happens from now on).
        if "events" not in self._tasks and self.ref is not None and self.services.streams is not None:
            self._spawn("events", self._events(self.ref, index + 1 if index else 0))
        if not allocs:
            return
        newest = allocs[0].id
        if self._selected is None or (self._follow_newest and newest != self._selected):
            self._watch_alloc(newest)

    def _watch_alloc(self, alloc_id: str) -> None:
        nomad = self.services.nomad
        assert nomad is not None
        self._selected = alloc_id
        self._spawn(
            "watch:allocation",
            self._pump(ALLOCATION, lambda i, w: nomad.allocation(alloc_id, index=i, wait=w), key=alloc_id),
        )
        if self._nomad_services and self._checks_visible:
            self._start_checks(alloc_id)

    def _start_checks(self, alloc_id: str) -> None:
        nomad = self.services.nomad
        assert nomad is not None

        async def run() -> None:
            async for item in poll(lambda: nomad.allocation_checks(alloc_id), period=self.checks_period):
                if isinstance(item, WatchError):
                    await self._emit(PaneProblem(NOMAD_CHECKS, item.error, item.retry_in, alloc_id))
                else:
                    await self._emit(PaneData(NOMAD_CHECKS, item.value, alloc_id, item.at))

        self._spawn("poll:checks", run())

    def _watch_consul(self, service: str) -> None:
        consul = self.services.consul
        if consul is None:
            problem = self.services.consul_problem or NomadNotConfigured("Consul is not configured")
            self._spawn(f"consul:{service}", self._emit(PaneProblem(CONSUL_CHECKS, problem, key=service)))
            return
        self._spawn(
            f"consul:{service}",
            self._pump(
                CONSUL_CHECKS, lambda i, w: consul.health_checks(service, index=i, wait=w), key=service
            ),
        )

    def _watch_volume(self, volume_id: str, namespace: str) -> None:
        if (volume_id, namespace) in self._volumes:
            return
        self._volumes.add((volume_id, namespace))
        nomad = self.services.nomad
        assert nomad is not None
        self._spawn(
            f"volume:{volume_id}",
            self._pump(
                VOLUME, lambda i, w: nomad.csi_volume(volume_id, namespace, index=i, wait=w), key=volume_id
            ),
        )


__all__ = [
    "ALLOCATION",
    "ALLOCATIONS",
    "CONSUL_CHECKS",
    "DEPLOYMENT",
    "EVENTS",
    "JOB",
    "NOMAD_CHECKS",
    "VOLUME",
    "MonitorItem",
    "PaneData",
    "PaneProblem",
    "SpaceMonitor",
]
