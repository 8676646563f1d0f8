"""Diagnoses: the stale /ping check of knot's docs, and why an allocation failed."""

from __future__ import annotations

from knot_tui import templates
from knot_tui.diagnose import allocation_failure, stale_ping_check
from knot_tui.knot.template_vars import render, space_variables
from knot_tui.nomad.models import Allocation, Job, parse
from knot_tui.sim.jobspec import hcl_to_job


def _job(text: str) -> Job:
    data = space_variables(
        space_id="3f1c0d2e-0000-4000-8000-000000000001",
        space_name="desk",
        user_id="u",
        username="alice",
        server_url="https://knot.example",
    )
    return parse(Job, hcl_to_job(render(text, data, strict=True)))


def test_upstream_template_carries_the_stale_ping_check() -> None:
    assert stale_ping_check(_job(templates.ubuntu_desktop_upstream_job()))
    assert stale_ping_check(_job(templates.ubuntu_desktop_upstream_job()), "alive")
    assert not stale_ping_check(_job(templates.ubuntu_desktop_upstream_job()), "other")


def test_bundled_template_does_not() -> None:
    assert not stale_ping_check(_job(templates.ubuntu_desktop_job()))
    assert not stale_ping_check(None)


def _alloc(status: str, events: list[dict[str, object]], description: str = "") -> Allocation:
    return parse(
        Allocation,
        {
            "ID": "a",
            "ClientStatus": status,
            "ClientDescription": description,
            "TaskStates": {"desktop": {"State": "dead", "Failed": True, "Events": events}},
        },
    )


def test_the_cause_beats_the_verdict() -> None:
    alloc = _alloc(
        "failed",
        [
            {"Type": "Received", "DisplayMessage": "Task received by client"},
            {
                "Type": "Driver Failure",
                "DisplayMessage": "Failed to pull: manifest unknown",
                "FailsTask": True,
                "DriverError": "manifest unknown",
            },
            {"Type": "Not Restarting", "DisplayMessage": "Error was unrecoverable", "FailsTask": True},
        ],
    )
    assert allocation_failure(alloc) == "Failed to pull: manifest unknown"


def test_verdict_then_description_then_generic() -> None:
    assert (
        allocation_failure(
            _alloc(
                "failed", [{"Type": "Killed", "DisplayMessage": "Task exceeded restarts", "FailsTask": True}]
            )
        )
        == "Task exceeded restarts"
    )
    assert allocation_failure(_alloc("lost", [], "node down")) == "node down"
    assert allocation_failure(_alloc("failed", [])) == "the allocation failed"
    assert allocation_failure(_alloc("running", [{"Type": "Driver Failure", "DisplayMessage": "x"}])) == ""
