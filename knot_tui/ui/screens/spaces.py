"""The home screen: spaces, live, with filter, sort, grouping, marks and lifecycle keys."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from knot_tui.knot.models import Space
from knot_tui.text import plain, shorten
from knot_tui.ui import spaces_view as view
from knot_tui.ui.lifecycle import can_see_everyone
from knot_tui.ui.messages import NomadChanged, SpacesChanged
from knot_tui.ui.widgets.filter_input import FilterInput
from knot_tui.ui.widgets.key_bar import KeyBar
from knot_tui.ui.widgets.status_bar import StatusBar
from knot_tui.ui.widgets.text_line import TextLine
from knot_tui.ui.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

#: The one-line tip `--demo` shows under the title.
DEMO_TIP = Text.assemble(
    ("Demo", "bold"),
    " · a simulated knot, Nomad and Consul · ",
    ("enter", "bold"),
    " details · ",
    ("l", "bold"),
    " logs · ",
    ("n", "bold"),
    " new · ",
    ("s", "bold"),
    " ssh (password demo) · ",
    ("a", "bold"),
    " everyone · ",
    ("?", "bold"),
    " keys",
    no_wrap=True,
    overflow="ellipsis",
)
UPTIME_REFRESH = 15.0  # seconds between redraws of the uptime column (no network)


class SpacesScreen(Screen[None]):
    """Your spaces (and, with `a`, everyone's), updated from knot's and Nomad's events."""

    BINDING_GROUP_TITLE = "Spaces"
    BINDINGS = [
        Binding(
            "enter",
            "details",
            "Details",
            id="spaces.details",
            tooltip="Open the space: knot, Nomad allocations, checks, volume",
        ),
        Binding("n", "new", "New", id="spaces.new", tooltip="Create a space from a template"),
        Binding(
            "u", "start", "Start", id="spaces.start", tooltip="Start the selected space, or every marked one"
        ),
        Binding(
            "d",
            "stop",
            "Stop",
            id="spaces.stop",
            tooltip="Stop the selected space, or every marked one (asks first)",
        ),
        Binding(
            "r",
            "restart",
            "Restart",
            id="spaces.restart",
            tooltip="Restart the selected space, or every marked one (asks first)",
        ),
        Binding(
            "ctrl+d",
            "delete",
            "Delete",
            id="spaces.delete",
            tooltip="Delete the selected space (type its name; offers to stop it first)",
        ),
        Binding("l", "logs", "Logs", id="spaces.logs", tooltip="Agent log and Nomad task output"),
        Binding(
            "s",
            "ssh",
            "SSH",
            id="spaces.ssh",
            tooltip="Open a shell in the space with the system ssh",
        ),
        Binding(
            "v",
            "vnc",
            "VNC",
            id="spaces.vnc",
            tooltip="Open the space's desktop (KasmVNC) in a browser",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="spaces.filter",
            tooltip="Filter by name, user, template, zone, state; !word excludes",
            # Run by the app before it hands on the next key: the letters typed right after
            # `/` go to the box, never to the list (where `d` stops and `s` opens SSH).
            priority=True,
        ),
        Binding(
            "o",
            "sort",
            "Sort",
            id="spaces.sort",
            tooltip="Cycle the sort: name, state, health, uptime, template, user",
        ),
        Binding(
            "O",
            "reverse_sort",
            "Reverse",
            id="spaces.reverse",
            show=False,
            tooltip="Reverse the sort order (or click the sorted column's title again)",
        ),
        Binding(
            "a",
            "all_users",
            "All users",
            id="spaces.all_users",
            tooltip="Everyone's spaces (needs Manage Spaces)",
        ),
        Binding(
            "f",
            "attention",
            "Attention",
            id="spaces.attention",
            tooltip="Only spaces needing attention: unhealthy, stuck starting, failed allocation, update",
        ),
        Binding(
            "g",
            "group",
            "Group",
            id="spaces.group",
            show=False,
            tooltip="Group by user, state or health",
        ),
        Binding(
            "space",
            "mark",
            "Mark",
            id="spaces.mark",
            tooltip="Mark the space: u, d and r then act on every marked one",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.options = view.ViewOptions()
        self._entries = view.EntryCache()
        self._order: list[view.Entry] = []
        self._order_key: tuple[int, int, str] | None = None
        #: The last filter: (query, its result), for narrowing as the user types.
        self._filtered: tuple[str, list[view.Entry]] | None = None

    # ---- composition -----------------------------------------------------------------

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#spaces-table", VirtualTable)

    def compose(self) -> ComposeResult:
        yield TextLine(id="spaces-title")
        if self.knot_app.settings.demo:
            yield TextLine(DEMO_TIP, id="demo-tip")
        yield VirtualTable(self._cell, id="spaces-table")
        # The filter box is mounted on the first `/`: an Input costs ~10 ms before the first frame.
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.options = replace(self.options, all_users=self.knot_app.store.all_users)
        self.table.set_columns(view.columns(self.options.all_users))
        self.rebuild()
        self.table.focus()
        self.set_interval(UPTIME_REFRESH, self._tick, name="uptime")

    def _tick(self) -> None:
        self.table.refresh_all()  # redraws only the visible rows

    # ---- rows ------------------------------------------------------------------------

    def _cell(self, key: str, column: str) -> Text | str:
        app = self.knot_app
        space = app.store.spaces.get(key)
        if space is None:
            return ""
        return view.cell(
            space,
            column,
            now=app.now(),
            summary=app.nomad_summary(space),
            nomad_configured=app.nomad_configured and space.platform == "nomad",
            pending=app.pending.get(key),
            marked=key in self.table.marked,
        )

    def _ordered(self) -> list[view.Entry]:
        """The store's spaces in the current sort order, cached until the store or the sort
        changes (Nomad-dependent sorts are redone each time)."""
        app = self.knot_app
        store = app.store
        key = (id(store), store.version, self.options.sort, self.options.descending)
        if self._order_key != key or self.options.sort not in view.STABLE_SORTS:
            by = view.sort_key(self.options.sort, app.now(), app.nomad_summary)
            self._order = sorted(
                self._entries.entries(store.spaces.values()),
                key=lambda e: by(e[1]),
                reverse=self.options.descending,
            )
            self._order_key = key
            self._entries.forget_missing(store.spaces)
            self._filtered = None
        return self._order

    def _filter(self, entries: list[view.Entry]) -> list[view.Entry]:
        """Filter by the query, starting from the last result when the query only narrows it
        (typing one more letter tests only the spaces still shown)."""
        query = self.options.query
        last = self._filtered
        if last is not None and last[0] == query:
            return last[1]
        source = last[1] if last is not None and view.narrows(last[0], query) else entries
        result = view.filter_entries(source, query)
        self._filtered = (query, result)
        return result

    def rebuild(self) -> None:
        app = self.knot_app
        rows = view.rows_of(
            self._filter(self._ordered()), self.options, now=app.now(), nomad=app.nomad_summary
        )
        if self.table.marked:
            self.table.marked &= app.store.spaces.keys()
        self.table.set_rows(rows)
        if not app.loaded and app.load_failure:
            self.table.empty_text = (
                f"Could not read the spaces: {app.load_failure}\n"
                "knot-tui reads them again as soon as knot's event feed connects (see events ● below)."
            )
        elif not app.loaded:
            self.table.empty_text = "Loading spaces…"
        elif not app.store.spaces:
            self.table.empty_text = "No spaces yet. Press n to create one."
        elif not rows:
            self.table.empty_text = "Nothing matches (esc clears the filter, f toggles the attention filter)."
        else:
            self.table.empty_text = ""
        self.update_title()

    def update_title(self) -> None:
        app = self.knot_app
        store = app.store
        title = Text()
        if self.options.all_users:
            title.append(" All users' spaces", style="bold")
        else:
            title.append(" Spaces", style="bold")
            if store.me:
                title.append(f" of {plain(store.me.username)}")
        shown = self.table.row_count
        total = len(store.spaces)
        running = sum(1 for s in store.spaces.values() if s.is_deployed)
        title.append(f"  {shown} shown of {total}, {running} running", style="dim")
        title.append(
            f" · sort: {self.options.sort}{', reversed' if self.options.descending else ''}", style="dim"
        )
        if self.options.group:
            title.append(f" · by {self.options.group}", style="dim")
        if self.options.query:
            title.append(f" · filter: {shorten(plain(self.options.query), 30)!r}", style="yellow")
        if self.options.attention:
            title.append(" · needs attention", style="bold red")
        if self.table.marked:
            title.append(f" · {len(self.table.marked)} marked", style="bold yellow")
        self.query_one("#spaces-title", TextLine).update(title)

    def on_spaces_changed(self, message: SpacesChanged) -> None:
        change = message.change
        if self.options.all_users != self.knot_app.store.all_users:
            self.options = replace(self.options, all_users=self.knot_app.store.all_users)
            self.table.set_columns(view.columns(self.options.all_users))
        if change.full:
            self.table.forget_all()
        else:
            self.table.forget(change.updated)
        if change.full or change.added or change.removed or self._order_may_change(change.updated):
            self.rebuild()
        else:
            self.table.refresh_keys(change.updated)
            self.update_title()

    def on_nomad_changed(self, message: NomadChanged) -> None:
        """Nomad's job list moved: redraw the visible rows, or rebuild when Nomad's state
        decides the order or the selection (health sort or group, the attention filter)."""
        if self.options.sort == "health" or self.options.group == "health" or self.options.attention:
            self.rebuild()
        else:
            self.table.refresh_all()

    def _order_may_change(self, updated: frozenset[str]) -> bool:
        """Can these updates move rows (so the view must be rebuilt)? With the name sort and
        no filter or groups, only when a space was renamed."""
        if self.options.sort != "name" or self.options.group or self.options.attention or self.options.query:
            return True
        spaces = self.knot_app.store.spaces
        for key in updated:
            before, now = self._entries.last(key), spaces.get(key)
            if before is None or now is None or (before.name, before.username) != (now.name, now.username):
                return True
        return False

    # ---- selection -------------------------------------------------------------------

    def selected(self) -> Space | None:
        key = self.table.cursor_key
        return self.knot_app.store.spaces.get(key) if key else None

    def _need_selection(self) -> Space | None:
        space = self.selected()
        if space is None:
            self.notify("Select a space first.", severity="warning")
        return space

    @on(VirtualTable.Selected)
    def open_selected(self, event: VirtualTable.Selected) -> None:
        self.action_details()

    # ---- actions ---------------------------------------------------------------------

    def action_details(self) -> None:
        space = self._need_selection()
        if space is not None:
            self.knot_app.open_details(space)

    def action_new(self) -> None:
        self.knot_app.open_new_space()

    def _marked(self) -> list[Space]:
        store = self.knot_app.store
        marked = [store.spaces[k] for k in self.table.marked if k in store.spaces]
        return sorted(marked, key=lambda s: (s.username, s.name))

    def action_start(self) -> None:
        if marked := self._marked():
            self.knot_app.lifecycle.start_many(marked)
            return
        space = self._need_selection()
        if space is not None:
            self.knot_app.lifecycle.start(space)

    def action_restart(self) -> None:
        if marked := self._marked():
            self.knot_app.lifecycle.restart_many(marked)
            return
        space = self._need_selection()
        if space is not None:
            self.knot_app.lifecycle.restart(space)

    def action_stop(self) -> None:
        if marked := self._marked():
            self.knot_app.lifecycle.stop(marked)
            return
        space = self._need_selection()
        if space is not None:
            self.knot_app.lifecycle.stop([space])

    def action_delete(self) -> None:
        space = self._need_selection()
        if space is not None:
            self.knot_app.lifecycle.delete(space)

    def action_logs(self) -> None:
        space = self._need_selection()
        if space is not None:
            self.knot_app.open_logs(space)

    def action_ssh(self) -> None:
        space = self._need_selection()
        if space is not None:
            self.knot_app.open_ssh(space)

    def action_vnc(self) -> None:
        space = self._need_selection()
        if space is not None:
            self.knot_app.open_vnc(space)

    def action_mark(self) -> None:
        key = self.table.cursor_key
        if key is None:
            return
        self.table.marked ^= {key}
        self.table.refresh_keys({key})
        self.table.action_cursor(1)
        self.update_title()

    def action_sort(self) -> None:
        sorts = [s for s in view.SORTS if s != "user" or self.options.all_users]
        current = sorts.index(self.options.sort) if self.options.sort in sorts else -1
        self.options = replace(self.options, sort=sorts[(current + 1) % len(sorts)], descending=False)
        self.rebuild()

    @on(VirtualTable.HeaderClicked)
    def sort_by_header(self, event: VirtualTable.HeaderClicked) -> None:
        """A click on a column title sorts by it (for the columns `o` can sort by); a second
        click reverses the order."""
        if event.column == self.options.sort:
            self.action_reverse_sort()
        elif event.column in view.SORTS:
            self.options = replace(self.options, sort=event.column, descending=False)
            self.rebuild()

    def action_reverse_sort(self) -> None:
        self.options = replace(self.options, descending=not self.options.descending)
        self.rebuild()

    def action_group(self) -> None:
        groups = [g for g in view.GROUPS if g != "user" or self.options.all_users]
        current = groups.index(self.options.group) if self.options.group in groups else 0
        self.options = replace(self.options, group=groups[(current + 1) % len(groups)])
        self.rebuild()

    def action_attention(self) -> None:
        self.options = replace(self.options, attention=not self.options.attention)
        self.rebuild()
        if self.options.attention:
            count = self.table.row_count
            self.notify(
                f"{count} space{'s' if count != 1 else ''} need attention: unhealthy, starting for over "
                "2 minutes, a failed Nomad allocation, or an update available. f shows all again.",
                title="Needs attention",
                timeout=4,
            )

    def action_all_users(self) -> None:
        app = self.knot_app
        if not can_see_everyone(app):
            self.notify(
                "Only users with the Manage Spaces permission can see everyone's spaces.",
                title="All users",
                severity="warning",
            )
            return
        app.set_all_users(not app.store.all_users)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In the box, `/` is a character (the binding is a priority one, seen before the box).
        return not (action == "filter" and isinstance(self.focused, Input))

    def _filter_box(self) -> FilterInput | None:
        found = self.query("#spaces-filter")
        return found.first(FilterInput) if found else None

    async def action_filter(self) -> None:
        box = self._filter_box()
        if box is None:
            box = FilterInput(
                apply=self.apply_query,
                leave=self.filter_done,
                placeholder="filter: words match name, user, template, zone, state; !word excludes",
                id="spaces-filter",
            )
            await self.mount(box, before=self.query_one(StatusBar))
        box.display = True
        box.value = self.options.query
        self.set_focus(box)  # now, not after the keys already queued (as `focus()` would)

    def apply_query(self, query: str) -> None:
        """The filter box changed (called while it handles the key: see FilterInput)."""
        if query != self.options.query:
            self.options = replace(self.options, query=query)
            self.rebuild()

    def filter_done(self) -> None:
        """Back to the list from the filter box (which hides itself when left empty)."""
        self.set_focus(self.table)

    def key_escape(self) -> None:
        box = self._filter_box()
        if (box is not None and box.display) or self.options.query:
            if box is not None:
                box.value = ""
                box.display = False
            self.options = replace(self.options, query="")
            self.rebuild()
            self.table.focus()
        elif self.table.marked:
            self.table.marked.clear()
            self.table.refresh_all()
            self.update_title()
