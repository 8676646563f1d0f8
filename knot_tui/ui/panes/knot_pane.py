"""knot's view of a space: state, owner, template, placement, times, ports, links, usage."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from knot_tui.knot.links import Link
from knot_tui.knot.models import ResourceUsage, Space, Template, User
from knot_tui.text import plain
from knot_tui.ui.format import duration, features, health_text, size, state_text
from knot_tui.ui.widgets.pane import LIVE, Pane


def when(moment: datetime | None, now: datetime) -> Text:
    if moment is None:
        return Text("—", style="dim")
    local = moment.astimezone()
    text = Text(local.strftime("%Y-%m-%d %H:%M"))
    text.append(f"  ({duration((now - moment).total_seconds())} ago)", style="dim")
    return text


def usage_text(usage: ResourceUsage | None, read_at: datetime | None = None) -> Text:
    """CPU, memory and disk; with when it was read (usage is read on demand, never polled)."""
    if usage is None:
        return Text("not reported (the agent reports usage while the space runs)", style="dim")
    text = Text(f"CPU {usage.cpu_percent:.0f}%")
    if usage.memory_limit_bytes or usage.memory_used_bytes:
        text.append(f" · memory {size(usage.memory_used_bytes)}")
        if usage.memory_limit_bytes:
            text.append(f" of {size(usage.memory_limit_bytes)}")
    if usage.disk_limit_bytes or usage.disk_used_bytes:
        text.append(f" · disk {size(usage.disk_used_bytes)}")
        if usage.disk_limit_bytes:
            text.append(f" of {size(usage.disk_limit_bytes)}")
    if read_at is not None:
        text.append(f"  (read {read_at.astimezone():%H:%M:%S} · R reads again)", style="dim")
    return text


def _named(name: str, port: str) -> str:
    name = plain(name)
    return port if not name or port.startswith(name) else f"{name} {port}"


def ports_text(space: Space) -> Text:
    text = Text()
    parts: list[tuple[str, str]] = []
    for port, name in sorted(space.tcp_ports.items(), key=lambda kv: kv[0].zfill(6)):
        parts.append((_named(name, plain(port)), ""))
    for port, name in sorted(space.http_ports.items(), key=lambda kv: kv[0].zfill(6)):
        parts.append((_named(name, f"{plain(port)}/http"), ""))
    if not parts:
        return Text(
            "none reported" if space.has_state else "— (reported by the agent when running)", style="dim"
        )
    for i, (label, style) in enumerate(parts):
        if i:
            text.append(" · ", style="dim")
        text.append(label, style=style)
    return text


def links_text(links: list[Link]) -> Text:
    """Link names (clickable where the terminal supports it); `o` lists the full URLs."""
    text = Text()
    for i, link in enumerate(links):
        if i:
            text.append(" · ", style="dim")
        text.append(link.label, style=f"underline link {link.url}")
    text.append("  (o: open or copy)", style="dim")
    return text


def knot_table(
    space: Space,
    template: Template | None,
    *,
    me: User | None,
    now: datetime,
    links: list[Link],
    usage: ResourceUsage | None,
    pending: str | None = None,
    usage_read_at: datetime | None = None,
) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    state = state_text(space)
    if pending:
        state.append(f"  ({pending}…)", style="yellow")
    if space.state.value == "Running":
        state.append("  ")
        state.append_text(health_text(space))
    grid.add_row("State", state)
    owner = Text(plain(space.username) or "—")
    if me is not None and space.user_id != me.user_id:
        owner.append("  (shared with you)" if me.user_id in space.shares else "", style="cyan")
    elif space.shares:
        owner.append(
            f"  shared with {len(space.shares)} user{'s' if len(space.shares) != 1 else ''}", style="dim"
        )
    grid.add_row("Owner", owner)
    tpl = Text(plain(space.template_name) or "—")
    if space.platform:
        tpl.append(f"  {plain(space.platform)}", style="dim")
    if space.update_available:
        tpl.append("  ⚠ update available: r restarts it on the new version", style="bold yellow")
    if template is not None and template.health_check_type not in ("", "none", "agent"):
        tpl.append(f"  agent check: {plain(template.health_check_type)}", style="dim")
    grid.add_row("Template", tpl)
    where = Text(plain(space.zone) or "default zone")
    if space.is_remote:
        where.append("  (remote: managed by that zone's server)", style="yellow")
    if space.node_hostname:
        where.append(f" · node {plain(space.node_hostname)}")
    grid.add_row("Zone", where)
    grid.add_row(
        "Started",
        when(space.started_at, now) if space.is_deployed or space.is_pending else Text("—", style="dim"),
    )
    created = (
        when(space.created_at, now) if space.created_at else Text(plain(space.created_at_formatted) or "—")
    )
    grid.add_row("Created", created)
    if space.shell:
        grid.add_row("Shell", plain(space.shell))
    grid.add_row("Features", Text(features(space) or "—"))
    grid.add_row("Ports", ports_text(space))
    if links:
        grid.add_row("Links", links_text(links))
    grid.add_row("Usage", usage_text(usage, usage_read_at))
    if space.description:
        grid.add_row("About", Text(plain(space.description)))
    if space.note:
        grid.add_row("Note", Text(plain(space.note), style="italic"))
    return grid


class KnotPane(Pane):
    def __init__(self) -> None:
        super().__init__("knot", mode=LIVE, id="pane-knot")

    def compose_body(self) -> ComposeResult:
        yield Static("", id="knot-body")

    def show(self, table: Table, at: float | None = None) -> None:
        self.query_one("#knot-body", Static).update(table)
        self.fresh(at)
