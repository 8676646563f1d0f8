"""The home screen: the user's spaces, live."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from knot_tui.knot.models import Space
from knot_tui.ui import format as fmt
from knot_tui.ui.messages import SpacesChanged
from knot_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

COLUMNS: list[tuple[str, str, int | None]] = [
    ("name", "Name", None),
    ("state", "State", 16),
    ("health", "Health", 12),
    ("template", "Template", None),
    ("zone", "Zone", None),
    ("features", "Features", 18),
    ("uptime", "Uptime", 8),
    ("cpu", "CPU", 6),
    ("mem", "Memory", 14),
]


def row_cells(space: Space, app: KnotApp) -> dict[str, Text | str]:
    usage = space.resource_usage
    cpu = f"{usage.cpu_percent:.0f}%" if usage and space.has_state else ""
    mem = (
        f"{fmt.size(usage.memory_used_bytes)}/{fmt.size(usage.memory_limit_bytes)}"
        if usage and space.has_state and usage.memory_limit_bytes
        else ""
    )
    return {
        "name": fmt.safe(space.name),
        "state": fmt.state_text(space),
        "health": fmt.health_text(space),
        "template": fmt.safe(space.template_name),
        "zone": fmt.safe(space.zone),
        "features": fmt.features(space),
        "uptime": fmt.uptime(space, app.now()),
        "cpu": cpu,
        "mem": mem,
    }


class SpacesScreen(Screen[None]):
    """All of the signed-in user's spaces (own and shared), updated from knot's events."""

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="spaces-title")
        table: DataTable[Text | str] = DataTable(
            id="spaces-table", cursor_type="row", zebra_stripes=True
        )
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static("", id="spaces-empty")
        yield StatusBar()
        yield Footer()

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#spaces-table", DataTable)

    def on_mount(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        table = self.table
        table.clear()
        for space in self.sorted_spaces():
            cells = row_cells(space, self.knot_app)
            table.add_row(*(cells[key] for key, _, _ in COLUMNS), key=space.space_id)
        self.update_title()

    def sorted_spaces(self) -> list[Space]:
        return sorted(
            self.knot_app.store.spaces.values(), key=lambda s: (s.name.lower(), s.username)
        )

    def update_title(self) -> None:
        store = self.knot_app.store
        total = len(store.spaces)
        who = store.me.username if store.me else ""
        running = sum(1 for s in store.spaces.values() if s.is_deployed)
        title = Text()
        title.append(" Spaces", style="bold")
        if who:
            title.append(f" of {who}")
        title.append(f"  {total} total, {running} running", style="dim")
        self.query_one("#spaces-title", Static).update(title)
        empty = self.query_one("#spaces-empty", Static)
        if self.knot_app.loaded and total == 0:
            empty.update("No spaces yet. Create one in knot's web UI (creating here comes soon).")
            empty.display = True
        else:
            empty.display = False

    def on_spaces_changed(self, message: SpacesChanged) -> None:
        change = message.change
        table = self.table
        if change.full or change.added:
            self.rebuild()
            return
        for space_id in change.removed:
            if space_id in table.rows:
                table.remove_row(space_id)
        for space_id in change.updated:
            space = self.knot_app.store.spaces.get(space_id)
            if space is None or space_id not in table.rows:
                continue
            for key, value in row_cells(space, self.knot_app).items():
                table.update_cell(space_id, key, value)
        self.update_title()
