"""Confirmation dialogs: a plain yes/no that can list what it affects, and typed-name."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from knot_tui.text import plain
from knot_tui.ui.widgets.key_bar import KeyBar


class ConfirmScreen(ModalScreen[bool]):
    """Ask before doing something; `items` are listed (e.g. the spaces a bulk stop affects)."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm.cancel"),
        Binding("y", "answer(True)", "Confirm", id="confirm.yes"),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        items: list[str] | None = None,
        confirm: str = "Confirm",
        danger: bool = False,
    ) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._items = items or []
        self._confirm = confirm
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="danger" if self._danger else ""):
            yield Label(plain(self._title), id="dialog-title")
            yield Static(plain(self._message, keep_newlines=True), id="dialog-message")
            if self._items:
                with VerticalScroll(id="dialog-items"):
                    for item in self._items:
                        yield Label(f"• {plain(item)}")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm, id="confirm", variant="error" if self._danger else "primary")
        yield KeyBar()  # the dialog's keys, over the screen's underneath

    def on_mount(self) -> None:
        self.query_one("#cancel" if self._danger else "#confirm", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class TypedConfirmScreen(ModalScreen[bool]):
    """Confirm by typing a name (deletes): the button works only when it matches exactly."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(self, title: str, message: str, expected: str, *, confirm: str = "Delete") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._expected = expected
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="danger"):
            yield Label(plain(self._title), id="dialog-title")
            yield Static(plain(self._message, keep_newlines=True), id="dialog-message")
            yield Label(f"Type {plain(self._expected)} to confirm:")
            yield Input(placeholder=plain(self._expected), id="typed")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm, id="confirm", variant="error", disabled=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value != self._expected

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self._expected:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm" and self.query_one("#typed", Input).value == self._expected)

    def action_cancel(self) -> None:
        self.dismiss(False)
