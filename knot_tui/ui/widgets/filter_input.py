"""An `Input` for filters that does not lay out the whole screen on every keystroke.

Textual's `Input` stores its text width in `virtual_size`, a reactive that asks for a layout
of the screen when it changes, so every key costs a full-screen reflow and repaint; and the
rows the filter changed then reach the terminal a frame or two after the echo. A filter box
has a fixed size, so the reflow buys nothing: here `virtual_size` only repaints.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
