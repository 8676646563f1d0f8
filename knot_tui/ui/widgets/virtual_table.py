"""A table that draws only the rows on screen (the Line API), for 10,000 rows and more.

Textual's DataTable needs ~2 s to add 10,000 rows and rebuilds them to filter; here the
view is a list of row keys: filtering or sorting replaces the list, and `render_line` asks
a cell provider for the cells of the few visible rows. Changed rows are redrawn by key.
The header is line 0 and never scrolls. Columns fit the width: flexible ones share the
space left, and low-priority ones are hidden when the terminal is narrow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from knot_tui.ui.widgets.scroll_size import set_virtual_size

CellProvider = Callable[[str, str], Text | str]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    flex: bool = False
    #: Columns with a higher priority number are hidden first when space runs out.
    priority: int = 0
    align: str = "left"


#: Keys of group heading rows start with this.
GROUP_PREFIX = "group:"


@dataclass(frozen=True, slots=True)
class Row:
    """An entry of the view: a data row, or a group heading (`group=True`)."""

    key: str
    group: bool = False
    label: str = ""


class VirtualTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--group",
        "virtual-table--mark",
        "virtual-table--stripe",
    }

    DEFAULT_CSS = """
    VirtualTable {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    VirtualTable > .virtual-table--header { text-style: bold; background: $panel; }
    VirtualTable > .virtual-table--cursor { background: $accent 40%; }
    VirtualTable:focus > .virtual-table--cursor { background: $accent 70%; text-style: bold; }
    VirtualTable > .virtual-table--group { text-style: bold; color: $text-muted; background: $boost; }
    VirtualTable > .virtual-table--mark { background: $warning 25%; }
    VirtualTable > .virtual-table--stripe { background: $boost; }
    """

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    class CursorMoved(Message):
        def __init__(self, table: VirtualTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class Selected(Message):
        def __init__(self, table: VirtualTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class HeaderClicked(Message):
        """A click on a column's title (the screen may sort by it)."""

        def __init__(self, table: VirtualTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

    def __init__(self, provider: CellProvider, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._provider = provider
        self._columns: list[Column] = []
        self._layout: list[tuple[Column, int]] = []
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._cache: dict[str, Strip] = {}
        self._layout_width = -1
        self.marked: set[str] = set()
        self.empty_text = ""

    # ---- data ------------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def visible_columns(self) -> list[str]:
        return [c.key for c, _ in self._layout]

    @property
    def rows(self) -> list[Row]:
        return self._rows

    @property
    def row_count(self) -> int:
        """Data rows (group headings not counted)."""
        return len(self._index)

    def set_columns(self, columns: list[Column]) -> None:
        self._columns = list(columns)
        self._layout_width = -1
        self._cache.clear()
        self.refresh()

    def set_rows(self, rows: list[Row], *, keep: str | None = None) -> None:
        """Replace the view; the cursor stays on `keep` (or the same key) when present."""
        current = keep if keep is not None else self.cursor_key
        self._rows = rows
        self._index = {row.key: i for i, row in enumerate(rows) if not row.group}
        # Drawn lines are cached per key, not per position, so they survive a new filter or
        # sort; only group headings (their labels carry counts) are drawn again. Callers
        # `forget` the keys whose data changed.
        for key in [k for k in self._cache if k.startswith(GROUP_PREFIX)]:
            del self._cache[key]
        set_virtual_size(self, Size(self.size.width, len(rows) + 1))  # no layout per filter key
        target = self._index.get(current or "", None)
        if target is None:
            target = min(self.cursor, max(0, len(rows) - 1))
            target = self._nearest_data_row(target)
        self._set_cursor(target, force=True)
        self.refresh()

    def refresh_keys(self, keys: set[str] | frozenset[str]) -> None:
        """The cells of these rows changed: forget their cached lines and redraw them."""
        first = round(self.scroll_offset.y)
        height = self.size.height
        for key in keys:
            self._cache.pop(key, None)
            index = self._index.get(key)
            if index is not None and first <= index < first + height:
                self.refresh_line(index - first + 1)

    def forget(self, keys: set[str] | frozenset[str]) -> None:
        """These rows' data changed: draw them again when next shown."""
        for key in keys:
            self._cache.pop(key, None)

    def forget_all(self) -> None:
        self._cache.clear()

    def refresh_all(self) -> None:
        self._cache.clear()
        self.refresh()

    @property
    def cursor_key(self) -> str | None:
        if 0 <= self.cursor < len(self._rows) and not self._rows[self.cursor].group:
            return self._rows[self.cursor].key
        return None

    def move_to(self, key: str) -> bool:
        index = self._index.get(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    # ---- cursor ----------------------------------------------------------------------

    def _nearest_data_row(self, index: int, step: int = 1) -> int:
        if not self._rows:
            return 0
        index = max(0, min(index, len(self._rows) - 1))
        probe = index
        while 0 <= probe < len(self._rows) and self._rows[probe].group:
            probe += step
        if 0 <= probe < len(self._rows):
            return probe
        probe = index
        while 0 <= probe < len(self._rows) and self._rows[probe].group:
            probe -= step
        return max(0, probe)

    def _set_cursor(self, index: int, *, force: bool = False) -> None:
        old = self.cursor
        self.set_reactive(VirtualTable.cursor, index)
        if old != index or force:
            self._cache.pop(self._rows[old].key if 0 <= old < len(self._rows) else "", None)
            self._scroll_cursor_visible()
            self.refresh()
            self.post_message(self.CursorMoved(self, self.cursor_key))

    def _scroll_cursor_visible(self) -> None:
        body = max(1, self.size.height - 1)
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        if not self._rows:
            return
        target = self.cursor + step
        target = max(0, min(target, len(self._rows) - 1))
        target = self._nearest_data_row(target, 1 if step > 0 else -1)
        self._set_cursor(target)

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        if self._rows:
            target = 0 if direction < 0 else len(self._rows) - 1
            self._set_cursor(self._nearest_data_row(target, 1 if direction < 0 else -1))

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            column = self.column_at(event.x + round(self.scroll_offset.x))
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        index = round(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self._rows) and not self._rows[index].group:
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def column_at(self, x: int) -> str | None:
        """The key of the column drawn at cell `x` (gaps count for the column left of them)."""
        self._ensure_layout()
        start = 1  # the row's left margin
        for column, width in self._layout:
            if start <= x <= start + width:
                return column.key
            start += width + 1
        return None

    # ---- layout ----------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._rows) + 1)
        self._layout_width = -1
        self._cache.clear()
        self._scroll_cursor_visible()

    def _compute_layout(self, width: int) -> list[tuple[Column, int]]:
        def need(cols: list[Column]) -> int:
            return sum(c.width for c in cols) + len(cols) - 1 + 2

        columns = list(self._columns)
        dropped: list[Column] = []
        while columns:
            if need(columns) <= width or len(columns) == 1:
                break
            drop = max(columns, key=lambda c: (c.priority, columns.index(c)))
            if drop.priority == 0:
                break
            columns.remove(drop)
            dropped.append(drop)
        # A narrow column dropped before a wide one may fit in the room the wide one left.
        for column in sorted(dropped, key=lambda c: c.priority):
            candidate = [c for c in self._columns if c in columns or c is column]
            if need(candidate) <= width:
                columns = candidate
        fixed = need(columns)
        spare = max(0, width - fixed)
        flex = [c for c in columns if c.flex]
        layout = []
        for column in columns:
            extra = 0
            if flex and column.flex:
                extra = spare // len(flex)
                if column is flex[0]:
                    extra += spare % len(flex)
            layout.append((column, column.width + extra))
        return layout

    def _ensure_layout(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._layout_width:
            self._layout_width = width
            self._layout = self._compute_layout(width)
            self._cache.clear()

    # ---- rendering -------------------------------------------------------------------

    def _cells(self, texts: list[Text]) -> list[Segment]:
        console = self.app.console
        segments: list[Segment] = [Segment(" ")]
        for i, ((column, width), text) in enumerate(zip(self._layout, texts, strict=True)):
            if i:
                segments.append(Segment(" "))
            cell = text.copy()
            cell.no_wrap = True
            cell.truncate(width, overflow="ellipsis", pad=False)
            pad = width - cell.cell_len
            if pad > 0:
                if column.align == "right":
                    cell = Text(" " * pad) + cell
                else:
                    cell.append(" " * pad)
            rendered = cell.render(console)
            if cell.style:
                # Text.render leaves a span-less Text unstyled (its own style is applied by
                # __rich_console__ only), so apply it here, under any spans.
                rendered = Segment.apply_style(rendered, console.get_style(cell.style))
            segments.extend(rendered)
        segments.append(Segment(" "))
        return segments

    def _row_strip(self, row: Row) -> Strip:
        cached = self._cache.get(row.key)
        if cached is not None:
            return cached
        if row.group:
            text = Text(" " + row.label)
            strip = Strip(list(text.render(self.app.console)))
        else:
            texts = []
            for column, _width in self._layout:
                value = self._provider(row.key, column.key)
                texts.append(value if isinstance(value, Text) else Text(str(value)))
            strip = Strip(self._cells(texts))
        self._cache[row.key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        self._ensure_layout()
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            header_style = self.get_component_rich_style("virtual-table--header")
            labels = [Text(c.label) for c, _ in self._layout]
            return Strip(self._cells(labels)).adjust_cell_length(width).apply_style(base + header_style)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self._rows):
            empty = self.empty_text.splitlines() if not self._rows else []
            if index < len(empty):  # one table line per line of the text
                return (
                    Strip(list(Text(" " + empty[index], style="italic").render(self.app.console)))
                    .adjust_cell_length(width)
                    .apply_style(base)
                )
            return Strip.blank(width, base)
        row = self._rows[index]
        strip = self._row_strip(row).adjust_cell_length(width)
        style: Style = base
        if row.group:
            style += self.get_component_rich_style("virtual-table--group")
        else:
            if index % 2:
                style += self.get_component_rich_style("virtual-table--stripe")
            if row.key in self.marked:
                style += self.get_component_rich_style("virtual-table--mark")
            if index == self.cursor:
                style += self.get_component_rich_style("virtual-table--cursor")
        return strip.apply_style(style)
