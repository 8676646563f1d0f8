"""The space's Nomad job and its allocations, newest first (enter shows one in detail)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from knot_tui.nomad.models import Allocation, Job
from knot_tui.text import plain
from knot_tui.ui.panes.styles import age, health, status
from knot_tui.ui.widgets.pane import LIVE, Pane

ALLOC_COLUMNS = ("ID", "Status", "Desired", "Health", "Restarts", "Age", "Node")


def job_text(job: Job, now: datetime) -> Text:
    text = Text()
    text.append(plain(job.id), style="bold")
    text.append(f"  namespace {plain(job.namespace or 'default')}", style="dim")
    text.append("  ")
    text.append_text(status(job.status))
    text.append(f"  version {job.version}")
    if job.stable:
        text.append(" (stable)", style="dim")
    if job.stop:
        text.append("  stopped", style="yellow")
    if job.submitted:
        text.append(f"  submitted {age(job.submitted, now)} ago", style="dim")
    if job.status_description:
        text.append(f"\n{plain(job.status_description)}", style="dim")
    return text


def alloc_cells(alloc: Allocation, now: datetime, selected: bool) -> list[Text | str]:
    ident = Text(("▶ " if selected else "  ") + alloc.short_id, style="bold" if selected else "")
    restarts = Text(str(alloc.restarts), style="yellow" if alloc.restarts else "")
    return [
        ident,
        status(alloc.client_status),
        status(alloc.desired_status),
        health(alloc.healthy),
        restarts,
        age(alloc.created, now),
        plain(alloc.node_name or alloc.node_id[:8] or "—"),
    ]


class JobPane(Pane):
    def __init__(self) -> None:
        super().__init__("Nomad job", mode=LIVE, id="pane-job")
        self.allocs: list[Allocation] = []

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Looking for the space's job…", style="dim"), id="job-summary")
        table: DataTable[Text | str] = DataTable(id="allocs", cursor_type="row", zebra_stripes=False)
        table.add_columns(*ALLOC_COLUMNS)
        table.tooltip = "enter: show this allocation's tasks and events"
        table.display = False
        yield table
        empty = Static(Text("No allocations (yet).", style="dim"), id="allocs-empty")
        empty.display = False
        yield empty

    def show_job(self, job: Job, now: datetime, at: float | None = None) -> None:
        self.query_one("#job-summary", Static).update(job_text(job, now))
        self.fresh(at)

    def show_message(self, text: Text) -> None:
        self.query_one("#job-summary", Static).update(text)

    def show_allocs(self, allocs: list[Allocation], selected: str | None, now: datetime) -> None:
        self.allocs = allocs
        table = self.query_one("#allocs", DataTable)
        cursor = table.cursor_row
        table.clear()
        for alloc in allocs:
            table.add_row(*alloc_cells(alloc, now, alloc.id == selected), key=alloc.id)
        if allocs:
            table.move_cursor(row=min(cursor, len(allocs) - 1), animate=False)
        table.display = bool(allocs)
        self.query_one("#allocs-empty", Static).display = not allocs
