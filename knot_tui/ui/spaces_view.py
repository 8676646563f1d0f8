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
from knot_tui.ui.widgets.virtual_table import GROUP_PREFIX, Column, Row

STARTING_TOO_LONG = 120.0  # seconds

SORTS = ("name", "state", "health", "uptime", "template", "user")
GROUPS = ("", "user", "state", "health")

NomadLookup = Callable[[Space], AllocSummary | None]


@dataclass(frozen=True)
class ViewOptions:
    query: str = ""
    attention: bool = False
    sort: str = "name"
    descending: bool = False
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


#: (search text, space, row): what the list filters, in display order.
Entry = tuple[str, Space, Row]


class EntryCache:
    """Each space's lower-cased search text and its row, made once per space object (knot's
    updates replace the object), so a keystroke costs one substring test per space."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}

    def entry(self, space: Space) -> Entry:
        hit = self._entries.get(space.space_id)
        if hit is not None and hit[1] is space:
            return hit
        row = hit[2] if hit is not None else Row(space.space_id)
        entry = (_haystack(space), space, row)
        self._entries[space.space_id] = entry
        return entry

    def last(self, key: str) -> Space | None:
        """The space object the cached entry was made from (None: never seen)."""
        hit = self._entries.get(key)
        return hit[1] if hit is not None else None

    def entries(self, spaces: Iterable[Space]) -> list[Entry]:
        entry = self.entry
        return [entry(s) for s in spaces]

    def forget_missing(self, keep: Iterable[str]) -> None:
        for key in self._entries.keys() - set(keep):
            del self._entries[key]


#: Sorts that do not depend on Nomad's state (their order can be kept between keystrokes).
STABLE_SORTS = frozenset({"name", "state", "uptime", "template", "user"})


def filter_terms(query: str) -> tuple[list[str], list[str]]:
    """Words that must all match, and `!words` that must not (k9s style)."""
    words = query.lower().split()
    return [w for w in words if not w.startswith("!")], [
        w[1:] for w in words if w.startswith("!") and len(w) > 1
    ]


def narrows(old: str, new: str) -> bool:
    """Does every space matching `new` also match `old`? Then `new` can filter `old`'s result.

    True when `new` only extends `old`: more letters on an included word, or more words. Not
    when it lengthens an excluded word (`!st` -> `!sto` excludes fewer spaces).
    """
    if not new.startswith(old) or not old.strip():
        return False
    last = old.split()[-1] if not old[-1].isspace() else ""
    return not last.startswith("!")


def filter_entries(entries: list[Entry], query: str) -> list[Entry]:
    include, exclude = filter_terms(query)
    if not include and not exclude:
        return entries
    if len(include) == 1 and not exclude:
        word = include[0]
        return [e for e in entries if word in e[0]]
    return [e for e in entries if all(w in e[0] for w in include) and not any(w in e[0] for w in exclude)]


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
    spaces: Iterable[Space],
    options: ViewOptions,
    *,
    now: datetime,
    nomad: NomadLookup,
    cache: EntryCache | None = None,
) -> list[Row]:
    """The table's rows: filtered, sorted, grouped."""
    cache = cache or EntryCache()
    by = sort_key(options.sort, now, nomad)
    entries = sorted(cache.entries(spaces), key=lambda e: by(e[1]), reverse=options.descending)
    return rows_of(filter_entries(entries, options.query), options, now=now, nomad=nomad)


def rows_of(entries: list[Entry], options: ViewOptions, *, now: datetime, nomad: NomadLookup) -> list[Row]:
    """Rows of already filtered and sorted entries: the attention filter, then groups."""
    if options.attention:
        entries = [e for e in entries if attention_reasons(e[1], nomad(e[1]), now)]
    if not options.group:
        return [e[2] for e in entries]
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(group_of(options.group, entry[1], nomad), []).append(entry)
    rows: list[Row] = []
    for label in sorted(groups, key=lambda g: (g == "?", g)):
        members = groups[label]
        rows.append(Row(f"{GROUP_PREFIX}{label}", group=True, label=f"{label} ({len(members)})"))
        rows += [e[2] for e in members]
    return rows
