"""How Nomad's and the checks' words look: a glyph and a colour, never colour alone."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from knot_tui.text import plain
from knot_tui.ui.format import duration

STATUS = {
    # allocation client status / job status / deployment status
    "running": ("●", "green"),
    "pending": ("◐", "yellow"),
    "complete": ("✓", "dim"),
    "successful": ("✓", "green"),
    "failed": ("✗", "bold red"),
    "lost": ("✗", "bold red"),
    "unknown": ("?", "bold red"),
    "dead": ("○", "dim"),
    "cancelled": ("○", "dim"),
    "paused": ("‖", "yellow"),
    "blocked": ("‖", "yellow"),
    "initializing": ("◐", "yellow"),
    # desired
    "run": ("", ""),
    "stop": ("", "dim"),
    "evict": ("", "yellow"),
}

LEVEL = {
    "ok": ("✓", "green"),
    "warn": ("!", "yellow"),
    "bad": ("✗", "bold red"),
    "wait": ("◐", "yellow"),
    "info": ("·", "dim"),
}


def status(word: str) -> Text:
    glyph, style = STATUS.get(word, ("", ""))
    return Text(f"{glyph} {plain(word)}".strip(), style=style)


def level(word: str, lvl: str) -> Text:
    glyph, style = LEVEL.get(lvl, ("", ""))
    return Text(f"{glyph} {plain(word)}".strip(), style=style)


def health(value: bool | None) -> Text:
    if value is True:
        return Text("✓ healthy", style="green")
    if value is False:
        return Text("✗ unhealthy", style="bold red")
    return Text("—", style="dim")


def age(moment: datetime | None, now: datetime) -> str:
    return duration((now - moment).total_seconds()) if moment else "—"


def clock(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M:%S") if moment else "--:--:--"
