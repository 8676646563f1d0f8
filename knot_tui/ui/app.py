"""The Textual application: one connection at a time, the live store, and the screens.

Data flows one way: clients -> the store (`knot_tui.state`) -> messages -> screens. The
session's workers (knot's event feed, Nomad's job list, template details) run in the
"session" group, so switching alias or signing in again cancels and restarts them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from knot_tui import logsetup
from knot_tui.config import ConfigError, Flags, Settings, own_config_path, resolve, save_own_setting
from knot_tui.knot.errors import KnotError, KnotNotFound, KnotUnauthorized
from knot_tui.knot.models import Permission, ServerInfo, Space, SpaceRequest, Template
from knot_tui.nomad.summary import AllocSummary
from knot_tui.nomad_list import NomadList, NomadListChanged, NomadListStatus
from knot_tui.state import Change, FeedStatus, SpaceStore, SpaceSync, StoreUpdate, SyncError

if TYPE_CHECKING:
    from knot_tui.services import Services
    from knot_tui.ui.screens.new_space import Draft
from knot_tui.text import plain
from knot_tui.ui.commands import SpacesCommands
from knot_tui.ui.lifecycle import SpaceLifecycle
from knot_tui.ui.messages import FeedStateChanged, NomadChanged, SpacesChanged

log = logging.getLogger(__name__)

SESSION = "session"
PENDING_TIMEOUT = 90.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class KnotApp(App[int]):
    """knot-tui."""

    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "knot-tui"
    COMMANDS = App.COMMANDS | {SpacesCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Every key (this screen)"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit knot-tui"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="app.palette",
            show=False,
            tooltip="Command palette: actions, alias switching, themes",
        ),
    ]

    feed_status: reactive[FeedStatus] = reactive(FeedStatus("connecting"), always_update=True)
    nomad_status: reactive[NomadListStatus] = reactive(NomadListStatus("off"), always_update=True)
    last_error: reactive[str] = reactive("")
    identity: reactive[str] = reactive("")

    def __init__(
        self, settings: Settings, *, now: Callable[[], datetime] = utcnow, all_users: bool = False
    ) -> None:
        super().__init__()
        self.settings = settings
        self.now = now
        self.store = SpaceStore(all_users=all_users)
        self.services: Services | None = None
        self.nomad_list: NomadList | None = None
        self.templates: dict[str, Template | None] = {}
        self._templates_loading: set[str] = set()
        self.server_info = ServerInfo()
        self.server_info_loaded = False
        self.loaded = False
        #: Why the spaces could not be read (until they are): shown where the list would be.
        self.load_failure = ""
        #: What was typed in the new-space form when it was left without creating.
        self.new_space_draft: Draft | None = None
        #: Optimistic labels ("starting", ...) shown until knot's events bring the real state.
        self.pending: dict[str, str] = {}
        self.pending_done: set[str] = set()
        self.lifecycle = SpaceLifecycle(self)
        self.crash_summary = ""
        self._changed = asyncio.Condition()
        self._sync: SpaceSync | None = None
        for secret in (settings.token, settings.nomad.token, settings.consul.token):
            logsetup.add_secret(secret)

    # ---- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.watch(self, "theme", self._remember_theme, init=False)
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        if self.settings.server and self.settings.token:
            from knot_tui.ui.screens.spaces import SpacesScreen

            # Paint the spaces screen first; the clients are built once it is on screen.
            self.push_screen(SpacesScreen())
            self.call_after_refresh(self.connect, self.settings, new_screen=False)
        else:
            from knot_tui.ui.screens.login import LoginScreen

            self.feed_status = FeedStatus("off")
            self.push_screen(LoginScreen(server=self.settings.server))

    def _remember_theme(self, theme: str) -> None:
        """A theme picked in the palette is kept in knot-tui's own config file."""
        if theme == self.settings.theme:
            return
        self.settings = replace(self.settings, theme=theme)
        path = self.settings.config_file or own_config_path(os.environ)
        try:
            save_own_setting(path, "theme", theme)
        except OSError as exc:
            self.notify(f"Could not save the theme to {path}: {exc.strerror or exc}", severity="warning")

    async def on_unmount(self) -> None:
        if self.services is not None:
            await self.services.close()

    @property
    def nomad_configured(self) -> bool:
        return self.services is not None and self.services.nomad is not None

    def connect(self, settings: Settings, *, new_screen: bool = True) -> None:
        """(Re)connect with these settings: new clients, an empty store, the spaces screen."""
        from knot_tui.ui.screens.spaces import SpacesScreen

        self.workers.cancel_group(self, SESSION)
        old = self.services
        if old is not None:
            self.run_worker(old.close(), exit_on_error=False)
        self.settings = settings
        for secret in (settings.token, settings.nomad.token, settings.consul.token):
            logsetup.add_secret(secret)
        from knot_tui.services import Services  # httpx and the Nomad clients: after the first paint

        self.services = Services.build(settings)
        all_users = self.store.all_users
        self.store = SpaceStore(all_users=all_users)
        self.templates = {}
        self._templates_loading = set()
        self.server_info = ServerInfo()
        self.server_info_loaded = False
        self.pending.clear()
        self.loaded = False
        self.load_failure = ""
        self.identity = ""
        self.last_error = ""
        self.feed_status = FeedStatus("connecting")
        services = self.services
        if services.nomad is not None and services.locator is not None:
            # Started by the knot sync once the spaces are listed (see `_start_nomad_list`).
            self.nomad_list = NomadList(services.nomad, services.locator)
            self.nomad_status = NomadListStatus("connecting")
        else:
            self.nomad_list = None
            self.nomad_status = NomadListStatus("off")
        if new_screen:
            while len(self.screen_stack) > 1:
                self.pop_screen()
            self.push_screen(SpacesScreen())
        self.run_worker(self._knot_sync(), name="knot-sync", group=SESSION, exit_on_error=False)

    def switch_alias(self, alias: str) -> None:
        try:
            settings = resolve(Flags(alias=alias, read_only=self.settings.read_only))
        except ConfigError as exc:
            self.notify(str(exc), title="Cannot switch alias", severity="error")
            return
        self.notify(f"Connecting to {settings.server} ({alias})…", title="Switching alias")
        self.connect(settings)

    def set_all_users(self, on: bool) -> None:
        self.store.all_users = on
        self.run_worker(self._reload(), group=SESSION, exit_on_error=False)

    async def _reload(self) -> None:
        if self._sync is None:
            return
        try:
            change = await self._sync.load()
        except KnotError as exc:
            self.report(exc, "loading spaces")
            return
        self._loaded(change)

    # ---- knot sync -------------------------------------------------------------------

    async def _knot_sync(self) -> None:
        assert self.services is not None
        sync = SpaceSync(self.services.knot, self.store)
        self._sync = sync
        first = True
        async for item in sync.run():
            if first and isinstance(item, StoreUpdate | SyncError):
                # The first snapshot (or its failure): now the rest may start.
                first = False
                self._start_nomad_list()
                self.run_worker(self._server_info(), group=SESSION, exit_on_error=False)
                if isinstance(item, SyncError) and not isinstance(item.error, KnotUnauthorized):
                    self.report(item.error, "loading spaces")
                    self.load_failure = self.last_error
                    self.broadcast(lambda: SpacesChanged(Change(full=True)))
                    continue
            if isinstance(item, FeedStatus):
                self.feed_status = item
                self.broadcast(lambda item=item: FeedStateChanged(item))
                if item.state == "auth":
                    self._signed_out("knot refused the API token (401)")
                    return
            elif isinstance(item, StoreUpdate):
                self._loaded(item.change)
            elif isinstance(item, SyncError):
                if isinstance(item.error, KnotUnauthorized):
                    self._signed_out(item.error.message)
                    return
                self.report(item.error, "refreshing a space")

    def _start_nomad_list(self) -> None:
        """Watch Nomad's jobs once knot's list is on screen (its first request imports python-nomad,
        ~80 ms of CPU that would otherwise delay the list)."""
        if self.nomad_list is not None:
            self.run_worker(
                self._nomad_sync(self.nomad_list), name="nomad-list", group=SESSION, exit_on_error=False
            )

    async def _server_info(self) -> None:
        """The wildcard domain (VNC and web-port links); older servers lack the endpoint."""
        assert self.services is not None
        try:
            self.server_info = await self.services.knot.server_info()
            self.server_info_loaded = True
        except KnotError as exc:
            log.info("server-info: %s", exc)

    async def ensure_server_info(self) -> None:
        if not self.server_info_loaded and self.services is not None:
            await self._server_info()

    def _loaded(self, change: Change) -> None:
        if change.full:
            # The spaces just read live as long as the session: move them (and everything
            # else alive now) out of the collector's reach, or every full collection walks
            # them all (about 0.1 s with 10,000 spaces, felt as a stuck key).
            gc.freeze()
        self.loaded = True
        self.load_failure = ""
        self._identify()
        touched = change.updated | change.removed
        for space_id in touched & self.pending_done:
            self.pending.pop(space_id, None)
            self.pending_done.discard(space_id)
        self.broadcast(lambda: SpacesChanged(change))
        missing = {s.template_id for s in self.store.spaces.values()} - self.templates.keys()
        if missing:
            for template_id in missing:
                self.templates[template_id] = None
            self._templates_loading |= {t for t in missing if t}
            self.run_worker(self._load_templates(missing), group=SESSION, exit_on_error=False)

    async def _load_templates(self, template_ids: set[str]) -> None:
        assert self.services is not None
        knot = self.services.knot

        async def one(template_id: str) -> None:
            try:
                self.templates[template_id] = await knot.template(template_id)
            except KnotNotFound:
                self.templates[template_id] = None  # inactive or not visible to this user
            except KnotError as exc:
                log.info("template %s: %s", template_id, exc)
            finally:
                self._templates_loading.discard(template_id)

        await asyncio.gather(*(one(t) for t in template_ids if t))
        if self.nomad_list is not None:
            self.broadcast(lambda: SpacesChanged(Change(full=True)))

    def _identify(self) -> None:
        me = self.store.me
        if me is not None:
            role = "admin" if self.store.can_manage_spaces else "user"
            self.identity = f"{me.username} ({role})"

    def _signed_out(self, reason: str) -> None:
        from knot_tui.ui.screens.login import LoginScreen

        self.feed_status = FeedStatus("auth", reason)
        if not isinstance(self.screen, LoginScreen):
            self.push_screen(
                LoginScreen(
                    reason=f"{reason}. Sign in again "
                    "(the token may have been revoked, or unused for 14 days).",
                    server=self.settings.server,
                )
            )

    # ---- Nomad ---------------------------------------------------------------------------

    async def _nomad_sync(self, nomad_list: NomadList) -> None:
        async for item in nomad_list.run():
            if isinstance(item, NomadListStatus):
                self.nomad_status = item
            elif isinstance(item, NomadListChanged):
                # Not mapped back to rows here: that renders every space's job name (10,000
                # spaces: ~0.4 s on the UI loop); the list redraws what is visible instead.
                self.broadcast(NomadChanged)

    def _owner(self, space: Space):  # type: ignore[no-untyped-def]
        me = self.store.me
        return me if me is not None and me.user_id == space.user_id else None

    def nomad_summary(self, space: Space) -> AllocSummary | None:
        if self.nomad_list is None or space.platform not in ("nomad", ""):
            return None
        return self.nomad_list.summary(space, self.templates.get(space.template_id), self._owner(space))

    # ---- plumbing shared by screens ---------------------------------------------------

    def broadcast(self, make: Callable[[], Message]) -> None:
        """Post a fresh message to every screen in the stack."""
        for screen in self.screen_stack:
            screen.post_message(make())
        self.call_after_refresh(self._notify_changed)

    def refresh_rows(self, keys: set[str]) -> None:
        self.broadcast(lambda: SpacesChanged(Change(updated=frozenset(keys))))

    async def _notify_changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def settled(self) -> bool:
        """Nothing left to arrive: spaces loaded, the feeds live, no template still being read.
        Tests and the screenshot script wait for this."""
        nomad_ok = self.nomad_list is None or self.nomad_status.state == "live"
        return self.loaded and self.feed_status.state == "live" and nomad_ok and not self._templates_loading

    async def wait_until(self, predicate: Callable[[], object], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds: re-checked after each broadcast has been shown,
        and at least every 50 ms for changes that broadcast nothing (dialogs, workers).

        Actions, tests and benchmarks use this to wait on events instead of sleeping.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(0.05, remaining))

    def extra_feeds(self) -> list[tuple[str, str]]:
        """Connection states of the other live feeds, for the status bar."""
        nomad = self.nomad_status.state
        consul = "ready" if self.services is not None and self.services.consul is not None else "off"
        return [("nomad", nomad), ("consul", consul)]

    def report(self, error: KnotError | Exception, context: str = "") -> None:
        """Show a failure once, as a notification naming cause and remedy; keep it in the status bar.
        A 401 means the token is no longer good: that is the sign-in screen, not a notification."""
        if isinstance(error, KnotUnauthorized):
            self._signed_out("knot refused the API token (401)")
            return
        message = plain(getattr(error, "message", str(error)))
        remedy = plain(getattr(error, "remedy", ""))
        log.warning("%s: %s", context or "error", message)
        self.last_error = message
        title = f"Failed {context}" if context else "Failed"
        self.notify(f"{message}\n{remedy}".strip(), title=title, severity="error", timeout=10)

    # ---- screens -------------------------------------------------------------------------

    def _not_yet(self, what: str) -> None:
        self.notify(f"{what} is not available yet.", title="Coming soon", severity="information")

    def open_details(self, space: Space) -> None:
        from knot_tui.ui.screens.details import DetailsScreen

        if isinstance(self.screen, DetailsScreen) and self.screen.space_id == space.space_id:
            return
        self.push_screen(DetailsScreen(space.space_id))

    def open_new_space(self) -> None:
        from knot_tui.ui.screens.new_space import NewSpaceScreen

        if self.settings.read_only:
            self.notify(
                "knot-tui runs with --read-only: creating spaces is disabled.",
                title="Read-only",
                severity="warning",
            )
            return
        self.push_screen(NewSpaceScreen())

    def open_progress(self, space_id: str, request: SpaceRequest, *, start: bool) -> None:
        from knot_tui.ui.screens.progress import ProgressScreen

        self.switch_screen(ProgressScreen(space_id, request, start=start))

    def install_template(self, after: Callable[[], object] | None = None) -> None:
        """Create the bundled Ubuntu Desktop template on the server (admins)."""
        if self.settings.read_only:
            self.notify(
                "knot-tui runs with --read-only: installing templates is disabled.", severity="warning"
            )
            return
        self.run_worker(self._install_template(after), group="actions", exit_on_error=False)

    async def _install_template(self, after: Callable[[], object] | None) -> None:
        from knot_tui import templates as bundled

        services = self.services
        if services is None:
            return
        if not self.store.can(Permission.MANAGE_TEMPLATES):
            self.notify(
                "Installing templates needs knot's Manage Templates permission: ask an admin.",
                title="Cannot install the template",
                severity="warning",
            )
            return
        try:
            existing = await services.knot.templates()
            if any(t.name.lower() == bundled.UBUNTU_DESKTOP_NAME.lower() for t in existing):
                self.notify(
                    f"A template named {bundled.UBUNTU_DESKTOP_NAME!r} already exists; nothing was changed.",
                    title="Template exists",
                    severity="warning",
                )
                return
            template_id = await services.knot.create_template(bundled.ubuntu_desktop_request())
        except KnotError as exc:
            self.report(exc, "to install the template")
            return
        self.notify(
            f"Installed {bundled.UBUNTU_DESKTOP_NAME} ({template_id[:8]}): Nomad platform, CSI home volume, "
            "a TCP check on KasmVNC.",
            title="Template installed",
        )
        if after is not None:
            after()

    def open_logs(self, space: Space, source: str = "") -> None:
        from knot_tui.ui.screens.logs import LogsScreen

        self.push_screen(LogsScreen(space.space_id, source))

    def open_ssh(self, space: Space) -> None:
        from knot_tui.ui import handover

        handover.open_ssh(self, space)

    def open_vnc(self, space: Space) -> None:
        from knot_tui.ui import handover

        handover.open_vnc(self, space)

    def open_links(self, space: Space) -> None:
        from knot_tui.knot.links import space_links
        from knot_tui.ui.screens.links import LinksScreen

        links = space_links(space, self.settings.server, self.server_info.wildcard_domain)
        if not space.has_state:
            links = [link for link in links if link.label == "logs page"]
        self.push_screen(LinksScreen(f"Links of {space.name}", links))

    def action_sign_in(self) -> None:
        from knot_tui.ui.screens.login import LoginScreen

        self.push_screen(LoginScreen(server=self.settings.server))

    def set_pending(self, space_id: str, label: str) -> None:
        """Show `label` on the row until knot reports on the space (or 90 s pass)."""
        self.pending[space_id] = label
        self.pending_done.discard(space_id)
        self.refresh_rows({space_id})

        def expire() -> None:
            if self.pending.get(space_id) == label:
                self.pending.pop(space_id, None)
                self.refresh_rows({space_id})

        self.set_timer(PENDING_TIMEOUT, expire)

    def clear_pending(self, space_id: str) -> None:
        self.pending.pop(space_id, None)
        self.pending_done.discard(space_id)
        self.refresh_rows({space_id})

    def action_help(self) -> None:
        from knot_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(first=getattr(self.screen, "BINDING_GROUP_TITLE", "") or ""))

    # ---- crash handling --------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A background task died of something unexpected: log it, say so, keep running."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("worker %s failed", event.worker.name, exc_info=error)
            self.report(
                RuntimeError(f"{type(error).__name__}: {error} (details in {logsetup.log_path()})"),
                f"in {event.worker.name or 'a background task'}",
            )

    def _fatal_error(self) -> None:
        """Never print a traceback (with locals!) to the terminal: log it, summarise."""
        import sys
        import traceback

        exc = sys.exc_info()[1] or self._exception
        text = "".join(traceback.format_exception(exc)) if exc else "unknown error"
        log.error("unexpected error in the UI\n%s", text)
        name = type(exc).__name__ if exc else "Error"
        self.crash_summary = logsetup.redact(f"knot-tui stopped after an unexpected error ({name}: {exc}).")
        self.exit(return_code=1)
