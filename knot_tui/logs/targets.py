"""Which allocation and task a space's stdout/stderr come from (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass

from knot_tui.knot.models import Space, Template, User
from knot_tui.nomad.errors import NomadNotConfigured
from knot_tui.services import Services


@dataclass(frozen=True, slots=True)
class TaskTarget:
    alloc_id: str
    task: str
    namespace: str
    status: str = ""
    node: str = ""

    @property
    def label(self) -> str:
        return f"{self.task} in {self.alloc_id[:8]}"


async def task_targets(
    services: Services, space: Space, template: Template | None, owner: User | None
) -> list[TaskTarget]:
    """Every (allocation, task) of the space's job: running ones first, then newest first."""
    if services.nomad is None or services.locator is None:
        raise services.nomad_problem or NomadNotConfigured(
            "Nomad is not configured", "Set NOMAD_ADDR and NOMAD_TOKEN to read task output."
        )
    ref = await services.locator.locate(space, template, owner)
    allocs = (await services.nomad.job_allocations(ref.job_id, ref.namespace)).value
    targets: list[TaskTarget] = []
    for alloc in allocs:
        for task in sorted(alloc.task_states) or ["main"]:
            targets.append(
                TaskTarget(
                    alloc.id, task, alloc.namespace or ref.namespace, alloc.client_status, alloc.node_name
                )
            )
    # Stable: keep Nomad's newest-first order within running and not running.
    targets.sort(key=lambda t: t.status != "running")
    return targets
