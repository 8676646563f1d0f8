"""How values look on screen: durations, sizes, states (plain functions, easy to test)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from knot_tui.knot.models import Space, SpaceState
from knot_tui.text import plain

#: State -> (style, glyph). The label is always shown too: never colour alone.
STATE_STYLE: dict[SpaceState, tuple[str, str]] = {
    SpaceState.RUNNING: ("bold green", "●"),
    SpaceState.STARTING: ("bold yellow", "◐"),
    SpaceState.STOPPING: ("bold yellow", "◑"),
    SpaceState.DELETING: ("bold red", "✕"),
    SpaceState.STOPPED: ("dim", "○"),
}


def duration(seconds: float) -> str:
    """Compact, two-unit durations: 45s, 3m12s, 5h03m, 2d04h."""
    seconds = max(0, int(seconds))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def uptime(space: Space, now: datetime) -> str:
    if space.state not in (SpaceState.RUNNING, SpaceState.STOPPING, SpaceState.STARTING):
        return ""
    if space.started_at is None:
        return ""
    return duration((now - space.started_at).total_seconds())


def size(num: float) -> str:
    """Bytes in binary units: 512B, 1.5K, 3.2G."""
    for unit in ("B", "K", "M", "G", "T"):
        if abs(num) < 1024 or unit == "T":
            return f"{num:.0f}{unit}" if unit == "B" else f"{num:.1f}{unit}"
        num /= 1024
    return f"{num:.1f}T"


def state_text(space: Space) -> Text:
    style, glyph = STATE_STYLE[space.state]
    return Text(f"{glyph} {space.state_label}", style=style)


def health_text(space: Space) -> Text:
    """knot's agent health: healthy / unhealthy / unknown (remote or not reported)."""
    if space.state is not SpaceState.RUNNING:
        return Text("-", style="dim")
    if not space.health_known or not space.has_state:
        return Text("? unknown", style="dim")
    if space.healthy:
        return Text("✓ healthy", style="green")
    return Text("✗ unhealthy", style="bold red")


def features(space: Space) -> str:
    """SSH / VNC / code-server / terminal, as the agent reports them (template's if stopped)."""
    out = []
    running = space.has_state
    if space.has_ssh or (not running and space.template_has_ssh):
        out.append("ssh")
    if space.has_http_vnc:
        out.append("vnc")
    if space.has_code_server or (not running and space.template_has_code_server):
        out.append("code")
    if space.has_terminal or (not running and space.template_has_terminal):
        out.append("term")
    return " ".join(out)


def safe(text: str) -> Text:
    """Server-supplied text as an inert `Text`: no markup, no escape sequences."""
    return Text(plain(text))
