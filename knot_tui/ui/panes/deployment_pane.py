"""The job's latest deployment: status and healthy/unhealthy allocation counts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from knot_tui.nomad.models import Deployment
from knot_tui.text import plain
from knot_tui.ui.panes.styles import status
from knot_tui.ui.widgets.pane import LIVE, Pane


def deployment_text(deployment: Deployment | None) -> Text:
    if deployment is None:
        return Text("No deployment: the job has no update block, or none has run yet.", style="dim")
    desired, healthy, unhealthy = deployment.counts
    placed = sum(s.placed_allocs for s in deployment.task_groups.values())
    text = Text()
    text.append(deployment.id[:8], style="bold")
    text.append("  ")
    text.append_text(status(deployment.status))
    text.append(f"  job v{deployment.job_version}", style="dim")
    text.append("\n")
    text.append(f"{desired} desired · {placed} placed · ")
    text.append(f"{healthy} healthy", style="green" if healthy else "")
    text.append(" · ")
    text.append(f"{unhealthy} unhealthy", style="bold red" if unhealthy else "")
    if deployment.status_description:
        text.append(f"\n{plain(deployment.status_description)}", style="dim")
    deadlines = [s.require_progress_by for s in deployment.task_groups.values() if s.require_progress_by]
    if deployment.status == "running" and deadlines:
        text.append(f"\nmust progress by {min(deadlines).astimezone():%H:%M:%S}", style="dim")
    return text


class DeploymentPane(Pane):
    def __init__(self) -> None:
        super().__init__("Deployment", mode=LIVE, id="pane-deployment")

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Waiting for the job…", style="dim"), id="deployment-body")

    def show(self, deployment: Deployment | None, at: float | None = None) -> None:
        self.query_one("#deployment-body", Static).update(deployment_text(deployment))
        self.fresh(at)

    def show_message(self, text: Text) -> None:
        self.query_one("#deployment-body", Static).update(text)
