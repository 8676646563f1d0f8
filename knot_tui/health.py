"""One health table for a space, from three sources that each know part of the truth.

- knot's agent: `healthy`/`health_known` on the space (the agent's own check, or just
  "connected"); unknown for spaces in another zone.
- Nomad: the allocation's deployment health, and the results of `provider = "nomad"`
  service checks (only the client node knows them; polled).
- Consul: the checks of Consul-provider services (the default provider), for the selected
  allocation's service instances.

A source that cannot answer says why, distinctly: it has no checks, it is not visible to
your token, it is unreachable, or it is not configured. No Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from knot_tui.knot.models import Space, SpaceState, Template
from knot_tui.nomad.errors import (
    NomadError,
    NomadNoPathToNode,
    NomadNotConfigured,
    NomadPermissionDenied,
    NomadUnreachable,
)
from knot_tui.nomad.locator import JobNotFound, NotANomadSpace
from knot_tui.nomad.models import Allocation, CheckResult, ConsulCheck, Job

KNOT, NOMAD, DEPLOY, CONSUL = "knot agent", "Nomad", "Nomad deploy", "Consul"

# Levels: how a row is drawn.
OK, WARN, BAD, WAIT, INFO = "ok", "warn", "bad", "wait", "info"

NO_CHECKS = "no checks"
NOT_VISIBLE = "not visible (permission)"
UNREACHABLE = "unreachable"
NOT_CONFIGURED = "not configured"

_NOMAD_STATUS = {"success": ("passing", OK), "failure": ("failing", BAD), "pending": ("pending", WAIT)}
_CONSUL_STATUS = {"passing": ("passing", OK), "warning": ("warning", WARN), "critical": ("critical", BAD)}


@dataclass(frozen=True, slots=True)
class HealthRow:
    source: str
    check: str
    status: str
    level: str
    output: str = ""
    when: datetime | None = None


def problem_row(source: str, error: NomadError, *, node: str = "") -> HealthRow:
    """A source that cannot answer, with the reason spelled out."""
    if isinstance(error, NomadPermissionDenied):
        if error.capability and error.namespace:
            needs = f"your token needs {error.capability} in namespace {error.namespace}"
        else:
            needs = error.message
        return HealthRow(source, "—", NOT_VISIBLE, WARN, needs)
    if isinstance(error, NomadNoPathToNode):
        where = f"node {node}" if node else "the client node"
        return HealthRow(source, "—", UNREACHABLE, BAD, f"{where} is unreachable: Nomad has no path to it")
    if isinstance(error, NomadUnreachable):
        return HealthRow(source, "—", UNREACHABLE, BAD, error.message)
    if isinstance(error, NomadNotConfigured):
        return HealthRow(source, "—", NOT_CONFIGURED, INFO, error.message)
    if isinstance(error, NotANomadSpace):
        return HealthRow(source, "—", "not a Nomad space", INFO, error.message)
    if isinstance(error, JobNotFound):
        return HealthRow(source, "—", "no job", INFO, error.message)
    return HealthRow(source, "—", "error", BAD, error.message)


def knot_row(space: Space, template: Template | None = None) -> HealthRow:
    kind = (template.health_check_type if template else "") or "agent"
    check = "agent connected" if kind in ("agent", "none") else f"agent {kind} check"
    state = space.state
    if state is not SpaceState.RUNNING:
        level = WAIT if state is SpaceState.STARTING else INFO
        return HealthRow(KNOT, check, f"space {state.value.lower()}", level)
    if space.is_remote or not space.health_known:
        return HealthRow(KNOT, check, "unknown", INFO, "the space runs in another zone: its server knows")
    if not space.has_state:
        return HealthRow(KNOT, check, "agent not connected", WAIT, "waiting for the agent to register")
    if space.healthy:
        return HealthRow(KNOT, check, "healthy", OK)
    return HealthRow(KNOT, check, "unhealthy", BAD, "knot's agent reports the space unhealthy")


def job_services(job: Job | None) -> tuple[bool, bool]:
    """(has Nomad-provider checks, has Consul-provider checks)."""
    nomad = consul = False
    for group in job.task_groups if job else []:
        for _task, service in group.all_services():
            if not service.checks:
                continue
            if service.is_nomad:
                nomad = True
            else:
                consul = True
    return nomad, consul


def deploy_row(alloc: Allocation | None) -> HealthRow | None:
    if alloc is None or alloc.deployment_status is None:
        return None
    status = alloc.deployment_status
    why = ""
    for state in alloc.task_states.values():
        for event in state.events:
            if event.type == "Alloc Unhealthy":
                why = event.text
    if status.healthy is True:
        return HealthRow(DEPLOY, f"alloc {alloc.short_id}", "healthy", OK, "", status.timestamp)
    if status.healthy is False:
        return HealthRow(DEPLOY, f"alloc {alloc.short_id}", "unhealthy", BAD, why, status.timestamp)
    return HealthRow(DEPLOY, f"alloc {alloc.short_id}", "pending", WAIT, "deployment health not decided yet")


def nomad_rows(
    job: Job | None,
    alloc: Allocation | None,
    checks: Mapping[str, CheckResult] | None,
    problem: NomadError | None,
) -> list[HealthRow]:
    has_nomad, _ = job_services(job)
    if job is not None and not has_nomad:
        return [HealthRow(NOMAD, "—", NO_CHECKS, INFO, 'no service with provider = "nomad" has checks')]
    if problem is not None:
        return [problem_row(NOMAD, problem, node=alloc.node_name if alloc else "")]
    if job is None or checks is None:
        return [HealthRow(NOMAD, "—", "waiting", WAIT, "")]
    if not checks:
        return [HealthRow(NOMAD, "—", "pending", WAIT, "no results yet")]
    rows = []
    for result in sorted(checks.values(), key=lambda c: (c.service, c.check)):
        word, level = _NOMAD_STATUS.get(result.status, (result.status or "unknown", WARN))
        name = f"{result.service}/{result.check}" if result.service else result.check
        rows.append(HealthRow(NOMAD, name, word, level, result.output, result.when))
    return rows


def consul_rows(
    job: Job | None,
    alloc: Allocation | None,
    checks: Mapping[str, Sequence[ConsulCheck]],
    problems: Mapping[str, NomadError],
) -> list[HealthRow]:
    _, has_consul = job_services(job)
    if job is not None and not has_consul:
        return [HealthRow(CONSUL, "—", NO_CHECKS, INFO, "no Consul-provider service has checks")]
    if job is None and not checks and not problems:
        return [HealthRow(CONSUL, "—", "waiting", WAIT, "")]
    rows: list[HealthRow] = []
    for service, error in sorted(problems.items()):
        row = problem_row(CONSUL, error)
        rows.append(HealthRow(CONSUL, service, row.status, row.level, row.output))
    for service, items in sorted(checks.items()):
        if service in problems:
            continue
        mine = [c for c in items if alloc is None or not c.alloc_id or c.alloc_id == alloc.id]
        if not mine:
            why = "no check for this allocation yet"
            if alloc is not None and alloc.client_status != "running":
                why = f"the allocation is {alloc.client_status}: Nomad registers its checks once it runs"
            rows.append(HealthRow(CONSUL, service, "not registered", WAIT, why))
        for check in sorted(mine, key=lambda c: c.name):
            word, level = _CONSUL_STATUS.get(check.status, (check.status or "unknown", WARN))
            rows.append(HealthRow(CONSUL, check.name or service, word, level, check.output))
    return rows or [HealthRow(CONSUL, "—", "waiting", WAIT, "")]


def health_rows(
    space: Space,
    template: Template | None,
    *,
    job: Job | None,
    job_problem: NomadError | None,
    alloc: Allocation | None,
    nomad_checks: Mapping[str, CheckResult] | None,
    nomad_problem: NomadError | None,
    consul_checks: Mapping[str, Sequence[ConsulCheck]],
    consul_problems: Mapping[str, NomadError],
) -> list[HealthRow]:
    """Every row of the health table, knot first."""
    rows = [knot_row(space, template)]
    if job is None and job_problem is not None:
        rows.append(problem_row(NOMAD, job_problem))
        if isinstance(job_problem, (NomadNotConfigured, NotANomadSpace, JobNotFound)):
            return rows
        rows.append(
            HealthRow(
                CONSUL,
                "—",
                "unknown",
                INFO,
                "the Consul services are named in the Nomad job, which is not readable",
            )
        )
        return rows
    deploy = deploy_row(alloc)
    if deploy is not None:
        rows.append(deploy)
    rows += nomad_rows(job, alloc, nomad_checks, nomad_problem)
    rows += consul_rows(job, alloc, consul_checks, consul_problems)
    return rows


def stale_ping_suspect(rows: Sequence[HealthRow], alloc: Allocation | None) -> bool:
    """Could a stale check be why the space is unhealthy? (A check fails, or the deployment
    says unhealthy while the task runs: not when the task itself failed.)"""
    for row in rows:
        if row.level != BAD:
            continue
        if row.source in (NOMAD, CONSUL) and row.check != "—":
            return True
        if row.source == DEPLOY and alloc is not None and alloc.client_status == "running":
            return True
    return False
