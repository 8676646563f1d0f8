"""After `Create`: follow the new space to Running and healthy, step by step, live.

knot says when the space is deployed and its agent connected; Nomad (when configured) says
where the allocation is, what the task is doing and whether the checks pass. Failures are
explained (an image that cannot be pulled, the docs' stale /ping check). `c` cancels by
stopping the space; `esc` goes back to the list and leaves it starting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, Static

from knot_tui import monitor as panes
from knot_tui.diagnose import STALE_PING, allocation_failure, stale_ping_check
from knot_tui.knot.errors import KnotError
from knot_tui.knot.models import Space, SpaceRequest, SpaceState
from knot_tui.monitor import PaneData, PaneProblem, SpaceMonitor
from knot_tui.nomad.errors import NomadNotConfigured
from knot_tui.nomad.locator import JobNotFound
from knot_tui.nomad.models import Allocation, ConsulCheck, Deployment, Job
from knot_tui.text import plain
from knot_tui.ui.messages import MonitorUpdate, SpacesChanged
from knot_tui.ui.widgets.key_bar import KeyBar
from knot_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

WAITING, DONE, FAILED, SKIPPED, WARNING = "◐", "✓", "✗", "·", "⚠"
STYLE = {WAITING: "yellow", DONE: "green", FAILED: "bold red", SKIPPED: "dim", WARNING: "bold yellow"}


class StepChanged(Message):
    """The follow worker's verdict on one step (worker → screen)."""

    def __init__(self, key: str, mark: str, detail: str = "") -> None:
        super().__init__()
        self.key = key
        self.mark = mark
        self.detail = detail


class SpaceRead(Message):
    def __init__(self, space: Space) -> None:
        super().__init__()
        self.space = space


@dataclass
class Step:
    label: str
    mark: str = WAITING
    detail: str = ""


class ProgressScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Starting a space"
    BINDINGS = [
        Binding(
            "escape",
            "back",
            "Back",
            id="progress.back",
            tooltip="Back to the list (the space keeps starting)",
        ),
        Binding("c", "cancel_start", "Cancel", id="progress.cancel", tooltip="Cancel: stop the space"),
        Binding("enter", "details", "Details", id="progress.details", tooltip="Open the space's details"),
        Binding("s", "ssh", "SSH", id="progress.ssh", tooltip="SSH into the space"),
        Binding("v", "vnc", "VNC", id="progress.vnc", tooltip="Open the desktop in a browser"),
    ]

    def __init__(self, space_id: str, request: SpaceRequest, *, start: bool) -> None:
        super().__init__()
        self.space_id = space_id
        self.request = request
        self.start = start
        self.space: Space | None = None
        self.job: Job | None = None
        self.alloc: Allocation | None = None
        self.deployment: Deployment | None = None
        self.consul: dict[str, list[ConsulCheck]] = {}
        self.nomad_checks: dict[str, str] = {}
        self.events: list[tuple[datetime | None, str]] = []
        self._seen_events: set[tuple[str, int]] = set()
        self.steps = {
            "created": Step("Created in knot", DONE, request.name),
            "start": Step(
                "Start requested", WAITING if start else SKIPPED, "" if start else "not asked to start"
            ),
            "knot": Step("knot: deployed", WAITING if start else SKIPPED),
            "nomad": Step("Nomad: allocation running", WAITING if start else SKIPPED),
            "agent": Step("knot agent connected", WAITING if start else SKIPPED),
            "health": Step("Healthy (knot agent and service checks)", WAITING if start else SKIPPED),
        }

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    def compose(self) -> ComposeResult:
        yield Label(f" {plain(self.request.name)}", id="progress-title")
        with VerticalScroll(id="progress-body"):
            yield Static("", id="progress-steps")
            yield Static("", id="progress-outcome")
            yield Label("Events", id="progress-events-title")
            yield Static("", id="progress-events")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.render_steps()
        self.follow()

    # ---- following -------------------------------------------------------------------

    @work(exclusive=True, group="progress", exit_on_error=False)
    async def follow(self) -> None:
        app = self.knot_app
        services = app.services
        if services is None:
            return
        if self.start:
            try:
                await services.knot.start_space(self.space_id)
            except KnotError as exc:
                self.post_message(StepChanged("start", FAILED, f"{exc.message}. {exc.remedy}"))
                return
            self.post_message(StepChanged("start", DONE))
        try:
            space = await services.knot.get_space(self.space_id)
        except KnotError as exc:
            self.post_message(StepChanged("knot", FAILED, exc.message))
            return
        self.post_message(SpaceRead(space))
        if not self.start:
            return
        template = app.templates.get(space.template_id)
        if template is None:
            try:
                template = await services.knot.template(space.template_id)
            except KnotError:
                template = None
        monitor = SpaceMonitor(services, space, template, app.store.me)
        async for item in monitor.run():
            self.post_message(MonitorUpdate(item))

    def on_step_changed(self, message: StepChanged) -> None:
        self.set_step(message.key, message.mark, message.detail)

    def on_space_read(self, message: SpaceRead) -> None:
        self.update_from_space(message.space)

    def on_monitor_update(self, message: MonitorUpdate) -> None:
        self.on_monitor(message.item)

    def on_spaces_changed(self, message: SpacesChanged) -> None:
        change = message.change
        if change.full or self.space_id in change.updated | change.added:
            space = self.knot_app.store.spaces.get(self.space_id)
            if space is not None:
                self.update_from_space(space)

    def update_from_space(self, space: Space) -> None:
        self.space = space
        state = space.state
        if not self.start:
            self.render_steps()
            return
        if state is SpaceState.RUNNING:
            self.set_step("knot", DONE, "Running")
        elif state is SpaceState.STARTING:
            self.set_step("knot", WAITING, "Starting…")
        elif state in (SpaceState.STOPPING, SpaceState.STOPPED):
            self.set_step("knot", FAILED if self.steps["knot"].mark != DONE else WARNING, space.state_label)
        if space.has_state:
            features = [
                f
                for f, on in (
                    ("SSH", space.has_ssh),
                    ("VNC", space.has_http_vnc),
                    ("code-server", space.has_code_server),
                    ("terminal", space.has_terminal),
                )
                if on
            ]
            self.set_step("agent", DONE, ", ".join(features) or "connected")
        elif state is SpaceState.RUNNING:
            self.set_step("agent", WAITING, "waiting for the agent to register")
        self._judge_health()

    def on_monitor(self, item: PaneData | PaneProblem) -> None:
        if isinstance(item, PaneProblem):
            if item.pane == panes.JOB:
                if isinstance(item.error, NomadNotConfigured):
                    self.set_step("nomad", SKIPPED, "Nomad not configured: knot's state only")
                elif isinstance(item.error, JobNotFound):
                    self.set_step("nomad", WAITING, "waiting for knot to register the job…")
                else:
                    self.set_step("nomad", WARNING, item.error.message)
            elif item.pane in (panes.CONSUL_CHECKS, panes.NOMAD_CHECKS):
                self.steps["health"].detail = f"checks: {item.error.message}"
                self.render_steps()
            return
        if item.pane == panes.JOB:
            self.job = item.value
        elif item.pane == panes.ALLOCATION:
            self.alloc = item.value
            self._alloc_changed(item.value)
        elif item.pane == panes.DEPLOYMENT:
            self.deployment = item.value
        elif item.pane == panes.CONSUL_CHECKS:
            self.consul[item.key] = item.value
        elif item.pane == panes.NOMAD_CHECKS:
            self.nomad_checks = {c.check: c.status for c in item.value.values()}
        self._judge_health()

    def _alloc_changed(self, alloc: Allocation) -> None:
        for state in alloc.task_states.values():
            for event in state.events:
                key = (event.type, event.time)
                if key not in self._seen_events:
                    self._seen_events.add(key)
                    self.events.append((event.when, f"{event.type}: {event.text}"))
        failure = allocation_failure(alloc)
        where = f"on {alloc.node_name}" if alloc.node_name else ""
        if failure:
            self.set_step("nomad", FAILED, f"allocation {alloc.short_id} {alloc.client_status}: {failure}")
        elif alloc.client_status == "running":
            self.set_step("nomad", DONE, f"allocation {alloc.short_id} running {where}".strip())
        else:
            latest = next(iter(reversed([e for s in alloc.task_states.values() for e in s.events])), None)
            doing = latest.text if latest else alloc.client_status
            self.set_step(
                "nomad", WAITING, f"allocation {alloc.short_id} {alloc.client_status} {where}: {doing}"
            )
        self.render_events()

    def _judge_health(self) -> None:
        space = self.space
        if space is None or not self.start:
            return
        parts: list[str] = []
        bad = False
        waiting = False
        if space.has_state and space.health_known:
            parts.append("agent healthy" if space.healthy else "agent unhealthy")
            bad |= not space.healthy
        else:
            waiting = True
        checks = [(c.name, c.status) for group in self.consul.values() for c in group]
        checks += list(self.nomad_checks.items())
        for name, status in checks:
            parts.append(f"{name} {status}")
            bad |= status in ("critical", "failure")
            waiting |= status in ("pending",)
        if self.alloc is not None and self.alloc.healthy is False:
            parts.append("deployment: unhealthy")
            bad = True
        elif self.alloc is not None and self.alloc.healthy is True:
            parts.append("deployment: healthy")
        elif self.deployment is not None and self.alloc is not None:
            waiting = True
        detail = ", ".join(parts)
        if bad:
            if stale_ping_check(self.job):
                detail += f"\n{STALE_PING}"
            self.set_step("health", WARNING, detail)
        elif waiting or not parts:
            self.set_step("health", WAITING, detail or "waiting for the first report")
        else:
            self.set_step("health", DONE, detail)

    # ---- rendering -------------------------------------------------------------------

    def set_step(self, key: str, mark: str, detail: str = "") -> None:
        step = self.steps[key]
        step.mark = mark
        step.detail = detail
        self.render_steps()

    @property
    def running_unhealthy(self) -> bool:
        others = [s for k, s in self.steps.items() if k != "health"]
        return self.steps["health"].mark == WARNING and all(s.mark in (DONE, SKIPPED) for s in others)

    @property
    def finished(self) -> bool:
        return all(s.mark in (DONE, SKIPPED) for s in self.steps.values())

    def render_steps(self) -> None:
        if not self.is_attached:
            return
        text = Text()
        for step in self.steps.values():
            text.append(f" {step.mark} ", style=STYLE[step.mark])
            text.append(step.label, style="bold" if step.mark == WAITING else "")
            if step.detail:
                text.append(
                    f"  {plain(step.detail, keep_newlines=True)}",
                    style="dim" if step.mark != FAILED else "red",
                )
            text.append("\n")
        self.query_one("#progress-steps", Static).update(text)
        outcome = Text()
        name = plain(self.request.name)
        if self.finished and self.start:
            outcome.append(f"✓ {name} is running and healthy.", style="bold green")
            outcome.append("  enter details · s SSH · v VNC · esc back to the list")
        elif any(s.mark == FAILED for s in self.steps.values()):
            outcome.append(f"✗ {name} did not start.", style="bold red")
            outcome.append("  c stops it · enter details · esc back")
        elif self.running_unhealthy:
            outcome.append(f"⚠ {name} is running, but not healthy (see above).", style="bold yellow")
            outcome.append("  enter details · s SSH · v VNC · esc back to the list")
        elif not self.start:
            outcome.append(f"✓ {name} was created (not started).", style="green")
        else:
            outcome.append("Starting… ", style="yellow")
            outcome.append(
                "c cancels (stops the space) · esc back to the list (it keeps starting)", style="dim"
            )
        self.query_one("#progress-outcome", Static).update(outcome)
        self.refresh_bindings()  # `c` only while it can cancel

    def render_events(self) -> None:
        lines = Text()
        for when, text in self.events[-12:]:
            stamp = when.astimezone().strftime("%H:%M:%S") if when else "--:--:--"
            lines.append(f"{stamp} ", style="dim")
            lines.append(plain(text) + "\n")
        self.query_one("#progress-events", Static).update(lines)

    # ---- actions ---------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_start":  # only while it starts, or after it failed
            failed = any(step.mark == FAILED for step in self.steps.values())
            return self.start and (failed or not (self.finished or self.running_unhealthy))
        return True

    def action_cancel_start(self) -> None:
        space = self.space or self.knot_app.store.spaces.get(self.space_id)
        if space is not None:
            self.knot_app.lifecycle.stop([space])

    def _space(self) -> Space | None:
        return self.knot_app.store.spaces.get(self.space_id) or self.space

    def action_details(self) -> None:
        space = self._space()
        if space is not None:
            self.knot_app.open_details(space)

    def action_ssh(self) -> None:
        space = self._space()
        if space is not None:
            self.knot_app.open_ssh(space)

    def action_vnc(self) -> None:
        space = self._space()
        if space is not None:
            self.knot_app.open_vnc(space)
