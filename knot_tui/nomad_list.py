"""Nomad's view of every listed space, from one blocking query (no Textual here).

`NomadList` watches `/v1/jobs?namespace=*` with a blocking query and maps each space to its
job through the template (`JobLocator.candidate`, no request per space). Each update says
which spaces' allocation summaries changed, so only their rows are redrawn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knot_tui.knot.models import Space, Template, User
from knot_tui.nomad.errors import NomadError, NomadPermissionDenied
from knot_tui.nomad.summary import AllocSummary, JobIndex

if TYPE_CHECKING:
    from knot_tui.nomad.gateway import NomadGateway
    from knot_tui.nomad.locator import JobLocator, JobRef


@dataclass(frozen=True, slots=True)
class NomadListStatus:
    state: str  # "connecting" | "live" | "down" | "denied"
    detail: str = ""
    retry_in: float = 0.0


@dataclass(frozen=True, slots=True)
class NomadListChanged:
    jobs: frozenset[tuple[str, str]]


class NomadList:
    def __init__(self, gateway: NomadGateway, locator: JobLocator, *, wait: float = 60.0) -> None:
        self.gateway = gateway
        self.locator = locator
        self.index = JobIndex()
        self.wait = wait
        self._refs: dict[tuple[str, str], JobRef | None] = {}

    def job_of(self, space: Space, template: Template | None, owner: User | None) -> JobRef | None:
        key = (space.space_id, template.hash if template else "")
        if key not in self._refs:
            self._refs[key] = self.locator.candidate(space, template, owner)
        return self._refs[key]

    def summary(self, space: Space, template: Template | None, owner: User | None) -> AllocSummary | None:
        ref = self.job_of(space, template, owner)
        return self.index.get(ref.namespace, ref.job_id) if ref else None

    async def run(self) -> AsyncIterator[NomadListStatus | NomadListChanged]:
        yield NomadListStatus("connecting")
        live = False
        from knot_tui.nomad.watch import Snapshot, WatchError, watch  # after the first paint

        async for item in watch(
            lambda index, wait: self.gateway.jobs(namespace="*", index=index, wait=wait),
            wait=self.wait,
        ):
            if isinstance(item, WatchError):
                live = False
                state = "denied" if isinstance(item.error, NomadPermissionDenied) else "down"
                yield NomadListStatus(state, item.error.message, item.retry_in)
                continue
            assert isinstance(item, Snapshot)
            if not live:
                live = True
                yield NomadListStatus("live")
            changed = self.index.update(item.value)
            if changed:
                yield NomadListChanged(frozenset(changed))


__all__ = ["NomadError", "NomadList", "NomadListChanged", "NomadListStatus"]
