"""One allocation in detail: where it runs, its tasks' states and their event timeline."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from knot_tui.diagnose import allocation_failure
from knot_tui.nomad.models import Allocation, TaskEvent
from knot_tui.text import plain
from knot_tui.ui.panes.styles import age, clock, health, status
from knot_tui.ui.widgets.pane import LIVE, Pane

#: Short columns first: a long message runs off the pane's right edge without hiding them.
EVENT_COLUMNS = ("Time", "Task", "Type", "Exit", "Message", "Restart")
BAD_EVENTS = {"Driver Failure", "Not Restarting", "Killed", "Alloc Unhealthy", "Setup Failure", "Terminated"}


def alloc_text(alloc: Allocation, now: datetime) -> Text:
    text = Text()
    text.append_text(status(alloc.client_status))
    text.append(f"  desired {plain(alloc.desired_status)}", style="dim")
    text.append(f"  on {plain(alloc.node_name or alloc.node_id[:8] or '?')}")
    text.append(f"  job v{alloc.job_version}  created {age(alloc.created, now)} ago", style="dim")
    text.append("  deployment ")
    text.append_text(health(alloc.healthy))
    if alloc.client_description:
        text.append(f"\n{plain(alloc.client_description)}", style="dim")
    failure = allocation_failure(alloc)
    if failure:
        text.append(f"\n✗ {plain(failure)}", style="bold red")
    ports = [p for p in alloc.ports]
    if ports:
        text.append("\nports ", style="dim")
        text.append(
            " · ".join(f"{plain(p.label)} {p.host_ip or ''}:{p.value}→{p.to or p.value}" for p in ports)
        )
    for name, state in sorted(alloc.task_states.items()):
        text.append(f"\ntask {plain(name)}: ", style="bold")
        text.append_text(status(state.state))
        if state.failed:
            text.append(" failed", style="bold red")
        text.append(f"  restarts {state.restarts}", style="yellow" if state.restarts else "dim")
        if state.started_at:
            text.append(f"  started {age(state.started_at, now)} ago", style="dim")
        if state.last_restart:
            text.append(f"  last restart {age(state.last_restart, now)} ago", style="yellow")
        if state.finished_at and state.state == "dead":
            text.append(f"  finished {age(state.finished_at, now)} ago", style="dim")
    return text


def events_newest_first(alloc: Allocation) -> list[tuple[str, TaskEvent]]:
    events = [(task, e) for task, state in alloc.task_states.items() for e in state.events]
    events.sort(key=lambda te: te[1].time, reverse=True)
    return events


def event_cells(task: str, event: TaskEvent) -> list[Text | str]:
    style = "red" if event.fails_task or event.type in BAD_EVENTS else ""
    if event.type == "Restarting" or event.type == "Restart Signaled":
        style = "yellow"
    exit_code = str(event.exit_code) if event.exit_code or event.type == "Terminated" else ""
    return [
        clock(event.when),
        plain(task),
        Text(plain(event.type), style=style or "bold"),
        exit_code,
        Text(plain(event.text), style=style),
        plain(event.restart_reason),
    ]


class AllocationPane(Pane):
    def __init__(self) -> None:
        super().__init__("Allocation", mode=LIVE, id="pane-allocation")

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Waiting for an allocation…", style="dim"), id="alloc-summary")
        table: DataTable[Text | str] = DataTable(id="alloc-events", cursor_type="row")
        table.add_columns(*EVENT_COLUMNS)
        table.display = False
        yield table

    def show(self, alloc: Allocation, *, newest: bool, now: datetime, at: float | None = None) -> None:
        which = "newest" if newest else "selected · f: newest"
        self.set_title(f"Allocation {alloc.short_id} ({which})")
        self.query_one("#alloc-summary", Static).update(alloc_text(alloc, now))
        table = self.query_one("#alloc-events", DataTable)
        table.clear()
        for i, (task, event) in enumerate(events_newest_first(alloc)):
            table.add_row(*event_cells(task, event), key=f"{i}")
        table.display = table.row_count > 0
        self.fresh(at)

    def show_message(self, text: Text) -> None:
        self.query_one("#alloc-summary", Static).update(text)
        table = self.query_one("#alloc-events", DataTable)
        table.clear()
        table.display = False
