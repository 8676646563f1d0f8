"""The health table: one row per signal, and a distinct word for each way a source can be silent."""

from __future__ import annotations

import json
from typing import Any

from knot_tui.health import (
    BAD,
    CONSUL,
    DEPLOY,
    KNOT,
    NO_CHECKS,
    NOMAD,
    NOT_CONFIGURED,
    NOT_VISIBLE,
    UNREACHABLE,
    consul_rows,
    health_rows,
    knot_row,
    nomad_rows,
    stale_ping_suspect,
)
from knot_tui.knot.models import Space, Template
from knot_tui.nomad.errors import NomadNotConfigured, NomadUnreachable, classify
from knot_tui.nomad.models import Allocation, CheckResult, ConsulCheck, Job, parse

from .nomad.samples import ALLOC_CHECKS

ALLOC_ID = "177160af-26f6-619f-9c9f-5e46d1104395"


def _job(provider: str = "", checks: bool = True) -> Job:
    service: dict[str, Any] = {"Name": "knot-x", "PortLabel": "knot_port", "Provider": provider}
    if checks:
        service["Checks"] = [{"Name": "alive", "Type": "tcp"}]
    return parse(
        Job,
        {"ID": "desk-alice", "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "t", "Services": [service]}]}]},
    )


def _alloc(
    status: str = "running", healthy: bool | None = None, events: list[dict[str, Any]] | None = None
) -> Allocation:
    data: dict[str, Any] = {"ID": ALLOC_ID, "ClientStatus": status, "NodeName": "node-7"}
    if healthy is not None:
        data["DeploymentStatus"] = {"Healthy": healthy}
    data["TaskStates"] = {"t": {"State": "running", "Events": events or []}}
    return parse(Allocation, data)


def _running(**changes: object) -> Space:
    space = Space(name="desk", is_deployed=True, has_state=True, health_known=True, healthy=True)
    for key, value in changes.items():
        setattr(space, key, value)
    return space


def test_knot_agent_row() -> None:
    assert knot_row(_running()).status == "healthy"
    assert knot_row(_running(healthy=False)).level == BAD
    assert knot_row(_running(has_state=False)).status == "agent not connected"
    assert knot_row(_running(is_remote=True, health_known=False)).status == "unknown"
    assert knot_row(Space(name="x")).status == "space stopped"
    assert knot_row(Space(name="x", is_pending=True)).status == "space starting"
    assert knot_row(_running(), Template(health_check_type="http")).check == "agent http check"


def test_nomad_checks_from_the_reference_sample() -> None:
    checks = {k: parse(CheckResult, v) for k, v in json.loads(ALLOC_CHECKS).items()}
    (row,) = nomad_rows(_job("nomad"), _alloc(), checks, None)
    assert (row.source, row.check, row.status, row.output) == (
        NOMAD,
        "redis/redis_probe",
        "passing",
        "nomad: http ok",
    )
    assert row.when is not None and row.when.year == 2023


def test_each_silent_source_says_why() -> None:
    assert nomad_rows(_job("consul"), _alloc(), None, None)[0].status == NO_CHECKS
    assert nomad_rows(_job("nomad", checks=False), _alloc(), None, None)[0].status == NO_CHECKS
    denied = classify(403, "Permission denied", what="checks", capability="read-job", namespace="bob")
    assert nomad_rows(_job("nomad"), _alloc(), None, denied)[0].status == NOT_VISIBLE
    gone = classify(404, "No path to node", what="checks")
    row = nomad_rows(_job("nomad"), _alloc(), None, gone)[0]
    assert row.status == UNREACHABLE and "node node-7" in row.output
    assert (
        nomad_rows(_job("nomad"), _alloc(), None, NomadUnreachable("connection refused"))[0].status
        == UNREACHABLE
    )
    assert nomad_rows(_job("nomad"), _alloc(), {}, None)[0].status == "pending"
    assert consul_rows(_job("nomad"), _alloc(), {}, {})[0].status == NO_CHECKS
    not_configured = NomadNotConfigured("Consul is not configured")
    assert consul_rows(_job(), _alloc(), {}, {"knot-x": not_configured})[0].status == NOT_CONFIGURED


def test_consul_checks_of_the_selected_allocation_only() -> None:
    mine = ConsulCheck(
        name="alive",
        status="critical",
        output="dial tcp: refused",
        service_id=f"_nomad-task-{ALLOC_ID}-t-knot-x-knot_port",
    )
    other = ConsulCheck(
        name="alive",
        status="passing",
        service_id="_nomad-task-00000000-0000-0000-0000-000000000000-t-knot-x-knot_port",
    )
    (row,) = consul_rows(_job(), _alloc(), {"knot-x": [mine, other]}, {})
    assert (row.source, row.check, row.status, row.level) == (CONSUL, "alive", "critical", BAD)
    (waiting,) = consul_rows(_job(), _alloc("pending"), {"knot-x": [other]}, {})
    assert waiting.status == "not registered" and "pending" in waiting.output


def test_an_unreadable_job_makes_nomad_not_visible_and_consul_unknown() -> None:
    denied = classify(403, "Permission denied", what="job desk-bob", capability="read-job", namespace="bob")
    rows = health_rows(
        _running(),
        None,
        job=None,
        job_problem=denied,
        alloc=None,
        nomad_checks=None,
        nomad_problem=None,
        consul_checks={},
        consul_problems={},
    )
    assert [(r.source, r.status) for r in rows] == [
        (KNOT, "healthy"),
        (NOMAD, NOT_VISIBLE),
        (CONSUL, "unknown"),
    ]


def test_deployment_health_row_and_the_stale_ping_suspicion() -> None:
    unhealthy = _alloc(
        healthy=False,
        events=[{"Type": "Alloc Unhealthy", "DisplayMessage": "Services not healthy by deadline: knot-x"}],
    )
    rows = health_rows(
        _running(),
        None,
        job=_job(),
        job_problem=None,
        alloc=unhealthy,
        nomad_checks=None,
        nomad_problem=None,
        consul_checks={},
        consul_problems={},
    )
    deploy = next(r for r in rows if r.source == DEPLOY)
    assert deploy.status == "unhealthy" and deploy.output == "Services not healthy by deadline: knot-x"
    assert stale_ping_suspect(rows, unhealthy)  # the task runs, yet the deployment is unhealthy
    assert not stale_ping_suspect(rows, _alloc("failed", healthy=False))  # the task itself failed
