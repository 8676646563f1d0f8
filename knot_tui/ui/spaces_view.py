"""What the spaces table shows: columns, cells, filter, sort, grouping, needs-attention.

Plain functions over the store, so they are easy to test and fast at 10,000 spaces: a
filter keystroke rebuilds a list of keys, never widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from knot_tui.knot.models import Space, SpaceState
from knot_tui.nomad.summary import AllocSummary
from knot_tui.ui import format as fmt
from knot_tui.ui.widgets.virtual_table import Column, Row

STARTING_TOO_LONG = 120.0  # seconds

SORTS = ("name", "state", "health", "uptime", "template", "user")
GROUPS = ("", "user", "state", "health")

NomadLookup = Callable[[Space], AllocSummary | None]


@dataclass(frozen=True)
class ViewOptions:
    query: str = ""
    attention: bool = False
    sort: str = "name"
    group: str = ""
    all_users: bool = False


def columns(all_users: bool) -> list[Column]:
    cols = [
        Column("mark", "", 1),
        Column("name", "Name", 14, flex=True),
    ]
    if all_users:
        cols.append(Column("user", "User", 10, priority=1))
    cols += [
        Column("state", "State", 18),
        Column("health", "Health", 11),
        Column("nomad", "Nomad", 10, priority=2),
        Column("template", "Template", 14, flex=True, priority=3),
        Column("zone", "Zone/node", 11, priority=5),
        Column("features", "Features", 17, priority=6),
        Column("uptime", "Uptime", 7, priority=4, align="right"),
        Column("cpu", "CPU", 4, priority=7, align="right"),
        Column("mem", "Memory", 13, priority=8, align="right"),
    ]
    return cols


# ---- cells -----------------------------------------------------------------------------

NOMAD_STYLE = {
    "running": ("green", "● "),
    "pending": ("yellow", "◐ "),
    "failed": ("bold red", "✗ "),
    "lost": ("bold red", "✗ "),
    "unknown": ("bold red", "? "),
    "complete": ("dim", "○ "),
    "dead": ("dim", "○ "),
}


def nomad_text(summary: AllocSummary | None, configured: bool) -> Text:
    if summary is None:
        return Text("-" if configured else "", style="dim")
    status = summary.status
    style, glyph = NOMAD_STYLE.get(status, ("dim", ""))
    text = Text(glyph + status, style=style)
    if summary.failed and status == "running":
        text.append(f" +{summary.failed}✗", style="red")
    return text


def state_text(space: Space, pending: str | None) -> Text:
    if pending:
        return Text(f"◌ {pending}…", style="bold yellow")
    text = fmt.state_text(space)
    if space.update_available:
        text.append(" ↑", style="bold cyan")
    return text


def cell(
    space: Space,
    key: str,
    *,
    now: datetime,
    summary: AllocSummary | None,
    nomad_configured: bool,
    pending: str | None,
    marked: bool,
) -> Text | str:
    if key == "mark":
        return Text("▐", style="bold yellow") if marked else ""
    if key == "name":
        return fmt.safe(space.name)
    if key == "user":
        return fmt.safe(space.username)
    if key == "state":
        return state_text(space, pending)
    if key == "health":
        return fmt.health_text(space)
    if key == "nomad":
        return nomad_text(summary, nomad_configured)
    if key == "template":
        return fmt.safe(space.template_name)
    if key == "zone":
        where = space.zone
        if space.node_hostname:
            where = f"{where}/{space.node_hostname}" if where else space.node_hostname
        return fmt.safe(where)
    if key == "features":
        return fmt.features(space)
    if key == "uptime":
        return fmt.uptime(space, now)
    usage = space.resource_usage if space.has_state else None
    if key == "cpu":
        return f"{usage.cpu_percent:.0f}%" if usage else ""
    if key == "mem":
        if usage and usage.memory_limit_bytes:
            return f"{fmt.size(usage.memory_used_bytes)}/{fmt.size(usage.memory_limit_bytes)}"
        return ""
    return ""


# ---- needs attention -------------------------------------------------------------------


def attention_reasons(space: Space, summary: AllocSummary | None, now: datetime) -> list[str]:
    """Why an ops person should look at this space (empty: it is fine)."""
    reasons = []
    if space.state is SpaceState.RUNNING and space.health_known and space.has_state and not space.healthy:
        reasons.append("unhealthy")
    started = space.started_at
    starting_for = (now - started).total_seconds() if started is not None else 0.0
    if space.state is SpaceState.STARTING and starting_for > STARTING_TOO_LONG:
        reasons.append("starting for more than 2 minutes")
    if summary is not None and summary.troubled:
        reasons.append(f"Nomad allocation {summary.status}")
    if space.update_available:
        reasons.append("update available")
    return reasons


# ---- filter, sort, group ---------------------------------------------------------------


def _haystack(space: Space) -> str:
    return " ".join(
        (
            space.name,
            space.username,
            space.template_name,
            space.zone,
            space.state_label,
            space.description,
        )
    ).lower()


def filter_terms(query: str) -> tuple[list[str], list[str]]:
    """Words that must all match, and `!words` that must not (k9s style)."""
    words = query.lower().split()
    return [w for w in words if not w.startswith("!")], [
        w[1:] for w in words if w.startswith("!") and len(w) > 1
    ]


def matches(space: Space, include: list[str], exclude: list[str]) -> bool:
    hay = _haystack(space)
    return all(w in hay for w in include) and not any(w in hay for w in exclude)


_STATE_ORDER = {
    SpaceState.STARTING: 0,
    SpaceState.STOPPING: 1,
    SpaceState.RUNNING: 2,
    SpaceState.DELETING: 3,
    SpaceState.STOPPED: 4,
}


def health_rank(space: Space, summary: AllocSummary | None) -> int:
    if space.state is not SpaceState.RUNNING:
        return 4
    if summary is not None and summary.troubled:
        return 0
    if space.health_known and space.has_state and not space.healthy:
        return 1
    if not space.health_known or not space.has_state:
        return 2
    return 3


def health_group(space: Space, summary: AllocSummary | None) -> str:
    return ["Nomad trouble", "Unhealthy", "Health unknown", "Healthy", "Not running"][
        health_rank(space, summary)
    ]


def sort_key(sort: str, now: datetime, nomad: NomadLookup) -> Callable[[Space], tuple[object, ...]]:
    if sort == "state":
        return lambda s: (_STATE_ORDER[s.state], s.name.lower(), s.username)
    if sort == "health":
        return lambda s: (health_rank(s, nomad(s)), s.name.lower(), s.username)
    if sort == "uptime":
        return lambda s: (
            s.started_at is None or s.state is SpaceState.STOPPED,
            s.started_at or now,
            s.name.lower(),
        )
    if sort == "template":
        return lambda s: (s.template_name.lower(), s.name.lower(), s.username)
    if sort == "user":
        return lambda s: (s.username, s.name.lower())
    return lambda s: (s.name.lower(), s.username)


def group_of(group: str, space: Space, nomad: NomadLookup) -> str:
    if group == "user":
        return space.username or "?"
    if group == "state":
        return space.state_label
    if group == "health":
        return health_group(space, nomad(space))
    return ""


def build_rows(
    spaces: Iterable[Space], options: ViewOptions, *, now: datetime, nomad: NomadLookup
) -> list[Row]:
    include, exclude = filter_terms(options.query)
    chosen = [s for s in spaces if (not include and not exclude) or matches(s, include, exclude)]
    if options.attention:
        chosen = [s for s in chosen if attention_reasons(s, nomad(s), now)]
    chosen.sort(key=sort_key(options.sort, now, nomad))
    if not options.group:
        return [Row(s.space_id) for s in chosen]
    groups: dict[str, list[Space]] = {}
    for space in chosen:
        groups.setdefault(group_of(options.group, space, nomad), []).append(space)
    rows: list[Row] = []
    for label in sorted(groups, key=lambda g: (g == "?", g)):
        members = groups[label]
        rows.append(Row(f"group:{label}", group=True, label=f"{label} ({len(members)})"))
        rows += [Row(s.space_id) for s in members]
    return rows
