"""Ask where to save a log (a path, prefilled with one in the user data directory)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from knot_tui.ui.widgets.key_bar import KeyBar


class SaveLogScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save-log.cancel")]

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text("Save the log", style="bold"), id="dialog-title")
            yield Static(
                Text("Every buffered line of this view (the filter applies), as plain text.", style="dim"),
                id="dialog-message",
            )
            yield Input(str(self.default), id="save-path")
            yield Static(
                Text("enter saves · esc cancels · an existing file is never overwritten", style="dim")
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    @on(Input.Submitted, "#save-path")
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.notify("Type a path.", severity="warning")
            return
        self.dismiss(Path(value).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
