"""An `Input` for filters whose result shows in the same frame as the typed letter.

Two things in Textual's `Input` delay a filter. Its text width lives in `virtual_size`, a
reactive that asks for a layout of the whole screen on every key (a filter box has a fixed
size: here it only repaints). And `Input.Changed` reaches the screen after the box has
already asked to be repainted, so the filtered rows miss that frame and follow ~30 ms
later. `apply`, when set, is called with the new value while the box handles the key.

Its own keys show in the key bar while it has focus: enter or ↓ keep the filter and go back
to the list (`leave`), esc clears it first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input


class FilterInput(Input):
    # Priority bindings: the app runs them before it hands on the next key; they let the box
    # type what it already holds, then `leave` moves focus, so the next key reaches the list.
    BINDINGS: list[BindingType] = [
        Binding(
            "enter",
            "keep",
            "Keep filter",
            id="filter.keep",
            tooltip="Keep the filter and go back to the list",
            priority=True,
        ),
        Binding(
            "down",
            "to_list",
            "To list",
            id="filter.to_list",
            tooltip="Keep the filter and go back to the list",
            priority=True,
        ),
        Binding(
            "escape",
            "clear",
            "Clear",
            id="filter.clear",
            tooltip="Clear the filter and go back to the list",
            priority=True,
        ),
    ]
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(
        self,
        *args: object,
        apply: Callable[[str], None] | None = None,
        leave: Callable[[], None] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.apply = apply
        #: Called to give focus back to the list once the box has settled; without it,
        #: `Input.Submitted` is posted.
        self.leave = leave

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if self.apply is not None:
            self.apply(value)

    async def _go_back(self, *, clear: bool) -> None:
        """Settle, then give focus back (`leave`). A priority binding runs this on the app's
        loop before it hands on the next key; waiting here for the keys this box already holds
        (a burst like `deb⏎l`) means the filter is whole before `l` reaches the list."""
        await drained(self)
        if clear:
            self.value = ""
        self.display = bool(self.value)  # the box stays while it holds a filter
        if self.leave is not None:
            self.leave()
        else:
            self.post_message(self.Submitted(self, self.value))

    async def action_keep(self) -> None:
        await self._go_back(clear=False)

    async def action_to_list(self) -> None:
        await self._go_back(clear=False)

    async def action_clear(self) -> None:
        await self._go_back(clear=True)


async def drained(widget: Widget) -> None:
    """Return once `widget` has handled every message queued to it before this call."""
    done = asyncio.Event()
    widget.call_later(done.set)
    await done.wait()
