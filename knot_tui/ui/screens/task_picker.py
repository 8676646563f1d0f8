"""Choose the allocation and task whose stdout/stderr the logs screen reads."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from knot_tui.logs.targets import TaskTarget
from knot_tui.text import plain
from knot_tui.ui.panes.styles import status
from knot_tui.ui.widgets.key_bar import KeyBar


class TaskPickerScreen(ModalScreen[TaskTarget | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="task-picker.cancel")]

    def __init__(self, targets: list[TaskTarget], current: TaskTarget | None) -> None:
        super().__init__()
        self.targets = targets
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text("Read stdout/stderr of…", style="bold"), id="dialog-title")
            options = []
            for i, target in enumerate(self.targets):
                prompt = Text(f"{'▶ ' if target == self.current else '  '}task {plain(target.task)}  ")
                prompt.append(f"alloc {target.alloc_id[:8]}  ")
                prompt.append_text(status(target.status))
                if target.node:
                    prompt.append(f"  on {plain(target.node)}", style="dim")
                options.append(Option(prompt, id=str(i)))
            yield OptionList(*options, id="task-options")
        yield KeyBar()

    def on_mount(self) -> None:
        options = self.query_one("#task-options", OptionList)
        if self.current in self.targets:
            options.highlighted = self.targets.index(self.current)  # type: ignore[arg-type]
        options.focus()

    @on(OptionList.OptionSelected, "#task-options")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.targets[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
