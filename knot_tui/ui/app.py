"""The Textual application: settings, the knot connection and the live space store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.message import Message
from textual.reactive import reactive

from knot_tui import logsetup
from knot_tui.config import Settings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.knot.errors import KnotError
from knot_tui.state import FeedStatus, SpaceStore, SpaceSync, StoreUpdate, SyncError
from knot_tui.text import plain
from knot_tui.ui.messages import FeedStateChanged, SpacesChanged

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class KnotApp(App[int]):
    """knot-tui. Data flows one way: client -> store -> messages -> screens."""

    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "knot-tui"

    feed_status: reactive[FeedStatus] = reactive(FeedStatus("connecting"), always_update=True)
    last_error: reactive[str] = reactive("")
    identity: reactive[str] = reactive("")

    def __init__(self, settings: Settings, *, now: Callable[[], datetime] = utcnow) -> None:
        super().__init__()
        self.settings = settings
        self.now = now
        self.store = SpaceStore()
        self.client: KnotClient | None = None
        self.loaded = False
        #: A one-line summary of a crash, printed after the terminal is restored.
        self.crash_summary = ""
        self._changed = asyncio.Condition()
        logsetup.add_secret(settings.token)
        logsetup.add_secret(settings.nomad.token)
        logsetup.add_secret(settings.consul.token)

    # ---- lifecycle -------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        from knot_tui.ui.screens.not_configured import NotConfiguredScreen
        from knot_tui.ui.screens.spaces import SpacesScreen

        if not (self.settings.server and self.settings.token):
            self.feed_status = FeedStatus("off")
            self.push_screen(NotConfiguredScreen())
            return
        self.client = KnotClient(
            Connection(
                server=self.settings.server,
                token=self.settings.token,
                verify=self.settings.verify,
                alias=self.settings.alias,
            )
        )
        self.push_screen(SpacesScreen())
        self.run_worker(self._sync(), name="knot-sync", group="knot-sync", exclusive=True)

    async def on_unmount(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    # ---- knot sync -------------------------------------------------------------------

    async def _sync(self) -> None:
        assert self.client is not None
        sync = SpaceSync(self.client, self.store)
        try:
            change = await sync.load()
            self.loaded = True
            self._identify()
            self.broadcast(lambda: SpacesChanged(change))
        except KnotError as exc:
            self.report(exc, "loading spaces")
        async for item in sync.run():
            if isinstance(item, FeedStatus):
                self.feed_status = item
                self.broadcast(lambda item=item: FeedStateChanged(item))
            elif isinstance(item, StoreUpdate):
                self.loaded = True
                self._identify()
                self.broadcast(lambda item=item: SpacesChanged(item.change))
            elif isinstance(item, SyncError):
                self.report(item.error, "refreshing a space")

    def _identify(self) -> None:
        me = self.store.me
        if me is not None:
            role = "admin" if self.store.can_manage_spaces else "user"
            self.identity = f"{me.username} ({role})"

    def broadcast(self, make: Callable[[], Message]) -> None:
        """Post a fresh message to every screen in the stack."""
        for screen in self.screen_stack:
            screen.post_message(make())
        self.call_after_refresh(self._notify_changed)

    async def _notify_changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], object], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds, re-checking after each broadcast has been shown.

        Tests and benchmarks use this to wait on events instead of sleeping.
        """

        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: bool(predicate()))

        await asyncio.wait_for(check(), timeout)

    def extra_feeds(self) -> list[tuple[str, str]]:
        """Connection states of the other live feeds (Nomad, Consul), for the status bar."""
        return []

    def report(self, error: KnotError, context: str = "") -> None:
        """Show a failure once, as a notification, and keep it in the status bar."""
        log.warning("%s: %s", context or "error", error)
        self.last_error = plain(error.message)
        title = f"Failed {context}" if context else "Failed"
        self.notify(
            f"{plain(error.message)}\n{plain(error.remedy)}".strip(),
            title=title,
            severity="error",
            timeout=10,
        )

    # ---- crash handling --------------------------------------------------------------

    def _fatal_error(self) -> None:
        """Never print a traceback (with locals!) to the terminal: log it, summarise."""
        import sys
        import traceback

        exc = sys.exc_info()[1] or self._exception
        text = "".join(traceback.format_exception(exc)) if exc else "unknown error"
        log.error("unexpected error in the UI\n%s", text)
        name = type(exc).__name__ if exc else "Error"
        self.crash_summary = logsetup.redact(
            f"knot-tui stopped after an unexpected error ({name}: {exc})."
        )
        self.exit(return_code=1)
