"""`?`: every key, generated from the bindings (with the config's keymap applied)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from knot_tui.ui.keys import KeyRow, key_table
from knot_tui.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

TIPS = """\
Filter with / : words must all match (name, user, template, zone, state); !word excludes.
f keeps only spaces that need attention: unhealthy, starting for over 2 minutes, a failed,
lost or unknown Nomad allocation, or an update available. a shows every user's spaces
(Manage Spaces permission), g groups them by user, state or health, o (or a click on a
column title) changes the sort. space marks spaces: u, d and r then act on all of them.
ctrl+p opens the command palette.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, first: str = "") -> None:
        super().__init__()
        self.first = first  # the section of the screen underneath: shown first
        self.rows: list[KeyRow] = []

    def compose(self) -> ComposeResult:
        app = cast("KnotApp", self.app)
        table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold cyan", no_wrap=True)
        table.add_column("Action")
        rows = key_table(app.settings.keymap)
        rows.sort(key=lambda r: (r.section != "Everywhere", r.section != self.first))  # stable
        self.rows = rows
        for row in rows:
            table.add_row(row.section, row.keys, row.description)
        with VerticalScroll(id="help"):
            yield Label("Keys", id="help-title")
            yield Static(table)
            yield Static(Text(TIPS, style="dim"), id="help-tips")
            if app.settings.keymap:
                yield Static(Text(f"Keymap overrides from {app.settings.config_file}.", style="italic"))
        yield KeyBar()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
