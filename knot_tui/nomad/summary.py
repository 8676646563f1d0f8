"""What the spaces list shows from Nomad: each job's allocation summary.

One blocking query on `/v1/jobs?namespace=*` (list stubs carry `JobSummary` counts) keeps
the whole list current with a single long-poll, however many spaces there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knot_tui.nomad.models import Job


@dataclass(frozen=True, slots=True)
class AllocSummary:
    running: int = 0
    starting: int = 0
    queued: int = 0
    failed: int = 0
    lost: int = 0
    unknown: int = 0
    complete: int = 0
    job_status: str = ""

    @property
    def status(self) -> str:
        """One word for the list: running, pending, failed, lost, unknown, complete or dead."""
        if self.unknown:
            return "unknown"
        if self.lost and not self.running:
            return "lost"
        if self.running:
            return "running"
        if self.starting or self.queued:
            return "pending"
        if self.failed:
            return "failed"
        if self.complete:
            return "complete"
        return self.job_status or "dead"

    @property
    def troubled(self) -> bool:
        """A failed, lost or unknown allocation that nothing healthy replaces."""
        return self.status in ("failed", "lost", "unknown") or (self.failed > 0 and not self.running)


def summarize(job: Job) -> AllocSummary:
    """Sum a job stub's `JobSummary.Summary` over its task groups."""
    counts = {
        "Running": 0,
        "Starting": 0,
        "Queued": 0,
        "Failed": 0,
        "Lost": 0,
        "Unknown": 0,
        "Complete": 0,
    }
    groups = job.job_summary.summary if job.job_summary else {}
    for group in groups.values():
        for key in counts:
            counts[key] += group.get(key, 0)
    return AllocSummary(
        running=counts["Running"],
        starting=counts["Starting"],
        queued=counts["Queued"],
        failed=counts["Failed"],
        lost=counts["Lost"],
        unknown=counts["Unknown"],
        complete=counts["Complete"],
        job_status=job.status,
    )


class JobIndex:
    """(namespace, job id) -> summary, answering which entries changed on each update."""

    def __init__(self) -> None:
        self.summaries: dict[tuple[str, str], AllocSummary] = {}

    def update(self, jobs: list[Job]) -> set[tuple[str, str]]:
        new = {(job.namespace or "default", job.id): summarize(job) for job in jobs}
        changed = {k for k in new.keys() | self.summaries.keys() if new.get(k) != self.summaries.get(k)}
        self.summaries = new
        return changed

    def get(self, namespace: str, job_id: str) -> AllocSummary | None:
        return self.summaries.get((namespace or "default", job_id))
