"""Explanations for what Nomad reports, so a failure says what to do (no Textual here)."""

from __future__ import annotations

from knot_tui.nomad.models import Allocation, Job

PING_PORT = 3000

STALE_PING = (
    "This check calls /ping on port 3000, the knot agent's HTTP server that knot v0.10 removed: "
    "on a current knot it can never pass (knot itself ignores it, but Nomad marks the deployment "
    "unhealthy). Install knot-tui's bundled Ubuntu Desktop template, or change the check to TCP "
    "on the VNC port (5680)."
)


def stale_ping_check(job: Job | None, check_name: str = "") -> bool:
    """Does the job carry the `/ping` check of knot's old documentation (port 3000)?"""
    if job is None:
        return False
    for group in job.task_groups:
        targets = group.port_targets()
        for _task, service in group.all_services():
            for check in service.checks:
                if check_name and check.name != check_name:
                    continue
                label = check.port_label or service.port_label
                port = int(label) if label.isdigit() else targets.get(label)
                if check.type == "http" and check.path.rstrip("/") == "/ping" and port == PING_PORT:
                    return True
    return False


def allocation_failure(alloc: Allocation) -> str:
    """Why an allocation failed, from its task events ("" when it did not)."""
    if alloc.client_status not in ("failed", "lost"):
        return ""
    # The cause ("Driver Failure: manifest unknown") comes before the verdict ("Not Restarting:
    # Error was unrecoverable"), so look for a cause first and settle for the verdict.
    causes = ("Driver Failure", "Setup Failure", "Failed Validation", "Task hook failed")
    verdict = ""
    for state in alloc.task_states.values():
        for event in reversed(state.events):
            if event.driver_error or event.type in causes:
                return event.text
            if event.fails_task and not verdict:
                verdict = event.text
    return verdict or alloc.client_description or "the allocation failed"
