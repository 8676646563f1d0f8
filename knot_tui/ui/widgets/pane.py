"""A bordered section of a screen that says how fresh it is and shows its own error.

Each pane is fed independently: `fresh()` when its data arrived, `fail()` when its source
failed (the last data stays, marked stale, with the error above it). The owning screen
calls `tick()` once a second so "3s ago" stays true without any network traffic.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from knot_tui.knot.errors import KnotError
from knot_tui.nomad.errors import NomadError
from knot_tui.text import plain
from knot_tui.ui.format import duration

Problem = NomadError | KnotError

LIVE = "live"  # blocking queries / event stream: changes arrive when they happen
POLLED = "polled"  # read every few seconds
ONCE = "once"  # read on demand


class Pane(Vertical):
    DEFAULT_CSS = """
    Pane {
        height: auto;
        border: round $primary-muted;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    Pane:focus-within { border: round $primary; }
    Pane.-problem { border: round $warning; }
    Pane > .pane-problem { height: auto; color: $warning; display: none; }
    Pane.-problem > .pane-problem { display: block; }
    """

    def __init__(self, title: str, *, mode: str = LIVE, every: float = 0.0, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.mode = mode
        self.every = every
        self.updated_at: float | None = None
        self.problem: Problem | None = None
        self.problem_at = 0.0
        self.retry_in = 0.0
        self.waiting_for = ""
        self.border_title = title

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-problem")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def set_title(self, title: str) -> None:
        self.title = title
        self.border_title = Text(plain(title))

    # ---- freshness -------------------------------------------------------------------

    def fresh(self, at: float | None = None) -> None:
        """New data arrived (at `at`, time.monotonic()); clears a previous problem."""
        self.updated_at = at if at is not None else time.monotonic()
        if self.problem is not None:
            self.problem = None
            self.remove_class("-problem")
        self.tick()

    def fail(self, error: Problem, retry_in: float = 0.0, *, hint: str = "") -> None:
        """The source failed: say so above the last data, which stays."""
        self.problem = error
        self.problem_at = time.monotonic()
        self.retry_in = retry_in
        text = Text("⚠ ", style="bold")
        text.append(plain(error.message))
        remedy = hint or error.remedy
        if remedy:
            text.append(f"\n  {plain(remedy)}", style="dim")
        self.query_one(".pane-problem", Static).update(text)
        self.add_class("-problem")
        self.tick()

    def wait_for(self, what: str) -> None:
        """No data yet, and why ("waiting for the job")."""
        self.waiting_for = what
        self.tick()

    def tick(self, now: float | None = None) -> None:
        """Redraw the freshness line."""
        now = time.monotonic() if now is None else now
        self.border_subtitle = freshness(self, now)


def freshness(pane: Pane, now: float) -> Text:
    text = Text()
    if pane.problem is not None:
        # No countdown: it would tick every second and say little (the backoff has jitter).
        text.append("⚠ ", style="bold yellow")
        text.append("retrying" if pane.retry_in else "failed")
        if pane.updated_at is not None:
            text.append(f" · data from {ago(now - pane.updated_at)}", style="dim")
        return text
    if pane.updated_at is None:
        text.append(pane.waiting_for or "loading…", style="dim")
        return text
    age = ago(now - pane.updated_at)
    if pane.mode == LIVE:
        text.append("● ", style="green")
        text.append(f"live · changed {age}")
    elif pane.mode == POLLED:
        text.append("● ", style="green")
        text.append(f"every {duration(pane.every)} · read {age}")
    else:
        text.append(f"read {age}")
    return text


def ago(seconds: float) -> str:
    """ "just now" for the first 5 s (a live pane should not flicker every second)."""
    return "just now" if seconds < 5 else f"{duration(seconds)} ago"
