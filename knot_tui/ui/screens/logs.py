"""`l`: a space's logs — knot's agent log and its Nomad task's stdout and stderr.

Each source has its own bounded, virtualised `LogLines` and its own worker; a source keeps
streaming while another is shown, so switching loses nothing. Workers post `LogItem`
messages (batched: a burst of lines is one message). Search highlights and jumps, the
filter shows only matching lines, and the status line always says what the stream is doing.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import platformdirs
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Input, Label

from knot_tui.knot.models import Space, SpaceState, Template, User
from knot_tui.logs.sources import SourceItem, SourceLines, agent_log, batched, task_log
from knot_tui.logs.targets import TaskTarget, task_targets
from knot_tui.nomad.errors import NomadError
from knot_tui.text import plain
from knot_tui.ui.messages import SpacesChanged
from knot_tui.ui.widgets.filter_input import drained
from knot_tui.ui.widgets.key_bar import KeyBar
from knot_tui.ui.widgets.log_lines import LogLines
from knot_tui.ui.widgets.status_bar import StatusBar
from knot_tui.ui.widgets.text_line import TextLine

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

AGENT, STDOUT, STDERR = "agent", "stdout", "stderr"
FILTER_DELAY = 0.15
LABELS = {AGENT: "agent log", STDOUT: "stdout", STDERR: "stderr"}
STATE_STYLE = {
    "live": ("●", "green"),
    "connecting": ("◐", "yellow"),
    "reconnecting": ("◐", "yellow"),
    "waiting": ("○", "yellow"),
    "ended": ("○", "dim"),
    "failed": ("✗", "red"),
    "idle": ("○", "dim"),
}


#: The share of the event loop kept for keys and repaints while lines pour in.
UI_SHARE = 0.25


@dataclass
class SourceStatus:
    state: str = "idle"
    detail: str = ""
    retry_in: float = 0.0


class LogItem(Message):
    """What a source worker read (worker → screen). The worker waits for `handled` before it
    posts the next, so a flood never queues ahead of keys and repaints: lines wait (merged)
    in the stream's batcher instead of as messages in the screen's queue."""

    def __init__(self, source: str, item: SourceItem, generation: int) -> None:
        super().__init__()
        self.source = source
        self.item = item
        self.generation = generation
        self.handled = asyncio.Event()


class TargetsFound(Message):
    def __init__(self, targets: list[TaskTarget], error: NomadError | None = None) -> None:
        super().__init__()
        self.targets = targets
        self.error = error


def default_save_path(space: Space, source: str, target: TaskTarget | None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    what = source if source == AGENT or target is None else f"{target.task}-{source}"
    name = f"{space.username}-{space.name}-{what}-{stamp}.log"
    return Path(platformdirs.user_data_dir("knot-tui")) / "logs" / name


class LogsScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Logs"
    BINDINGS = [
        Binding(
            "escape",
            "back",
            "Back",
            id="logs.back",
            tooltip="Close the search or filter, then go back",
            priority=True,  # like enter in the box below: the next key goes where esc sends focus
        ),
        Binding("enter", "submit_input", "Apply", show=False, priority=True),
        Binding(
            "a", "source('agent')", "Agent", id="logs.agent", tooltip="knot's agent log (history, then live)"
        ),
        Binding("o", "source('stdout')", "stdout", id="logs.stdout", tooltip="The Nomad task's stdout"),
        Binding("e", "source('stderr')", "stderr", id="logs.stderr", tooltip="The Nomad task's stderr"),
        Binding("A", "pick_task", "Alloc/task", id="logs.task", tooltip="Choose the allocation and task"),
        # search and filter are priority bindings (run before the next key is handed on), so
        # what is typed right after `/` or `f` lands in the box, not on the log's keys.
        Binding(
            "slash",
            "search",
            "Search",
            id="logs.search",
            tooltip="Search: highlight matches; n / N jump",
            priority=True,
        ),
        Binding("n", "next_match", "Next", id="logs.next", show=False, tooltip="Next match"),
        Binding("N", "previous_match", "Previous", id="logs.previous", show=False, tooltip="Previous match"),
        Binding(
            "f",
            "filter",
            "Filter",
            id="logs.filter",
            tooltip="Show only lines containing the text",
            priority=True,
        ),
        Binding("w", "wrap", "Wrap", id="logs.wrap", tooltip="Wrap long lines on/off"),
        Binding("t", "stamps", "Times", id="logs.stamps", show=False, tooltip="Timestamps on/off"),
        Binding("p", "pause", "Pause", id="logs.pause", tooltip="Pause/resume following (nothing is lost)"),
        Binding(
            "c", "copy", "Copy", id="logs.copy", tooltip="Copy the cursor line, or the visible lines (OSC 52)"
        ),
        Binding("ctrl+s", "save", "Save", id="logs.save", tooltip="Save the buffered lines to a file"),
        Binding(
            "G",
            "follow",
            "Follow",
            id="logs.follow",
            show=False,
            tooltip="Follow the end (also end); g / home: top; j k ↑ ↓: cursor",
        ),
    ]

    def __init__(self, space_id: str, source: str = "") -> None:
        super().__init__()
        self.space_id = space_id
        self.requested = source
        self.source = AGENT
        self.status: dict[str, SourceStatus] = {s: SourceStatus() for s in LABELS}
        self.started: set[str] = set()
        self.generation = {s: 0 for s in LABELS}
        self.targets: list[TaskTarget] = []
        self.target: TaskTarget | None = None
        self.target_error: NomadError | None = None
        self.input_mode = ""  # "search" | "filter" while the input is open
        self._filter_timer: Timer | None = None

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    @property
    def space(self) -> Space | None:
        return self.knot_app.store.spaces.get(self.space_id)

    def lines(self, source: str | None = None) -> LogLines:
        return self.query_one(f"#log-{source or self.source}", LogLines)

    # ---- composition -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        cap = self.knot_app.settings.log_buffer_lines
        yield TextLine(id="logs-title")
        with ContentSwitcher(initial=f"log-{AGENT}", id="logs-switcher"):
            for source in LABELS:
                yield LogLines(cap, id=f"log-{source}")
        yield TextLine(id="logs-status")
        with Horizontal(id="logs-input-row"):
            yield Label("", id="logs-input-label")
            yield Input(id="logs-input")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#logs-input-row").display = False
        space = self.space
        nomad = self.knot_app.nomad_configured and space is not None and space.platform in ("nomad", "")
        first = self.requested or (AGENT if self._may_read_agent_log() or not nomad else STDOUT)
        if nomad:
            self.find_targets()
        self.action_source(first)

    def _may_read_agent_log(self) -> bool:
        space, me = self.space, self.knot_app.store.me
        return space is None or me is None or space.user_id == me.user_id or me.user_id in space.shares

    # ---- sources ---------------------------------------------------------------------

    def action_source(self, source: str) -> None:
        self.source = source
        self.query_one("#logs-switcher", ContentSwitcher).current = f"log-{source}"
        self.lines().focus()
        if source not in self.started:
            self._start(source)
        self.render_title()
        self.render_status()

    def _start(self, source: str) -> None:
        if source == AGENT:
            self.started.add(source)
            self.follow_agent(self.generation[source])
            return
        if self.target is None:
            status = self.status[source]
            if self.target_error is not None:
                status.state, status.detail = (
                    "failed",
                    f"{self.target_error.message}. {self.target_error.remedy}",
                )
            elif not self.knot_app.nomad_configured:
                status.state, status.detail = (
                    "failed",
                    "Nomad is not configured: set NOMAD_ADDR and NOMAD_TOKEN",
                )
            elif self.space is not None and self.space.platform not in ("nomad", ""):
                status.state, status.detail = "failed", f"{self.space.name} does not run on Nomad"
            else:
                status.state, status.detail = "connecting", "looking for the space's allocation…"
            self._empty_text(source)
            return  # started when the target is known
        self.started.add(source)
        self.follow_task(source, self.target, self.generation[source])

    @work(group="log-agent", exclusive=True, exit_on_error=False)
    async def follow_agent(self, generation: int) -> None:
        services = self.knot_app.services
        if services is None:
            return
        async for item in batched(agent_log(services.knot.connection, self.space_id)):
            await self._deliver(LogItem(AGENT, item, generation))

    @work(group="log-task", exit_on_error=False)
    async def follow_task(self, source: str, target: TaskTarget, generation: int) -> None:
        services = self.knot_app.services
        if services is None or services.streams is None:
            return
        streams = services.streams
        stream = task_log(
            streams.http,
            target.alloc_id,
            target.task,
            source,
            namespace=target.namespace,
            tail_bytes=self.knot_app.settings.log_tail_bytes,
            extensions=streams.extensions,
        )
        async for item in batched(stream):
            await self._deliver(LogItem(source, item, generation))

    async def _deliver(self, message: LogItem) -> None:
        """Post one batch and wait until the screen has taken it (backpressure); then leave
        the loop to keys and repaints for a share of that time, so a flood of lines cannot
        starve them (the UI keeps at least a quarter of the loop; reading stays above
        80,000 lines/s: see bench/RESULTS.md)."""
        started = time.monotonic()
        if self.post_message(message):
            await message.handled.wait()
        await asyncio.sleep((time.monotonic() - started) * UI_SHARE / (1 - UI_SHARE))

    @work(group="log-targets", exclusive=True, exit_on_error=False)
    async def find_targets(self) -> None:
        services = self.knot_app.services
        space = self.space
        if services is None or space is None:
            return
        app = self.knot_app
        me = app.store.me
        owner: User | None = me if me is not None and me.user_id == space.user_id else None
        template: Template | None = app.templates.get(space.template_id)
        try:
            targets = await task_targets(services, space, template, owner)
        except NomadError as exc:
            self.post_message(TargetsFound([], exc))
            return
        self.post_message(TargetsFound(targets))

    def on_targets_found(self, message: TargetsFound) -> None:
        self.targets = message.targets
        self.target_error = message.error
        if message.error is None and not message.targets:
            for source in (STDOUT, STDERR):
                self.status[source] = SourceStatus(
                    "failed", "the job has no allocation (is the space running?)"
                )
                self._empty_text(source)
        elif self.target is None and message.targets:
            self.set_target(message.targets[0])
        elif (
            self.target is not None
            and message.targets
            and message.targets[0].alloc_id != self.target.alloc_id
        ):
            newest = message.targets[0]
            if newest.status == "running" and self.target not in message.targets[:1]:
                self.notify(
                    f"Allocation {newest.alloc_id[:8]} is now running: press A to read it.",
                    title="New allocation",
                )
        if self.source in (STDOUT, STDERR) and self.source not in self.started:
            self._start(self.source)
        self.render_title()
        self.render_status()

    def set_target(self, target: TaskTarget) -> None:
        """Read stdout/stderr from this allocation and task (restarting those streams)."""
        changed = self.target is not None and target != self.target
        self.target = target
        if changed:
            self.workers.cancel_group(self, "log-task")
            for source in (STDOUT, STDERR):
                self.generation[source] += 1
                self.lines(source).clear()
                self.status[source] = SourceStatus()
                self.started.discard(source)
        if self.source in (STDOUT, STDERR) and self.source not in self.started:
            self._start(self.source)
        self.render_title()

    def on_log_item(self, message: LogItem) -> None:
        try:
            self._take(message)
        finally:
            message.handled.set()

    def _take(self, message: LogItem) -> None:
        if message.generation != self.generation[message.source]:
            return  # from a stream we replaced
        item = message.item
        if isinstance(item, SourceLines):
            self.lines(message.source).append(item.lines, marker=item.marker)
        else:
            self.status[message.source] = SourceStatus(item.state, item.detail, item.retry_in)
            self._empty_text(message.source)
            self.render_title()
        if message.source == self.source:
            self.render_status()

    def _empty_text(self, source: str) -> None:
        status = self.status[source]
        text = {
            "connecting": "Connecting…",
            "live": "No output yet: new lines appear here as they are written.",
            "ended": "The stream ended.",
        }.get(status.state, "")
        if status.state in ("failed", "waiting", "reconnecting") or (
            status.state == "connecting" and status.detail
        ):
            text = status.detail[:1].upper() + status.detail[1:] if status.detail else status.state
        self.lines(source).set_empty_text(text)

    def action_pick_task(self) -> None:
        from knot_tui.ui.screens.task_picker import TaskPickerScreen

        if not self.targets:
            why = self.target_error.message if self.target_error else "no allocation found (yet)"
            self.notify(f"Cannot choose a task: {why}.", severity="warning")
            self.find_targets()
            return

        def chosen(target: TaskTarget | None) -> None:
            if target is not None:
                self.set_target(target)
                if self.source == AGENT:
                    self.action_source(STDOUT)

        self.app.push_screen(TaskPickerScreen(self.targets, self.target), chosen)

    # ---- search, filter ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.focused, Input)
        if action in ("search", "filter"):
            return not typing  # in the box, `/` and `f` are characters
        if action == "submit_input":
            return typing  # enter elsewhere is the log's own (the cursor line)
        return True

    def _open_input(self, mode: str) -> None:
        self.input_mode = mode
        row = self.query_one("#logs-input-row")
        row.display = True
        label = "Search:" if mode == "search" else "Filter:"
        self.query_one("#logs-input-label", Label).update(label)
        box = self.query_one("#logs-input", Input)
        log = self.lines()
        box.value = log.search if mode == "search" else (log.view.filter or log.search)
        box.placeholder = (
            "text to highlight (enter jumps to the next match; n / N later)"
            if mode == "search"
            else "show only lines containing this text (case-insensitive unless it has capitals)"
        )
        self.set_focus(box)  # now, not after keys already queued (as `focus()` would)
        box.select_all()  # typing replaces it; an arrow key keeps it

    def _close_input(self) -> None:
        self.input_mode = ""
        self.query_one("#logs-input-row").display = False
        self.set_focus(self.lines())
        self.render_status()

    def action_search(self) -> None:
        self._open_input("search")

    def action_filter(self) -> None:
        self._open_input("filter")

    @on(Input.Changed, "#logs-input")
    def _typed(self, event: Input.Changed) -> None:
        if self.input_mode == "search":
            self.lines().set_search(event.value)
        elif self.input_mode == "filter":
            # A filter rereads every buffered line (~0.15 s for 100,000): wait for a pause in typing.
            if self._filter_timer is not None:
                self._filter_timer.stop()
            log, value = self.lines(), event.value
            self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self._apply_filter(log, value))
        self.render_status()

    def _apply_filter(self, log: LogLines, value: str) -> None:
        self._filter_timer = None
        log.set_filter(value)
        self.render_status()

    async def action_submit_input(self) -> None:
        """enter in the search or filter box (a priority binding, run before the next key is
        handed on): once the box has typed the keys it already holds, apply its text and give
        focus back to the log, so a key typed right after lands on the log, not in the box."""
        box = self.query_one("#logs-input", Input)
        await drained(box)
        value = box.value
        mode = self.input_mode
        if mode == "filter":
            if self._filter_timer is not None:
                self._filter_timer.stop()
            self._apply_filter(self.lines(), value)
        elif mode == "search":
            self.lines().set_search(value)  # its Changed events may still be on their way
        self._close_input()
        if mode == "search" and value:
            self.action_next_match()

    def action_next_match(self) -> None:
        self._jump(forward=True)

    def action_previous_match(self) -> None:
        self._jump(forward=False)

    def _jump(self, *, forward: bool) -> None:
        log = self.lines()
        if not log.search:
            self.notify("Nothing to find: press / and type some text.", severity="information")
            return
        if not log.find(forward=forward):
            self.notify(f"No line contains {log.search!r}.", severity="warning")
        self.render_status()

    # ---- display -----------------------------------------------------------------------

    def action_wrap(self) -> None:
        log = self.lines()
        on = not log.view.wrap
        for source in LABELS:
            self.lines(source).set_wrap(on)
        self.render_status()

    def action_stamps(self) -> None:
        on = not self.lines().show_stamps
        for source in LABELS:
            self.lines(source).set_stamps(on)
        self.render_status()

    def action_pause(self) -> None:
        log = self.lines()
        log.set_paused(not log.paused)
        self.render_status()

    def action_follow(self) -> None:
        self.lines().action_follow()
        self.render_status()

    def on_log_lines_changed(self, message: LogLines.Changed) -> None:
        self.render_status()

    def render_title(self) -> None:
        space = self.space
        text = Text(" ")
        if space is not None:
            text.append(f"{plain(space.username)}/", style="dim")
            text.append(plain(space.name), style="bold")
        text.append("  ")
        for source, label in LABELS.items():
            status = self.status[source]
            glyph, style = STATE_STYLE.get(status.state, ("○", "dim"))
            key = {"agent": "a", "stdout": "o", "stderr": "e"}[source]
            current = source == self.source
            text.append(f" {key} ", style="reverse" if current else "bold")
            text.append(f" {label} ", style="bold" if current else "")
            text.append(glyph, style=style)
            text.append("  ")
        if self.target is not None:
            text.append(f"task {plain(self.target.task)} · alloc {self.target.alloc_id[:8]}", style="dim")
            if len(self.targets) > 1:
                text.append(f" (A: {len(self.targets)} to choose from)", style="dim")
        self.query_one("#logs-title", TextLine).update(text)

    def render_status(self) -> None:
        log = self.lines()
        status = self.status[self.source]
        glyph, style = STATE_STYLE.get(status.state, ("○", "dim"))
        text = Text(" ")
        text.append(f"{glyph} {status.state}", style=style)
        if status.detail and status.state != "live":
            text.append(f": {plain(status.detail)}", style=style)
        if status.state == "reconnecting" and status.retry_in:
            text.append(f" (retry in {status.retry_in:.0f}s)", style="dim")
        text.append("  ")
        if log.paused:
            text.append("‖ paused", style="bold yellow")
        elif log.following:
            text.append("↓ following", style="green")
        else:
            text.append("scrolled", style="dim")
        if log.pending:
            text.append(f"  +{log.pending:,} new lines (G follows)", style="bold yellow")
        count = log.view.line_count
        total = len(log.buffer)
        if log.view.filter:
            text.append(f"  {count:,} of {total:,} lines match {log.view.filter!r}", style="cyan")
        else:
            text.append(f"  {total:,} lines", style="dim")
        if log.buffer.dropped:
            text.append(f" ({log.buffer.dropped:,} oldest dropped: cap {log.buffer.cap:,})", style="dim")
        if log.search:
            text.append(f"  search {log.search!r}", style="yellow")
        text.append(f"  wrap {'on' if log.view.wrap else 'off'}", style="dim")
        text.append(f" · times {'on' if log.show_stamps else 'off'}", style="dim")
        self.query_one("#logs-status", TextLine).update(text)

    # ---- copy, save --------------------------------------------------------------------

    def action_copy(self) -> None:
        log = self.lines()
        line = log.cursor_line()
        lines = [line] if line is not None else log.visible_lines()
        if not lines:
            self.notify("Nothing to copy yet.", severity="information")
            return
        self.app.copy_to_clipboard("\n".join(item.plain for item in lines))
        what = "the cursor line" if line is not None else f"{len(lines)} visible lines"
        self.notify(f"Copied {what} to the clipboard (OSC 52: your terminal must allow it).")

    def action_save(self) -> None:
        from knot_tui.ui.screens.save_log import SaveLogScreen

        space = self.space
        if space is None:
            return
        default = default_save_path(space, self.source, self.target)

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.save_to(path, [line.plain for line in self.lines().view.lines()])

        self.app.push_screen(SaveLogScreen(default), chosen)

    @work(thread=True, group="log-save", exit_on_error=False)
    def save_to(self, path: Path, lines: list[str]) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # New files only, readable by you alone (logs can hold anything a task printed).
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(fd, "w", encoding="utf-8") as out:
                for line in lines:
                    out.write(line + "\n")
        except FileExistsError:
            self.app.call_from_thread(
                self.notify, f"{path} exists: choose another name.", title="Not saved", severity="error"
            )
            return
        except OSError as exc:
            self.app.call_from_thread(
                self.notify,
                f"Cannot write {path}: {exc.strerror or exc}",
                title="Not saved",
                severity="error",
            )
            return
        self.app.call_from_thread(self.notify, f"Saved {len(lines):,} lines to {path}", title="Log saved")

    # ---- leaving -----------------------------------------------------------------------

    def action_back(self) -> None:
        log = self.lines()
        if self.input_mode:
            self._close_input()
        elif log.view.filter:
            log.set_filter("")
            self.render_status()
        elif log.search:
            log.set_search("")
            self.render_status()
        else:
            self.dismiss()

    def on_spaces_changed(self, message: SpacesChanged) -> None:
        """A (re)started space has a new allocation: find it, and offer it."""
        change = message.change
        if not (change.full or self.space_id in change.updated):
            return
        space = self.space
        if space is not None and space.state is SpaceState.RUNNING and self.knot_app.nomad_configured:
            self.find_targets()
