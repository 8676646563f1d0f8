"""Nomad's event stream for the job: what changed, as it happens (where the token allows)."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from knot_tui.nomad.events import EventStreamState, NomadEvent
from knot_tui.text import plain
from knot_tui.ui.panes.styles import clock
from knot_tui.ui.widgets.pane import LIVE, Pane

KEEP = 8


def describe(event: NomadEvent) -> str:
    """A one-line summary of an event's payload."""
    payload = event.payload
    if event.topic == "Allocation":
        alloc = payload.get("Allocation") or {}
        return (
            f"alloc {event.key[:8]} {alloc.get('ClientStatus', '')}/{alloc.get('DesiredStatus', '')}".strip(
                "/"
            )
        )
    if event.topic == "Deployment":
        deployment = payload.get("Deployment") or {}
        return f"deployment {event.key[:8]} {deployment.get('Status', '')}"
    if event.topic == "Evaluation":
        evaluation = payload.get("Evaluation") or {}
        return (
            f"evaluation {event.key[:8]} {evaluation.get('Status', '')} ({evaluation.get('TriggeredBy', '')})"
        )
    if event.topic == "Job":
        job = payload.get("Job") or {}
        return f"job {event.key} {job.get('Status', '')} v{job.get('Version', '?')}"
    return event.key


class EventsPane(Pane):
    def __init__(self) -> None:
        super().__init__("Nomad events", mode=LIVE, id="pane-events")
        self.events: deque[tuple[datetime, NomadEvent]] = deque(maxlen=KEEP)
        self.state = Text("connecting…", style="dim")
        self.live = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="events-body")

    def add(self, event: NomadEvent, at: float) -> None:
        self.events.appendleft((datetime.now(UTC), event))
        self.fresh(at)
        self._redraw()

    def stream_state(self, state: EventStreamState, at: float) -> None:
        if state.state == "live":
            self.live = True
            self.state = Text("● event stream live", style="green")
            self.fresh(at)
        elif state.state == "denied":
            self.state = Text(
                "○ the event stream is not permitted for this token: the panes stay live by blocking queries",
                style="dim",
            )
            self.fresh(at)
        elif state.state == "reconnecting":
            self.state = Text(
                f"◐ reconnecting in {state.retry_in:.0f}s: {plain(state.detail)}", style="yellow"
            )
        else:
            self.state = Text(f"✗ {plain(state.detail)}", style="red")
        self._redraw()

    def _redraw(self) -> None:
        text = Text()
        text.append_text(self.state)
        if self.live and not self.events:
            text.append("\nnothing has happened to the job since this screen opened", style="dim")
        for seen, event in self.events:
            text.append(f"\n{clock(seen)} ", style="dim")
            text.append(f"{plain(event.type)} ", style="bold")
            text.append(plain(describe(event)))
            text.append(f"  #{event.index}", style="dim")
        self.query_one("#events-body", Static).update(text)
