"""Every health signal of a space in one table, with the source of each row."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from knot_tui.health import HealthRow
from knot_tui.text import plain, shorten
from knot_tui.ui.panes.styles import clock, level
from knot_tui.ui.widgets.pane import POLLED, Pane

#: Output last: a long one runs off the pane's right edge without hiding the time.
COLUMNS = ("Source", "Check", "Status", "At", "Output")


def row_cells(row: HealthRow) -> list[Text | str]:
    return [
        Text(row.source, style="bold"),
        plain(row.check),
        level(row.status, row.level),
        clock(row.when) if row.when else "",
        Text(shorten(plain(row.output), 64), style="dim" if row.level in ("info", "ok") else ""),
    ]


class HealthPane(Pane):
    def __init__(self, every: float) -> None:
        super().__init__("Health", mode=POLLED, every=every, id="pane-health")
        self.rows: list[HealthRow] = []
        self.note = ""

    def compose_body(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(id="health", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="health-detail")
        yield Static("", id="health-note")

    def show(self, rows: list[HealthRow], note: str = "") -> None:
        if rows == self.rows and note == self.note:
            return
        self.rows = rows
        self.note = note
        table = self.query_one("#health", DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, row in enumerate(rows):
            table.add_row(*row_cells(row), key=str(i))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)
        self._detail(table.cursor_row)
        box = self.query_one("#health-note", Static)
        box.update(Text(f"⚠ {note}", style="yellow") if note else "")
        box.display = bool(note)

    @on(DataTable.RowHighlighted, "#health")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, index: int) -> None:
        """The highlighted row's whole output (the table shortens it)."""
        box = self.query_one("#health-detail", Static)
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        full = plain(row.output) if row else ""
        if row is None or full == shorten(full, 64):
            box.display = False
            return
        box.update(Text(f"{row.source} {plain(row.check)}: {full}", style="dim"))
        box.display = True
