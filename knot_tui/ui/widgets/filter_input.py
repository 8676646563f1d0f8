"""An `Input` for filters whose result shows in the same frame as the typed letter.

Two things in Textual's `Input` delay a filter. Its text width lives in `virtual_size`, a
reactive that asks for a layout of the whole screen on every key (a filter box has a fixed
size: here it only repaints). And `Input.Changed` reaches the screen after the box has
already asked to be repainted, so the filtered rows miss that frame and follow ~30 ms
later. `apply`, when set, is called with the new value while the box handles the key.

Its own keys show in the key bar while it has focus: enter or ↓ keep the filter and go back
to the list (both post `Input.Submitted`), esc clears it first.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    BINDINGS: list[BindingType] = [
        Binding(
            "enter",
            "submit",
            "Keep filter",
            id="filter.keep",
            tooltip="Keep the filter and go back to the list",
        ),
        Binding(
            "down",
            "to_list",
            "To list",
            id="filter.to_list",
            tooltip="Keep the filter and go back to the list",
        ),
        Binding(
            "escape", "clear", "Clear", id="filter.clear", tooltip="Clear the filter and go back to the list"
        ),
    ]
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args: object, apply: Callable[[str], None] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.apply = apply

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if self.apply is not None:
            self.apply(value)

    async def action_to_list(self) -> None:
        await self.action_submit()

    async def action_clear(self) -> None:
        self.value = ""
        await self.action_submit()
