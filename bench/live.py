"""Live latency: a simulator event -> the row redrawn; a Nomad allocation change -> the pane."""

from __future__ import annotations

import re

from bench.session import RUNNING_SPACE, Session, show_only
from bench.stats import Result, latency

#: The admin's spaces in the seeded world: one to rename, one running on Nomad.
RENAMED = "cleanup"
RUNNING = RUNNING_SPACE


def event_to_row(session: Session, count: int) -> list[float]:
    """Rename a space in the simulator (knot publishes `space:changed`); wait for the row."""
    samples = []
    with session.launch() as term:
        term.wait_for(re.compile(r"[1-9]\d* shown of"), 60)
        term.wait_for(RENAMED, 10)
        name = RENAMED
        for i in range(count):
            new = f"bench-{i:05d}"  # sorts first: the row stays in view
            term.drain()
            emitted = session.ask("POST", "/rename", json={"name": name, "to": new})["t"]
            shown = term.wait_for_bytes(new.encode(), 10)
            samples.append(shown - emitted)
            name = new
        session.ask("POST", "/rename", json={"name": name, "to": RENAMED})
    return samples


def alloc_to_pane(session: Session, count: int) -> list[float]:
    """Add a task event to the running allocation (Nomad's index moves); wait for the pane."""
    samples = []
    with session.launch(cols=160, rows=48) as term:
        show_only(term, RUNNING)
        term.press("enter")
        term.wait_for("Allocation", 20)
        term.wait_for(re.compile(r"(?i)running"), 20)
        for i in range(count):
            marker = f"evt-{i:05d}"
            term.drain()
            emitted = session.ask("POST", "/alloc-event", json={"name": RUNNING, "message": marker})["t"]
            shown = term.wait_for_bytes(marker.encode(), 10)
            samples.append(shown - emitted)
    return samples


def run(quick: bool) -> list[Result]:
    count = 30 if quick else 120
    with Session(spaces=50) as session:
        rows = event_to_row(session, count)
        panes = alloc_to_pane(session, count)
    return [
        *latency("live", "event -> row", rows, 100.0, "events"),
        *latency("live", "alloc change -> pane", panes, 250.0, "changes"),
    ]
