"""One space in full: knot's view and Nomad's, side by side, all live.

Panes (each with its own freshness and error): knot · Nomad job and allocations · health
(knot agent, Nomad deployment, Nomad checks, Consul checks) · the selected allocation's
tasks and events · deployment · CSI volume · Nomad's event stream. A `SpaceMonitor`
worker feeds them through `MonitorUpdate` messages; knot's own event feed arrives as
`SpacesChanged`. Nomad-native checks are polled only while the health pane is on screen.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.errors import NoWidget
from textual.events import Resize
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from knot_tui import monitor as panes
from knot_tui.diagnose import STALE_PING, stale_ping_check
from knot_tui.health import health_rows, stale_ping_suspect
from knot_tui.knot.errors import KnotError, KnotNotFound
from knot_tui.knot.links import space_links
from knot_tui.knot.models import ResourceUsage, Space, SpaceState, Template
from knot_tui.monitor import PaneData, PaneProblem, SpaceMonitor
from knot_tui.nomad.errors import NomadError, NomadNotConfigured, NomadPermissionDenied
from knot_tui.nomad.events import EventStreamState
from knot_tui.nomad.locator import JobNotFound, NotANomadSpace
from knot_tui.nomad.models import Allocation, CheckResult, ConsulCheck, Job
from knot_tui.text import plain
from knot_tui.ui.messages import MonitorUpdate, SpacesChanged
from knot_tui.ui.panes.allocation_pane import AllocationPane
from knot_tui.ui.panes.deployment_pane import DeploymentPane
from knot_tui.ui.panes.events_pane import EventsPane
from knot_tui.ui.panes.health_pane import HealthPane
from knot_tui.ui.panes.job_pane import JobPane
from knot_tui.ui.panes.knot_pane import KnotPane, knot_table
from knot_tui.ui.panes.volume_pane import VolumePane
from knot_tui.ui.widgets.key_bar import KeyBar
from knot_tui.ui.widgets.pane import LIVE, POLLED
from knot_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

NARROW = 120  # below this width the panes stack in one column


class DefinitionLoaded(Message):
    """The space's full definition (created, shell, volumes) and template arrived."""

    def __init__(
        self, space: Space | None, template: Template | None, error: KnotError | None = None
    ) -> None:
        super().__init__()
        self.space = space
        self.template = template
        self.error = error


class UsageRead(Message):
    def __init__(self, usage: ResourceUsage | None, error: KnotError | None = None) -> None:
        super().__init__()
        self.usage = usage
        self.error = error


class DetailsScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Space details"
    BINDINGS = [
        Binding("escape", "back", "Back", id="details.back", tooltip="Back to the list"),
        Binding("u", "start", "Start", id="details.start", tooltip="Start this space"),
        Binding("d", "stop", "Stop", id="details.stop", tooltip="Stop this space (asks first)"),
        Binding("r", "restart", "Restart", id="details.restart", tooltip="Restart this space"),
        Binding("l", "logs", "Logs", id="details.logs", tooltip="Agent log and Nomad task output"),
        Binding("s", "ssh", "SSH", id="details.ssh", tooltip="Open a shell in the space with the system ssh"),
        Binding(
            "v", "vnc", "VNC", id="details.vnc", tooltip="Open the space's desktop (KasmVNC) in a browser"
        ),
        Binding(
            "pagedown",
            "scroll_body('page_down')",
            "Page down",
            id="details.pagedown",
            show=False,
            priority=True,
            tooltip="Scroll the panes down",
        ),
        Binding(
            "pageup",
            "scroll_body('page_up')",
            "Page up",
            id="details.pageup",
            show=False,
            priority=True,
            tooltip="Scroll the panes up",
        ),
        Binding("o", "links", "Links", id="details.links", tooltip="Open or copy the space's browser links"),
        Binding(
            "R",
            "read_usage",
            "Read usage",
            id="details.usage",
            show=False,
            tooltip="Read CPU, memory and disk use again (read on open and on each change: never polled)",
        ),
        Binding(
            "f",
            "follow_newest",
            "Newest alloc",
            id="details.follow",
            tooltip="Show the newest allocation again (enter on a row shows that one)",
        ),
    ]

    def __init__(self, space_id: str) -> None:
        super().__init__()
        self.space_id = space_id
        self.space: Space | None = None
        self.definition: Space | None = None
        self.template: Template | None = None
        self.usage: ResourceUsage | None = None
        self.usage_read_at: datetime | None = None
        self.monitor: SpaceMonitor | None = None
        self.job: Job | None = None
        self.job_problem: NomadError | None = None
        self.allocs: list[Allocation] = []
        self.alloc: Allocation | None = None
        self.nomad_checks: dict[str, CheckResult] | None = None
        self.nomad_problem: NomadError | None = None
        self.consul_checks: dict[str, list[ConsulCheck]] = {}
        self.consul_problems: dict[str, NomadError] = {}
        self.deleted = False
        self._checks_visible = True

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    # ---- composition -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="details-title")
        with VerticalScroll(id="details-body"):
            with Horizontal(classes="details-row"):
                yield KnotPane()
                yield JobPane()
            yield HealthPane(every=panes.CHECKS_PERIOD)
            with Horizontal(classes="details-row"):
                yield AllocationPane()
                with Vertical(classes="details-side"):
                    yield DeploymentPane()
                    yield VolumePane()
                    yield EventsPane()
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.space = self.knot_app.store.spaces.get(self.space_id)
        self._layout(self.size.width)
        self.render_knot()
        self.render_title()
        self.render_health()
        self.query_one("#allocs", DataTable).focus()
        self.set_interval(1.0, self._tick, name="freshness")
        self.load_definition()
        self.read_usage()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    # ---- loading ---------------------------------------------------------------------

    @work(exclusive=True, group="details-definition", exit_on_error=False)
    async def load_definition(self) -> None:
        services = self.knot_app.services
        if services is None:
            return
        try:
            space = await services.knot.get_space(self.space_id)
        except KnotError as exc:
            self.post_message(DefinitionLoaded(None, None, exc))
            return
        template = self.knot_app.templates.get(space.template_id)
        if template is None or not template.job:
            try:
                template = await services.knot.template(space.template_id)
            except KnotError:
                template = template or None  # inactive or hidden: the locator searches instead
        self.post_message(DefinitionLoaded(space, template))

    @work(exclusive=True, group="details-usage", exit_on_error=False)
    async def read_usage(self) -> None:
        services = self.knot_app.services
        space = self.space
        if services is None or space is None or space.state is not SpaceState.RUNNING or space.is_remote:
            return
        try:
            point = await services.knot.usage_current(self.space_id)
        except KnotError as exc:
            self.post_message(UsageRead(None, exc))
            return
        self.post_message(UsageRead(point.resource_usage))

    def action_read_usage(self) -> None:
        self.read_usage()

    @work(exclusive=True, group="details-monitor", exit_on_error=False)
    async def follow(self, space: Space, template: Template | None) -> None:
        services = self.knot_app.services
        if services is None:
            return
        me = self.knot_app.store.me
        owner = me if me is not None and me.user_id == space.user_id else None
        monitor = SpaceMonitor(services, space, template, owner)
        monitor.set_checks_visible(self._checks_visible)
        self.monitor = monitor
        async for item in monitor.run():
            self.post_message(MonitorUpdate(item))

    def on_definition_loaded(self, message: DefinitionLoaded) -> None:
        if message.error is not None:
            if isinstance(message.error, KnotNotFound):
                self._gone()
            else:
                self.query_one(KnotPane).fail(message.error)
            return
        assert message.space is not None
        self.definition = message.space
        self.template = message.template
        self.space = self._merged(self.knot_app.store.spaces.get(self.space_id) or message.space)
        self.render_knot()
        self.render_title()
        self.render_health()
        if self.monitor is None:
            self.follow(self.space, self.template)

    def on_usage_read(self, message: UsageRead) -> None:
        if message.error is None:
            self.usage = message.usage
            self.usage_read_at = self.knot_app.now()
            self.render_knot(fresh=False)

    def _merged(self, space: Space) -> Space:
        """The list's live fields plus what only the full definition carries."""
        d = self.definition
        if d is None:
            return space
        return replace(
            space,
            shell=d.shell,
            created_at=d.created_at,
            created_at_formatted=d.created_at_formatted,
            volume_data=d.volume_data,
            has_ever_started=d.has_ever_started or space.has_ever_started,
            startup_script_id=d.startup_script_id,
        )

    # ---- knot --------------------------------------------------------------------------

    def on_spaces_changed(self, message: SpacesChanged) -> None:
        change = message.change
        if self.space_id in change.removed:
            self._gone()
            return
        if not (change.full or self.space_id in change.updated | change.added):
            return
        space = self.knot_app.store.spaces.get(self.space_id)
        if space is None:
            return
        before = self.space
        self.space = self._merged(space)
        if self.monitor is not None:
            self.monitor.update_space(self.space)
        if before is not None and before.state != space.state and space.state is SpaceState.RUNNING:
            self.read_usage()
        self.render_knot()
        self.render_title()
        self.render_health()

    def _gone(self) -> None:
        if self.deleted:
            return
        self.deleted = True
        self.render_title()
        self.notify("This space was deleted.", title="Space deleted", severity="warning")

    def render_title(self) -> None:
        space = self.space
        text = Text(" ")
        if space is None:
            text.append("Space not found", style="bold red")
        else:
            text.append(f"{plain(space.username)}/", style="dim")
            text.append(plain(space.name), style="bold")
            text.append(f"  {plain(space.template_name)}", style="dim")
            if self.job is not None:
                text.append(
                    f"  job {plain(self.job.id)} ({plain(self.job.namespace or 'default')})", style="dim"
                )
        if self.deleted:
            text.append("  DELETED", style="bold red")
        self.query_one("#details-title", Static).update(text)

    def render_knot(self, *, fresh: bool = True) -> None:
        space = self.space
        pane = self.query_one(KnotPane)
        if space is None:
            pane.query_one("#knot-body", Static).update(Text("This space is not in your list.", style="dim"))
            return
        app = self.knot_app
        links = (
            space_links(space, app.settings.server, app.server_info.wildcard_domain)
            if space.has_state
            else []
        )
        usage = self.usage or space.resource_usage
        table = knot_table(
            space,
            self.template,
            me=app.store.me,
            now=app.now(),
            links=links,
            usage=usage,
            pending=app.pending.get(space.space_id),
            usage_read_at=self.usage_read_at if self.usage is not None else None,
        )
        if fresh:
            pane.show(table)
        else:
            pane.query_one("#knot-body", Static).update(table)

    # ---- Nomad -------------------------------------------------------------------------

    def on_monitor_update(self, message: MonitorUpdate) -> None:
        item = message.item
        if isinstance(item, PaneProblem):
            self._problem(item)
        else:
            self._data(item)
        self.render_health()

    def _data(self, item: PaneData) -> None:
        now = self.knot_app.now()
        if item.pane == panes.JOB:
            self.job, self.job_problem = item.value, None
            self.set_class(False, "-no-nomad")
            self.query_one(JobPane).show_job(item.value, now, item.at)
            self.render_title()
        elif item.pane == panes.ALLOCATIONS:
            self.allocs = item.value
            pane = self.query_one(JobPane)
            pane.show_allocs(self.allocs, self._selected(), now)
            pane.fresh(item.at)
            self.query_one(VolumePane).set_statuses({a.id: a.client_status for a in self.allocs})
            if not self.allocs:
                self.query_one(AllocationPane).show_message(Text("The job has no allocations.", style="dim"))
        elif item.pane == panes.ALLOCATION:
            self.alloc = item.value
            newest = self.monitor is None or self.monitor.following_newest
            self.query_one(AllocationPane).show(item.value, newest=newest, now=now, at=item.at)
            self.query_one(JobPane).show_allocs(self.allocs, self._selected(), now)
        elif item.pane == panes.DEPLOYMENT:
            self.query_one(DeploymentPane).show(item.value, item.at)
        elif item.pane == panes.NOMAD_CHECKS:
            if self.alloc is None or item.key == self.alloc.id:
                self.nomad_checks, self.nomad_problem = item.value, None
                pane = self.query_one(HealthPane)
                pane.mode = POLLED
                pane.fresh(item.at)
        elif item.pane == panes.CONSUL_CHECKS:
            self.consul_checks[item.key] = item.value
            self.consul_problems.pop(item.key, None)
            self.query_one(HealthPane).fresh(item.at)
        elif item.pane == panes.VOLUME:
            self.query_one(VolumePane).show(item.key, item.value, item.at)
        elif item.pane == panes.EVENTS:
            events = self.query_one(EventsPane)
            if isinstance(item.value, EventStreamState):
                events.stream_state(item.value, item.at)
            else:
                events.add(item.value, item.at)

    def _problem(self, item: PaneProblem) -> None:
        error = item.error
        if self.job is None and isinstance(error, NomadPermissionDenied) and item.pane != panes.JOB:
            return  # the same refusal as the job's: said once, in the job pane
        if item.pane == panes.JOB:
            self._job_problem(error, item.retry_in)
        elif item.pane == panes.ALLOCATIONS:
            self.query_one(JobPane).fail(error, item.retry_in)
        elif item.pane == panes.ALLOCATION:
            self.query_one(AllocationPane).fail(error, item.retry_in)
        elif item.pane == panes.DEPLOYMENT:
            self.query_one(DeploymentPane).fail(error, item.retry_in)
        elif item.pane == panes.NOMAD_CHECKS:
            self.nomad_problem = error
        elif item.pane == panes.CONSUL_CHECKS:
            self.consul_problems[item.key] = error
        elif item.pane == panes.VOLUME:
            self.query_one(VolumePane).show_problem(item.key, error, item.retry_in)

    def _job_problem(self, error: NomadError, retry_in: float) -> None:
        self.job_problem = error
        job_pane = self.query_one(JobPane)
        if isinstance(error, (NomadNotConfigured, NotANomadSpace)):
            self.set_class(True, "-no-nomad")
            if isinstance(error, NomadNotConfigured):
                text = Text("Nomad is not configured: knot's view only.\n", style="bold")
                text.append(
                    "Set NOMAD_ADDR and NOMAD_TOKEN (or [alias.<name>.nomad] in the config) to see the "
                    "allocation, its task events, checks and the home volume here.",
                    style="dim",
                )
            else:
                text = Text(f"{plain(error.message)}.\n", style="bold")
                text.append(plain(error.remedy), style="dim")
            job_pane.show_message(text)
            job_pane.fresh()
            return
        space = self.space
        if isinstance(error, JobNotFound) and space is not None and space.state is SpaceState.STOPPED:
            text = Text("The space is stopped and Nomad has no job for it (u starts it).", style="dim")
            job_pane.show_message(text)
            job_pane.fresh()
            return
        job_pane.fail(error, retry_in)
        ref = self.monitor.ref if self.monitor is not None else None
        if ref is not None:
            how = {"template": "from the template's job line", "override": "from your config"}.get(
                ref.how, "found by search"
            )
            summary = Text(plain(ref.job_id), style="bold")
            summary.append(f"  namespace {plain(ref.namespace)}  ({how})", style="dim")
            job_pane.show_message(summary)
        waiting = Text("Needs the Nomad job (see the Nomad job pane).", style="dim")
        for pane in (AllocationPane, DeploymentPane, VolumePane, EventsPane):
            widget = self.query_one(pane)
            if isinstance(widget, (AllocationPane, DeploymentPane, VolumePane)):
                widget.show_message(waiting)
            widget.wait_for("waiting for the job")

    def _selected(self) -> str | None:
        return self.monitor.selected_alloc if self.monitor is not None else None

    @on(DataTable.RowSelected, "#allocs")
    def select_alloc(self, event: DataTable.RowSelected) -> None:
        if self.monitor is None or event.row_key.value is None:
            return
        alloc_id = str(event.row_key.value)
        newest = bool(self.allocs) and self.allocs[0].id == alloc_id
        self.monitor.select_alloc(alloc_id, newest=newest)
        self.nomad_checks = None
        self.query_one(JobPane).show_allocs(self.allocs, alloc_id, self.knot_app.now())

    # ---- health ------------------------------------------------------------------------

    def render_health(self) -> None:
        space = self.space
        if space is None:
            return
        rows = health_rows(
            space,
            self.template,
            job=self.job,
            job_problem=self.job_problem,
            alloc=self.alloc,
            nomad_checks=self.nomad_checks,
            nomad_problem=self.nomad_problem,
            consul_checks=self.consul_checks,
            consul_problems=self.consul_problems,
        )
        note = STALE_PING if stale_ping_suspect(rows, self.alloc) and stale_ping_check(self.job) else ""
        pane = self.query_one(HealthPane)
        pane.show(rows, note)
        if self.job is None and self.job_problem is not None:
            pane.mode = LIVE
            pane.fresh()

    # ---- time ------------------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        for pane in self.query("Pane"):
            pane.tick(now)  # type: ignore[attr-defined]
        self._checks_shown(self._in_sight() and self._in_view(self.query_one(HealthPane)))

    def _in_sight(self) -> bool:
        """On top, or just under a dialog (which leaves the panes in sight); not under a screen."""
        stack = self.app.screen_stack
        if stack[-1] is self:
            return True
        return isinstance(stack[-1], ModalScreen) and len(stack) > 1 and stack[-2] is self

    def on_screen_suspend(self) -> None:
        self._checks_shown(self._in_sight())

    def on_screen_resume(self) -> None:
        self._tick()
        self.read_usage()  # back from logs or a shell: usage is read on demand, not polled

    def _checks_shown(self, visible: bool) -> None:
        if visible != self._checks_visible:
            self._checks_visible = visible
            if self.monitor is not None:
                self.monitor.set_checks_visible(visible)
            if not visible:
                self.query_one(HealthPane).mode = LIVE

    def _in_view(self, widget: Widget) -> bool:
        """Is any of `widget` inside the scrolled body's viewport (or under a dialog)?"""
        try:
            return widget.region.overlaps(self.query_one("#details-body").region)
        except NoWidget:
            return False

    # ---- actions -----------------------------------------------------------------------

    def _current(self) -> Space | None:
        space = self.knot_app.store.spaces.get(self.space_id) or self.space
        if space is None or self.deleted:
            self.notify("This space no longer exists.", severity="warning")
            return None
        return space

    def action_scroll_body(self, how: str) -> None:
        body = self.query_one("#details-body", VerticalScroll)
        if how == "page_down":
            body.scroll_page_down(animate=False)
        else:
            body.scroll_page_up(animate=False)

    def action_back(self) -> None:
        self.dismiss()

    def action_start(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.lifecycle.start(space)

    def action_stop(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.lifecycle.stop([space])

    def action_restart(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.lifecycle.restart(space)

    def action_logs(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.open_logs(space)

    def action_ssh(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.open_ssh(space)

    def action_vnc(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.open_vnc(space)

    def action_links(self) -> None:
        space = self._current()
        if space is not None:
            self.knot_app.open_links(space)

    def action_follow_newest(self) -> None:
        if self.monitor is not None and self.allocs:
            self.monitor.select_alloc(self.allocs[0].id, newest=True)
            self.nomad_checks = None
            self.query_one(JobPane).show_allocs(self.allocs, self.allocs[0].id, self.knot_app.now())
