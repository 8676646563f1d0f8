"""Changing a scroll view's virtual size without a layout of the whole screen.

`virtual_size` is a reactive that lays out the screen whenever it changes, and a layout
repaints every widget. A table whose row count follows a filter, or a log that grows by a
batch of lines, changes it all the time; only when a scrollbar comes or goes does the
layout matter.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Set `view.virtual_size`; lay out the screen only if a scrollbar comes or goes."""
    old = view.virtual_size
    if size == old:
        return
    box = view.scrollable_content_region.size
    same_bars = (old.height > box.height) == (size.height > box.height) and (old.width > box.width) == (
        size.width > box.width
    )
    if not same_bars:
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)  # the scrollbars' lengths, without the layout
    view.refresh()
