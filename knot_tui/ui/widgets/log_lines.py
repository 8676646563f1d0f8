"""A log that draws only what is on screen: 100,000 lines cost what 30 do.

The lines live in a bounded `LogBuffer`; a `LogView` says which are shown (filter) and how
many rows each takes (wrap). `render_line` turns the few visible rows into strips, cached by
line and display mode. It follows the end only while the view is at the bottom; otherwise new
lines are counted ("+N new lines") and `G`/`end` goes back to following. A cursor line (up,
down, click) is what `c` copies.
"""

from __future__ import annotations

import time
from datetime import datetime

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from knot_tui.logs.model import DEFAULT_CAP, Line, LogBuffer, LogView, matcher
from knot_tui.ui.widgets.scroll_size import set_virtual_size

MARGIN = 1
MAX_WIDTH = 1_000_000  # horizontal scrolling reaches the end of the longest kept line
#: Repaints a second for arriving lines (a flood is unreadable faster; see `_paint_soon`).
FLOOD_FPS = 20


class LogLines(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"log--stamp", "log--match", "log--cursor", "log--marker"}

    DEFAULT_CSS = """
    LogLines { height: 1fr; background: $surface; }
    LogLines > .log--stamp { color: $text-muted; }
    LogLines > .log--match { background: $warning 60%; color: $text; text-style: bold; }
    LogLines > .log--cursor { background: $primary 30%; }
    LogLines > .log--marker { color: $accent; text-style: italic; }
    """

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "top", "Top", show=False),
        Binding("end,G", "follow", "Follow", show=False),
        Binding("left", "pan(-8)", "Left", show=False),
        Binding("right", "pan(8)", "Right", show=False),
    ]

    class Changed(Message):
        """Following, pending count or line count changed (for the status line)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogLines.Changed)

    def __init__(self, cap: int = DEFAULT_CAP, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer = LogBuffer(cap)
        self.view = LogView(self.buffer)
        self.show_stamps = True
        self.search = ""
        self.cursor_seq: int | None = None
        self.following = True
        self.paused = False
        self.pending = 0
        self._widest = 0
        self._stamp_len = 0
        self.empty_text = ""
        self._cache: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(1200)
        #: (base, stamp) styles, worked out once per style change (rich_style walks the DOM).
        self._styles: tuple[Style, Style] | None = None
        self._painted_at = 0.0
        self._paint_timer: Timer | None = None

    # ---- feeding -----------------------------------------------------------------------

    def append(self, raw: list[str], *, marker: bool = False) -> None:
        """Add lines; follow them when at the bottom, count them otherwise."""
        if not raw:
            return
        if self._may_follow():
            self.following = True
        arrived = datetime.now().strftime("%H:%M:%S")
        lines = self.buffer.add(raw, arrived, marker=marker)
        removed, added = self.view.added(lines)
        stamps = self._stamp_len
        for line in lines:
            if line.cells > self._widest:
                self._widest = min(MAX_WIDTH, line.cells)
            if len(line.stamp) > self._stamp_len:
                self._stamp_len = len(line.stamp)
        if self._stamp_len != stamps and self.show_stamps:
            self._cache.clear()
            self.view.set_width(self._text_width())
        if removed and not self.following:
            self.scroll_to(y=max(0, self.scroll_y - removed), animate=False, immediate=True)
        self._resize()
        if self.following:
            self._to_end()
        else:
            self.pending += added
        self._paint_soon()
        self.post_message(self.Changed())

    def _paint_soon(self) -> None:
        """Repaint for new lines at most FLOOD_FPS times a second: a flood scrolls faster than
        anyone reads, and each frame of it redraws every visible line; the time saved goes to
        reading the stream and to answering keys."""
        now = time.monotonic()
        wait = self._painted_at + 1 / FLOOD_FPS - now
        if wait <= 0:
            self._painted_at = now
            self.refresh()
        elif self._paint_timer is None:
            self._paint_timer = self.set_timer(wait, self._paint_now)

    def _paint_now(self) -> None:
        self._paint_timer = None
        self._painted_at = time.monotonic()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()

    def _base_styles(self) -> tuple[Style, Style]:
        if self._styles is None:
            self._styles = (self.rich_style, self.get_component_rich_style("log--stamp"))
        return self._styles

    def clear(self) -> None:
        self.buffer = LogBuffer(self.buffer.cap)
        self.view = LogView(self.buffer, width=self.view.width, wrap=self.view.wrap, filter=self.view.filter)
        self.view.rebuild()
        self._cache.clear()
        self.cursor_seq = None
        self.pending = 0
        self._widest = 0
        self._stamp_len = 0
        self._resize()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Changed())

    # ---- display modes -----------------------------------------------------------------

    def set_wrap(self, wrap: bool) -> None:
        anchor = self._top_line()
        self.view.set_wrap(wrap)
        self._cache.clear()
        self._resize()
        self._restore(anchor)

    def set_stamps(self, on: bool) -> None:
        self.show_stamps = on
        self._cache.clear()
        self.view.set_width(self._text_width())
        self._resize()
        self.refresh()

    def set_search(self, query: str) -> None:
        self.search = query
        self.refresh()

    def set_filter(self, query: str) -> None:
        anchor = self.cursor_seq if self.cursor_seq is not None else self._top_seq()
        self.view.set_filter(query)
        self._cache.clear()
        self._resize()
        if self.following:
            self._to_end()
        elif anchor is not None:
            self._restore(self._index_near(anchor))
        self.refresh()
        self.post_message(self.Changed())

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            self.following = False
        else:
            self.action_follow()
        self.post_message(self.Changed())

    # ---- geometry --------------------------------------------------------------------

    def _stamp_width(self) -> int:
        return self._stamp_len + 1 if self.show_stamps and self._stamp_len else 0

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - MARGIN - self._stamp_width())

    def _resize(self) -> None:
        width = self.view.width if self.view.wrap else self._widest + MARGIN + self._stamp_width()
        # A relayout per batch of lines was most of the cost of a busy log.
        set_virtual_size(self, Size(width, self.view.row_count))

    def on_resize(self, event: events.Resize) -> None:
        anchor = self._top_line()
        if self.view.set_width(self._text_width()):
            self._cache.clear()
            self._resize()
            self._restore(anchor)
        else:
            self._resize()
        if self.following:
            self._to_end()

    def _to_end(self) -> None:
        """Show the last line. When this batch brings the scrollbar, the view cannot scroll until
        the layout that adds it (its size stays the same, so no resize follows): try again then."""
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        if self.scroll_y < self.max_scroll_y:
            self.call_after_refresh(self._to_end_if_following)

    def _to_end_if_following(self) -> None:
        if self.following and self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _top_line(self) -> int:
        index, _ = self.view.locate(int(self.scroll_y))
        return max(0, index)

    def _top_seq(self) -> int | None:
        line = self.view.line(self._top_line())
        return line.seq if line else None

    def _restore(self, index: int) -> None:
        self.scroll_to(y=self.view.first_row(index), animate=False, immediate=True)
        self.refresh()

    def _index_near(self, seq: int) -> int:
        """The visible line at or after `seq` (for keeping one's place across filters)."""
        lo, hi = 0, self.view.line_count
        while lo < hi:
            mid = (lo + hi) // 2
            line = self.view.line(mid)
            if line is not None and line.seq < seq:
                lo = mid + 1
            else:
                hi = mid
        return min(lo, max(0, self.view.line_count - 1))

    @property
    def at_bottom(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    # ---- drawing -----------------------------------------------------------------------

    def _strips(self, line: Line, width: int) -> list[Strip]:
        key = (line.seq, self.view.wrap, width if self.view.wrap else 0, self.show_stamps, self.search)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        style, stamp_style = self._base_styles()
        text = (
            Text.from_ansi(line.text, no_wrap=True, end="")
            if "\x1b" in line.text
            else Text(line.text, end="")
        )
        if line.marker:
            text.stylize(self.get_component_rich_style("log--marker"))
        pattern = matcher(self.search)
        if pattern is not None:
            match_style = self.get_component_rich_style("log--match")
            for found in pattern.finditer(line.plain):
                text.stylize(match_style, found.start(), found.end())
        stamp_width = self._stamp_width()
        chunks = [text]
        if self.view.wrap and line.cells > width:
            chunks = _fold(text, width)
        console = self.app.console
        strips = []
        for i, chunk in enumerate(chunks):
            segments: list[Segment] = []
            if stamp_width:
                label = line.stamp if i == 0 else ""
                segments.append(Segment(label.ljust(stamp_width), style + stamp_style))
            segments += list(chunk.render(console))
            strips.append(Strip(segments).apply_style(style))
        self._cache[key] = strips
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        index, sub = self.view.locate(row)
        line = self.view.line(index)
        if line is None:
            if self.view.line_count == 0 and self.empty_text:
                return self._empty_line(y, width)
            return Strip.blank(width, self.rich_style)
        x = 0 if self.view.wrap else int(self.scroll_x)
        cursor = self.cursor_seq is not None and line.seq == self.cursor_seq
        key = (
            "fit",
            line.seq,
            sub,
            x,
            width,
            cursor,
            self.view.wrap,
            self.view.width,
            self.show_stamps,
            self.search,
        )
        fitted = self._cache.get(key)
        if fitted is not None:
            return fitted[0]
        strips = self._strips(line, self.view.width)
        strip = strips[min(sub, len(strips) - 1)]
        if x:
            strip = strip.crop(x, x + width)
        strip = strip.extend_cell_length(width, self._base_styles()[0]).crop(0, width)
        if cursor:
            strip = strip.apply_style(self.get_component_rich_style("log--cursor"))
        self._cache[key] = [strip]
        return strip

    def set_empty_text(self, text: str) -> None:
        """What to say while there is no line (connecting, refused, agent away)."""
        if text != self.empty_text:
            self.empty_text = text
            self.refresh()

    def _empty_line(self, y: int, width: int) -> Strip:
        rows = Text(self.empty_text, style="italic").wrap(self.app.console, max(10, width - 2))
        if y >= len(rows):
            return Strip.blank(width, self.rich_style)
        segments = [Segment(" "), *rows[y].render(self.app.console)]
        return (
            Strip(segments)
            .apply_style(self.rich_style + self.get_component_rich_style("log--stamp"))
            .extend_cell_length(width, self.rich_style)
            .crop(0, width)
        )

    # ---- moving ------------------------------------------------------------------------

    def _stop_following(self) -> None:
        if self.following:
            self.following = False
            self.post_message(self.Changed())

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._stop_following()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._may_follow() and self.pending:
            self.action_follow()

    def _may_follow(self) -> bool:
        """Back at the bottom by hand (no cursor, not paused): follow again."""
        return not self.following and not self.paused and self.cursor_seq is None and self.at_bottom

    def action_cursor(self, step: int) -> None:
        self._stop_following()
        count = self.view.line_count
        if not count:
            return
        if self.cursor_seq is None:
            index = (
                self._top_line()
                if step > 0
                else self.view.locate(int(self.scroll_y) + self.size.height - 1)[0]
            )
        else:
            index = self._index_near(self.cursor_seq) + step
        index = max(0, min(count - 1, index))
        self.move_cursor(index)

    def move_cursor(self, index: int) -> None:
        line = self.view.line(index)
        if line is None:
            return
        self.cursor_seq = line.seq
        first = self.view.first_row(index)
        last = first + self.view.rows_of(index) - 1
        if first < self.scroll_y:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif last >= self.scroll_y + self.size.height:
            self.scroll_to(y=last - self.size.height + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Changed())

    def action_page(self, direction: int) -> None:
        self._stop_following()
        self.scroll_to(
            y=self.scroll_y + direction * max(1, self.size.height - 1), animate=False, immediate=True
        )

    def action_top(self) -> None:
        self._stop_following()
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_pan(self, cells: int) -> None:
        if not self.view.wrap:
            self.scroll_to(x=max(0, self.scroll_x + cells), animate=False, immediate=True)

    def action_follow(self) -> None:
        self.following = True
        self.paused = False
        self.pending = 0
        self.cursor_seq = None
        self._to_end()
        self.refresh()
        self.post_message(self.Changed())

    def on_click(self, event: events.Click) -> None:
        index, _ = self.view.locate(int(self.scroll_y) + event.y)
        if index >= 0:
            self._stop_following()
            self.move_cursor(index)

    # ---- reading -----------------------------------------------------------------------

    def visible_lines(self) -> list[Line]:
        first = self._top_line()
        last, _ = self.view.locate(min(self.view.row_count - 1, int(self.scroll_y) + self.size.height - 1))
        return list(self.view.lines(first, (last if last >= 0 else first) + 1))

    def cursor_line(self) -> Line | None:
        return self.buffer.get(self.cursor_seq) if self.cursor_seq is not None else None

    def find(self, *, forward: bool = True) -> bool:
        """Move the cursor to the next (or previous) match of the search; False if none."""
        if not self.search:
            return False
        if self.cursor_seq is not None:
            start = self._index_near(self.cursor_seq) + (1 if forward else -1)
        else:
            start = self._top_line() if forward else self._top_line() - 1
        index = self.view.find(self.search, start, forward=forward)
        if index < 0:
            return False
        self._stop_following()
        self.move_cursor(index)
        return True


def _fold(text: Text, width: int) -> list[Text]:
    """Cut `text` into rows of exactly `width` cells (characters, not words: the row count
    must match `LogView`'s arithmetic)."""
    plain = text.plain
    if plain.isascii():
        offsets = list(range(width, len(plain), width))
    else:
        offsets = []
        used = 0
        for i, ch in enumerate(plain):
            size = get_character_cell_size(ch)
            if used + size > width:
                offsets.append(i)
                used = 0
            used += size
    return list(text.divide(offsets)) if offsets else [text]


__all__ = ["LogLines"]
